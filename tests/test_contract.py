"""Every operation of every spec gets requests, and every response is checked against the spec."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.resources import spec_path
from sandbox.spec.loader import load_spec
from sandbox.spec.messages import collect
from tests.conftest import DEMO, Partner, login, make_app

SPECS = {name: load_spec(spec_path(name)) for name in ("fixje", "sandbox")}
MISSING_ORDER = "5d1a3c9e-0000-4000-8000-000000000000"

Request = Callable[[Partner], Any]

# operationId -> requests that exercise it, successes and documented errors alike.
CASES: dict[str, list[tuple[str, Request, int]]] = {
    "health": [("ok", lambda p: p.client.get("/_sandbox/health"), 200)],
    "login": [
        ("form", lambda p: p.client.post("/api/v1/login", data={
            "grant_type": "client_credentials", "client_id": DEMO[0], "client_secret": DEMO[1]}), 200),
        ("json", lambda p: p.client.post("/api/v1/login", json={
            "grant_type": "client_credentials", "client_id": DEMO[0], "client_secret": DEMO[1]}), 200),
        ("basic", lambda p: p.client.post("/api/v1/login", data={"grant_type": "client_credentials"},
                                          auth=DEMO), 200),
        ("bad secret", lambda p: p.client.post("/api/v1/login", data={
            "grant_type": "client_credentials", "client_id": DEMO[0], "client_secret": "x"}), 401),
        ("bad grant", lambda p: p.client.post("/api/v1/login", data={
            "grant_type": "password", "client_id": DEMO[0], "client_secret": DEMO[1]}), 400),
        ("no grant", lambda p: p.client.post("/api/v1/login", data={"client_id": DEMO[0]}), 400),
        ("text body", lambda p: p.client.post("/api/v1/login", content=b"x",
                                              headers={"content-type": "text/plain"}), 415),
    ],
    "listOrders": [
        ("page", lambda p: p.get("/api/v1/orders?page=1&pagesize=5"), 200),
        ("pageSize", lambda p: p.get("/api/v1/orders?pageSize=5&page=2"), 200),
        ("past the end", lambda p: p.get("/api/v1/orders?page=99"), 200),
        ("bad size", lambda p: p.get("/api/v1/orders?pagesize=101"), 400),
        ("no token", lambda p: p.client.get("/api/v1/orders"), 401),
    ],
    "createOrder": [
        ("valid", lambda p: p.post("/api/v1/orders", json=p.order_body()), 200),
        ("backorder", lambda p: p.post("/api/v1/orders", json=p.order_body(orderItems=[
            {"sku": p.first("/api/v1/products")["sku"], "quantity": 100000, "price": 0.5}])), 200),
        ("invalid", lambda p: p.post("/api/v1/orders", json={"orderItems": []}), 400),
        ("no token", lambda p: p.client.post("/api/v1/orders", json={}), 401),
        ("too large", lambda p: p.post("/api/v1/orders", content=b"[" * (1024 * 1024 + 1),
                                       headers={"content-type": "application/json"}), 413),
        ("xml body", lambda p: p.post("/api/v1/orders", content=b"<order/>",
                                      headers={"content-type": "application/xml"}), 415),
    ],
    "getOrder": [
        ("seeded", lambda p: p.get(f"/api/v1/orders/{p.first('/api/v1/orders')['orderId']}"), 200),
        ("malformed", lambda p: p.get("/api/v1/orders/12345"), 400),
        ("unknown", lambda p: p.get(f"/api/v1/orders/{MISSING_ORDER}"), 404),
        ("no token", lambda p: p.client.get(f"/api/v1/orders/{MISSING_ORDER}"), 401),
    ],
    "listProducts": [
        ("page of 100", lambda p: p.get("/api/v1/products?page=2&pageSize=100"), 200),
        ("lower-case spelling", lambda p: p.get("/api/v1/products?pagesize=3"), 200),
        ("bad page", lambda p: p.get("/api/v1/products?page=0"), 400),
        ("no token", lambda p: p.client.get("/api/v1/products"), 401),
    ],
    "listShippingMethods": [
        ("all", lambda p: p.get("/api/v1/shipping-methods"), 200),
        ("bad size", lambda p: p.get("/api/v1/shipping-methods?pageSize=abc"), 400),
        ("no token", lambda p: p.client.get("/api/v1/shipping-methods"), 401),
    ],
    "listStoreFronts": [
        ("all", lambda p: p.get("/api/v1/storefronts"), 200),
        ("bad page", lambda p: p.get("/api/v1/storefronts?page=-1"), 400),
        ("no token", lambda p: p.client.get("/api/v1/storefronts"), 401),
    ],
}
OPERATIONS = {op.operation_id: (name, op) for name, spec in SPECS.items() for op in spec.operations}


def test_every_operation_has_cases() -> None:
    assert set(CASES) == set(OPERATIONS)


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
@pytest.mark.parametrize(
    ("operation_id", "label", "send", "status"),
    [(op, label, send, status) for op, cases in CASES.items() for label, send, status in cases],
    ids=[f"{op}-{label}" for op, cases in CASES.items() for label, _, _ in cases],
)
def test_response_matches_spec(
    operation_id: str, label: str, send: Request, status: int, accept: str
) -> None:
    # The app does not check its own replies here: this test checks them from outside.
    with TestClient(make_app(check_responses=False), raise_server_exceptions=False) as client:
        partner = Partner(client, {"Authorization": f"Bearer {login(client)}"})
        client.headers["accept"] = accept
        response = send(partner)
    assert response.status_code == status, response.text
    _, op = OPERATIONS[operation_id]
    documented = op.responses[str(status)]
    media = response.headers["content-type"].split(";")[0]
    if accept == "application/xml" and operation_id != "health":
        assert media.endswith("xml")
        assert media in documented
        return
    assert media in documented, f"{media} not documented for {operation_id} {status}"
    assert collect(documented[media].validator.iter_errors(response.json())) == {}
    for header in op.headers[str(status)]:
        assert header.lower() in response.headers, f"documented header {header} missing"
