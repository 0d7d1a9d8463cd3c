"""Shared fixtures: a sandbox app per test, checked against its specs, and a logged-in client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from sandbox.app import create_app
from sandbox.runtime import Runtime, Seeded
from sandbox.settings import Settings

DEMO = ("fixje-demo-client", "fixje-demo-secret")
OTHER = ("fixje-other-client", "fixje-other-secret")
# Every reply is checked against the spec (a broken one becomes a 500 the test sees), and the
# clock stands still so that times and ids repeat.
# The test client's requests name the host `testserver`, which the sandbox answers only when allowed.
TEST_SETTINGS = Settings(check_responses=True, freeze=True, allowed_hosts=("testserver",))


SEEDED: dict[tuple[Any, ...], Seeded] = {}
"""Worlds as the seed makes them, built once per session for each seed and fixtures file; each
app gets its own deep copy (the runtime's `Seeded`), so that no test sees another's changes."""


def make_app(**changes: Any) -> Starlette:
    settings = replace(TEST_SETTINGS, **changes)
    fixtures = settings.fixtures.resolve()
    key = (settings.seed, fixtures, fixtures.stat().st_mtime_ns if fixtures.exists() else None)
    app = create_app(settings, seeded=SEEDED.get(key))
    runtime: Runtime = app.state.sandbox
    if runtime.fixtures.clock_start is not None:  # else each app starts at its own "now"
        SEEDED.setdefault(key, runtime.seeded)
    return app


@pytest.fixture
def app() -> Starlette:
    return make_app()


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def login(client: TestClient, credentials: tuple[str, str] = DEMO) -> str:
    response = client.post(
        "/api/v1/login",
        data={
            "grant_type": "client_credentials",
            "client_id": credentials[0],
            "client_secret": credentials[1],
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@dataclass
class Partner:
    """A logged-in partner: its client and bearer headers."""

    client: TestClient
    headers: dict[str, str]

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def first(self, path: str) -> dict[str, Any]:
        response = self.get(path, headers={"accept": "application/json"})
        assert response.status_code == 200, response.text
        item: dict[str, Any] = response.json()["data"][0]
        return item

    def order_body(self, **changes: Any) -> dict[str, Any]:
        """A valid order: one unit of the first product, to NL, by a method that serves NL."""
        methods = self.get("/api/v1/shipping-methods", headers={"accept": "application/json"})
        methods = methods.json()["data"]
        method = next(m for m in methods if "NL" in m["countries"])
        body = {
            "reference": "PO-TEST-1",
            "shippingMethodId": method["shippingMethodId"],
            "storeFrontId": self.first("/api/v1/storefronts")["storeFrontId"],
            "shippingAddress": {
                "firstName": "Sanne",
                "lastName": "de Vries",
                "street": "Stationsstraat",
                "houseNumber": "12",
                "zipCode": "5038 EA",
                "city": "Tilburg",
                "countryCode": "NL",
                "shipmentEmailAddress": "sanne@example.com",
            },
            "orderItems": [{"sku": self.first("/api/v1/products")["sku"], "quantity": 1}],
        }
        body.update(changes)
        return body


@pytest.fixture
def demo(client: TestClient) -> Partner:
    return Partner(client, {"Authorization": f"Bearer {login(client)}"})


@pytest.fixture
def other(client: TestClient) -> Partner:
    return Partner(client, {"Authorization": f"Bearer {login(client, OTHER)}"})


PROBLEM_JSON = "application/problem+json; charset=utf-8"
TRACE_ID = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-00$")


def snapshot(partner: Partner) -> tuple[int, list[int]]:
    """The partner's order count and the first product's stock quantities."""
    count: int = partner.get("/api/v1/orders").json()["totalCount"]
    return count, [stock["quantity"] for stock in partner.first("/api/v1/products")["stocks"]]


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is a ProblemDetails object with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://tools.ietf.org/html/rfc9110#section-15.")
    assert isinstance(body["title"], str) and body["title"]
    assert TRACE_ID.match(body["traceId"]), body["traceId"]
    return body
