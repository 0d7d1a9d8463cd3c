"""A third supplier, defined only under tests/toy (its spec, lifecycle table, handlers and one
registration object), registered here: it gets its routes and validation, control-API events,
state export and import, reset, tenants, dashboard pages and a docs page from the sandbox as it
is, with no change to any module outside its package."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from sandbox.app import create_app
from sandbox.fixtures import FixtureError
from sandbox.resources import default_fixtures
from sandbox.spec.loader import load_spec
from sandbox.spec.router import ResponseContractError
from sandbox.suppliers import SUPPLIERS
from tests.helpers import TEST_SETTINGS
from tests.toy import api
from tests.toy.supplier import TOY
from tests.toy.world import view

KEY = {"X-Toy-Key": "toy-demo-key"}
UI = "/_sandbox/ui"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(TEST_SETTINGS, (*SUPPLIERS, TOY)), raise_server_exceptions=False) as client:
        yield client


def place(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/toy/v1/orders", json={"sku": "TOY-002", "quantity": 2, **body}, headers=KEY)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def test_its_routes_answer_as_its_spec_says(client: TestClient) -> None:
    order = place(client, reference="PO-7")
    assert order == {
        "id": 2,  # the seed placed order 1
        "sku": "TOY-002",
        "quantity": 2,
        "reference": "PO-7",
        "status": "open",
        "createdAt": "2026-11-02T09:00:00Z",
        "tracking": None,
    }
    assert client.get("/toy/v1/orders/2", headers=KEY).json() == order
    assert [o["id"] for o in client.get("/toy/v1/orders", headers=KEY).json()] == [1, 2]


def test_its_requests_are_validated_against_its_spec_in_its_error_shape(client: TestClient) -> None:
    refused = client.post("/toy/v1/orders", json={"sku": "TOY-2", "quantity": 11}, headers=KEY)
    assert (refused.status_code, refused.json()) == (
        400,
        {
            "error": "One or more validation errors occurred.",
            "errors": {
                "sku": ['The value "TOY-2" is not valid for sku.'],
                "quantity": ["The field quantity must be at most 10."],
            },
        },
    )
    unknown = client.post("/toy/v1/orders", json={"sku": "TOY-999", "quantity": 1}, headers=KEY)
    assert (unknown.status_code, unknown.json()) == (422, {"error": "No product has the SKU TOY-999."})
    anonymous = client.get("/toy/v1/orders")
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": "Give your key in X-Toy-Key."})
    nowhere = client.get("/toy/v1/nothing", headers=KEY)
    assert (nowhere.status_code, nowhere.json()) == (404, {"error": "No resource at /toy/v1/nothing."})
    assert [o["id"] for o in client.get("/toy/v1/orders", headers=KEY).json()] == [1]  # nothing stored


def test_a_reply_that_breaks_its_spec_is_caught_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check_responses` (on in the tests) checks every reply against the spec, and a reply that
    passed once does not let a different one through."""
    with TestClient(create_app(TEST_SETTINGS, (*SUPPLIERS, TOY))) as client:
        for _ in range(2):
            assert client.get("/toy/v1/orders/1", headers=KEY).json()["quantity"] == 1
        monkeypatch.setattr(api, "view", lambda order: {**view(order), "quantity": "1"})
        for _ in range(2):
            with pytest.raises(ResponseContractError, match=r"getOrder 200 application/json: .*quantity"):
                client.get("/toy/v1/orders/1", headers=KEY)
        monkeypatch.setattr(api, "view", view)
        assert client.get("/toy/v1/orders/1", headers=KEY).status_code == 200


def test_a_body_the_fast_check_took_but_jsonschema_refuses_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """With `check_responses` (the tests, `--check-responses`) a body that jsonschema-rs lets through
    is checked by jsonschema too, and a disagreement fails loudly; without it, the fast check's
    word is final."""
    bodies = load_spec(TOY.spec).operation("createOrder").bodies
    monkeypatch.setitem(
        bodies, "application/json", replace(bodies["application/json"], fast=lambda body: True)
    )
    too_many = {"sku": "TOY-002", "quantity": 11}
    took = pytest.raises(ResponseContractError, match=r"createOrder: jsonschema-rs took .*quantity")
    with TestClient(create_app(TEST_SETTINGS, (*SUPPLIERS, TOY))) as client, took:
        client.post("/toy/v1/orders", json=too_many, headers=KEY)
    unchecked = replace(TEST_SETTINGS, check_responses=False)
    with TestClient(create_app(unchecked, (*SUPPLIERS, TOY))) as client:
        assert client.post("/toy/v1/orders", json=too_many, headers=KEY).status_code == 201


def test_a_parameter_the_fast_check_took_but_jsonschema_refuses_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same for a parameter: order 0 is below the spec's minimum of 1."""
    operation = load_spec(TOY.spec).operation("getOrder")
    (order_id,) = operation.parameters
    monkeypatch.setattr(operation, "parameters", [replace(order_id, fast=lambda value: True)])
    took = pytest.raises(ResponseContractError, match=r"getOrder: jsonschema-rs took orderId 0: ")
    with TestClient(create_app(TEST_SETTINGS, (*SUPPLIERS, TOY))) as client, took:
        client.get("/toy/v1/orders/0", headers=KEY)
    unchecked = replace(TEST_SETTINGS, check_responses=False)
    with TestClient(create_app(unchecked, (*SUPPLIERS, TOY))) as client:
        assert client.get("/toy/v1/orders/0", headers=KEY).status_code == 404


def test_control_api_events_follow_its_lifecycle_table(client: TestClient) -> None:
    order = place(client)
    events = f"/_sandbox/toy/orders/{order['id']}/events"
    confirmed = client.post(events, json={"event": "confirm"})
    assert confirmed.json() == {
        "api": "toy",
        "orderId": "2",
        "event": "confirm",
        "previousStatus": "open",
        "status": "confirmed",
        "allowedEvents": ["ship", "cancel"],
    }
    shipped = client.post(events, json={"event": "ship", "trackingNumber": "TOYTRACK1"})
    assert (shipped.json()["status"], shipped.json()["allowedEvents"]) == ("shipped", [])
    refused = client.post(events, json={"event": "cancel"})
    assert (refused.status_code, refused.json()) == (
        409,
        {
            "error": "Conflict",
            "message": "The event 'cancel' is not allowed in status 'shipped'; allowed: none.",
            "status": "shipped",
            "allowedEvents": [],
        },
    )
    shown = client.get(f"/toy/v1/orders/{order['id']}", headers=KEY).json()
    assert (shown["status"], shown["tracking"]) == ("shipped", "TOYTRACK1")
    missing = client.post("/_sandbox/toy/orders/99/events", json={"event": "confirm"})
    assert (missing.status_code, missing.json()["message"]) == (404, "No Toy order '99'.")
    # its events are the control API's to check: an event of no supplier is a 400
    assert client.post(events, json={"event": "explode"}).status_code == 400


def test_state_export_and_import_carry_its_world(client: TestClient) -> None:
    place(client, reference="KEEP")
    exported = client.get("/_sandbox/state")
    assert exported.json()["toy"]["orders"][1]["reference"] == "KEEP"
    with TestClient(create_app(TEST_SETTINGS, (*SUPPLIERS, TOY))) as other:
        assert len(other.get("/toy/v1/orders", headers=KEY).json()) == 1
        imported = other.put(
            "/_sandbox/state", content=exported.content, headers={"content-type": "application/json"}
        )
        assert imported.status_code == 200, imported.text
        assert other.get("/_sandbox/state").content == exported.content
        assert [o["reference"] for o in other.get("/toy/v1/orders", headers=KEY).json()] == [None, "KEEP"]
        state = exported.json()
        state["toy"]["orders"][1]["sku"] = "TOY-404"
        refused = other.put("/_sandbox/state", json=state)
        assert (refused.status_code, refused.json()["errors"]) == (
            400,
            {"toy.orders[1].sku": ["No toy product has the SKU 'TOY-404'."]},
        )
        assert other.get("/_sandbox/state").content == exported.content  # nothing changed
        # a state without its section is refused like one without Fixje's
        del state["toy"]
        assert other.put("/_sandbox/state", json=state).status_code == 400


def test_a_reset_brings_back_its_seeded_world(client: TestClient) -> None:
    seeded = client.get("/_sandbox/state").json()["toy"]
    place(client)
    client.post("/_sandbox/tenants", json={"api": "toy"})
    assert client.post("/_sandbox/reset").status_code == 200
    assert client.get("/_sandbox/state").json()["toy"] == seeded
    assert [o["id"] for o in client.get("/toy/v1/orders", headers=KEY).json()] == [1]


def test_a_tenant_gets_its_own_order_book(client: TestClient) -> None:
    place(client)
    made = client.post("/_sandbox/tenants", json={"api": "toy", "name": "CI job 9"})
    assert made.status_code == 201
    tenant = made.json()
    assert (tenant["api"], tenant["name"]) == ("toy", "CI job 9")
    assert re.fullmatch(r"tenant-1-[0-9a-f]{8}", tenant["key"])
    mine = {"X-Toy-Key": tenant["key"]}
    assert client.get("/toy/v1/orders", headers=mine).json() == []
    assert client.get("/toy/v1/orders/2", headers=mine).status_code == 404  # the demo shop's
    assert (
        client.post("/toy/v1/orders", json={"sku": "TOY-001", "quantity": 1}, headers=mine).json()["id"] == 3
    )


def test_the_dashboard_shows_its_accounts_and_order_pages(client: TestClient) -> None:
    order = place(client, reference="UI-TOY")
    client.post(f"/_sandbox/toy/orders/{order['id']}/events", json={"event": "confirm"})
    overview = client.get(UI).text
    assert "<h3>Toy supplier API</h3>" in overview and 'data-account="toy-demo-key"' in overview
    orders = client.get(f"{UI}/orders", params={"api": "toy", "account": "toy-demo-key"}).text
    assert "UI-TOY" in orders and "/_sandbox/ui/toy/orders/2" in orders
    page = client.get(f"{UI}/toy/orders/2")
    assert page.status_code == 200
    text = page.text
    assert 'data-api="toy" data-order-id="2"' in text
    assert 'data-event="ship"' in text and 'data-event="cancel"' in text  # what `confirmed` allows
    assert "A toy order ships whole." in text and 'name="trackingNumber" data-text' in text
    assert re.findall(r'data-event="(\w+)" data-cause="(\w+)"', text) == [
        ("place", "api"),
        ("confirm", "control"),
    ]
    assert "GET /toy/v1/orders/2" in text
    assert client.get(f"{UI}/toy/orders/99").status_code == 404


def test_its_docs_page_and_spec_are_served(client: TestClient) -> None:
    index = client.get("/docs").text
    assert '<a href="/docs/toy">Toy supplier API</a>' in index
    assert client.get("/docs/toy").status_code == 200
    served = yaml.safe_load(client.get("/specs/toy.yaml").text)
    assert served["info"]["title"] == "Toy supplier API"
    assert served["servers"] == [{"url": "http://testserver", "description": "this sandbox"}]
    # the control API's spec names it wherever it names the suppliers
    control = yaml.safe_load(client.get("/specs/sandbox.yaml").text)
    assert "toy" in control["components"]["schemas"]["Tenant"]["properties"]["api"]["enum"]
    assert "confirm" in control["components"]["schemas"]["Event"]["properties"]["event"]["enum"]


def test_its_fixtures_section_is_checked_by_its_own_schema(tmp_path: Path) -> None:
    data = yaml.safe_load(default_fixtures().read_text(encoding="utf-8"))
    data["toy"] = {"accounts": [{"key": "shop-1", "name": "Shop one"}]}
    path = tmp_path / "fixtures.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with TestClient(create_app(replace(TEST_SETTINGS, fixtures=path), (*SUPPLIERS, TOY))) as client:
        assert client.get("/toy/v1/orders", headers={"X-Toy-Key": "shop-1"}).status_code == 200
        assert client.get("/toy/v1/orders", headers=KEY).status_code == 401
    data["toy"] = {"accounts": [{"key": "shop-1"}]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(FixtureError, match=r"toy\.accounts\[0\]\.name: The name field is required"):
        create_app(replace(TEST_SETTINGS, fixtures=path), (*SUPPLIERS, TOY))
