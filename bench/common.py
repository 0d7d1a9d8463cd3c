"""What the benchmark's scripts (run.py, memory.py, large.py) share: the demo accounts, the
addresses their orders go to, and how the sandbox is started."""

from __future__ import annotations

import base64

AS_USERS_RUN = ("--log-level", "info")
"""`sandbox serve`'s default log level, access log on (ServerProcess.sandbox starts it at warning)."""
FIXJE_DEMO = ("fixje-demo-client", "fixje-demo-secret")
VIDAXL_AUTH = "Basic " + base64.b64encode(b"demo@vidaxl.sandbox:vidaxl-demo-token").decode()
FIXJE_ADDRESS = {
    "firstName": "Sanne",
    "lastName": "de Vries",
    "street": "Stationsstraat",
    "houseNumber": "12",
    "zipCode": "5038 EA",
    "city": "Tilburg",
    "countryCode": "NL",
}
VIDAXL_ADDRESS = {
    "address": "Stationsstraat 12",
    "city": "Tilburg",
    "postal_code": "5038 EA",
    "country": "NL",
    "name": "Sanne de Vries",
    "phone": "0131234567",
}
