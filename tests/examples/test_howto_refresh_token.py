"""How to: log in again when the Fixje access token has expired."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.pytest_plugin import FixjeTenant, SandboxControl


class FixjeClient:
    """Client credentials; on a 401 it logs in again, once, and repeats the call."""

    def __init__(self, session: requests.Session, base_url: str, client_id: str, client_secret: str) -> None:
        self.session = session
        self.base_url = base_url
        self.credentials = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self.token: str | None = None

    def login(self) -> None:
        response = self.session.post(f"{self.base_url}/api/v1/login", data=self.credentials, timeout=10)
        response.raise_for_status()
        self.token = response.json()["access_token"]

    def get(self, path: str) -> Any:
        if self.token is None:
            self.login()
        response = self._get(path)
        if response.status_code == 401:  # expired or revoked
            self.login()
            response = self._get(path)
        response.raise_for_status()
        return response.json()

    def _get(self, path: str) -> requests.Response:
        return self.session.get(
            f"{self.base_url}{path}", timeout=10, headers={"Authorization": f"Bearer {self.token}"}
        )


def test_an_expired_token_is_replaced_and_the_call_repeated(
    sandbox_control: SandboxControl, fixje_tenant: FixjeTenant
) -> None:
    with requests.Session() as session:
        client = FixjeClient(
            session, fixje_tenant.base_url, fixje_tenant.client_id, fixje_tenant.client_secret
        )
        assert client.get("/api/v1/orders")["totalCount"] == 0
        first_token = client.token

        assert sandbox_control.expire_tokens(client_id=fixje_tenant.client_id) == 1
        refused = session.get(
            f"{fixje_tenant.base_url}/api/v1/orders",
            timeout=10,
            headers={"Authorization": f"Bearer {first_token}"},
        )
        assert refused.status_code == 401
        assert refused.json()["detail"] == "The access token expired."

        assert client.get("/api/v1/orders")["totalCount"] == 0
        assert client.token != first_token

    logins = [
        entry
        for entry in sandbox_control.journal(path="/api/v1/login")
        if fixje_tenant.client_id in entry["body"]
    ]
    assert len(logins) == 2
