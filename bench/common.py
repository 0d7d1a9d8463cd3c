"""What the benchmark's scripts (run.py, memory.py, large.py) share: the demo accounts, the
addresses their orders go to, and how the sandbox is started."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

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


def fixje_order(get: Callable[[str], Any]) -> bytes:
    """A valid POST /api/v1/orders body from what the sandbox lists (`get(path)`: the JSON of a
    GET of the demo partner): one unit of the first product, to NL, by a method that serves NL."""
    methods = get("/api/v1/shipping-methods")["data"]
    body = {
        "reference": "bench",
        "shippingMethodId": next(m["shippingMethodId"] for m in methods if "NL" in m["countries"]),
        "storeFrontId": get("/api/v1/storefronts")["data"][0]["storeFrontId"],
        "shippingAddress": FIXJE_ADDRESS,
        "orderItems": [{"sku": get("/api/v1/products?page=1&pageSize=1")["data"][0]["sku"], "quantity": 1}],
    }
    return json.dumps(body).encode()


def vidaxl_order(get: Callable[[str], Any]) -> bytes:
    """A valid POST /api_customer/orders.json body (`get(path)`: the JSON of a GET of the demo
    customer): one unit of an active product in stock, to NL."""
    products = get("/api_customer/products.json?limit=500")["data"]
    code = next(p["code"] for p in products if p["active"] and float(p["quantity"]) > 0)
    body = {
        "customer_order_reference": "bench",
        "addressbook": VIDAXL_ADDRESS,
        "order_products": [{"product_code": code, "quantity": 1}],
    }
    return json.dumps(body).encode()
