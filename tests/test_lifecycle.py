"""Order lifecycles through the control API: every allowed and every forbidden transition."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.fixje.lifecycle import TRANSITIONS as FIXJE_TABLE
from sandbox.vidaxl.lifecycle import TRANSITIONS as VIDAXL_TABLE
from tests.helpers import UTRECHT, Customer, Partner, vidaxl_order_to

# The documented lifecycles (README, specs/sandbox.yaml): (status, event) -> status after.
FIXJE_MOVES = {
    ("New", "process"): "Processing",
    ("New", "ship"): "Shipped",
    ("New", "cancel"): "Cancelled",
    ("Processing", "ship"): "Shipped",
    ("Processing", "cancel"): "Cancelled",
    ("PartiallyShipped", "ship"): "Shipped",
    ("Shipped", "deliver"): "Delivered",
}
FIXJE_PATHS: dict[str, list[dict[str, Any]]] = {
    "New": [],
    "Processing": [{"event": "process"}],
    "PartiallyShipped": [{"event": "ship", "items": "one"}],
    "Shipped": [{"event": "ship"}],
    "Delivered": [{"event": "ship"}, {"event": "deliver"}],
    "Cancelled": [{"event": "cancel"}],
}
VIDAXL_MOVES = {
    ("Temporary", "submit"): "Awaiting Payment",
    ("Temporary", "pay"): "Submitted",
    ("Awaiting Payment", "pay"): "Submitted",
    ("Submitted", "prepare"): "Being Prepared",
    ("Submitted", "ship"): "Sent",
    ("Being Prepared", "ship"): "Sent",
    ("Temporary", "cancel"): "Cancelled",
    ("Submitted", "cancel"): "Cancelled",
    ("Awaiting Payment", "cancel"): "Cancelled",
    ("Being Prepared", "cancel"): "Cancelled",
    ("Sent", "refund"): "Refunded",
    ("Cancelled", "refund"): "Refunded",
    ("Sent", "replace"): "Replaced",
}
VIDAXL_PATHS = {
    "Temporary": [],
    "Submitted": ["pay"],
    "Awaiting Payment": ["submit"],
    "Being Prepared": ["pay", "prepare"],
    "Sent": ["pay", "ship"],
    "Cancelled": ["pay", "cancel"],
    "Refunded": ["pay", "ship", "refund"],
    "Replaced": ["pay", "ship", "replace"],
}
EVENTS = ["process", "ship", "deliver", "cancel", "submit", "pay", "prepare", "refund", "replace"]


def test_the_tables_are_the_documented_ones() -> None:
    assert {(str(s), e): str(t) for e, moves in FIXJE_TABLE.items() for s, t in moves.items()} == FIXJE_MOVES
    assert {
        (s.label, e): t.label for e, moves in VIDAXL_TABLE.items() for s, t in moves.items()
    } == VIDAXL_MOVES


def event(client: TestClient, api: str, order_id: Any, body: dict[str, Any]) -> Any:
    return client.post(f"/_sandbox/{api}/orders/{order_id}/events", json=body)


def fixje_order(client: TestClient, status: str) -> tuple[Partner, str]:
    partner = Partner.login(client)
    body = partner.order_body()
    body["orderItems"][0]["quantity"] = 2
    created = partner.post("/api/v1/orders", json=body)
    assert created.status_code == 200, created.text
    order_id: str = created.json()["orderId"]
    sku = body["orderItems"][0]["sku"]
    for step in FIXJE_PATHS[status]:
        payload = {**step, "items": {sku: 1}} if step.get("items") == "one" else step
        assert event(client, "fixje", order_id, payload).status_code == 200
    assert partner.get(f"/api/v1/orders/{order_id}").json()["orderStatus"] == status
    return partner, order_id


def vidaxl_order(client: TestClient, status: str) -> int:
    customer = Customer(client)
    code = customer.products(limit=1)["data"][0]["code"]
    order_id: int = customer.create(vidaxl_order_to(UTRECHT, (code, 1)))["order"]["id"]
    for name in VIDAXL_PATHS[status]:
        assert event(client, "vidaxl", order_id, {"event": name}).status_code == 200
    return order_id


def vidaxl_view(client: TestClient, order_id: int) -> dict[str, Any]:
    listed = Customer(client).get(f"/api_customer/orders.json?id_eq={order_id}").json()
    view: dict[str, Any] = listed[0]["order"]
    return view


@pytest.mark.parametrize("name", EVENTS)
@pytest.mark.parametrize("status", list(FIXJE_PATHS))
def test_every_fixje_transition(shared: TestClient, status: str, name: str) -> None:
    partner, order_id = fixje_order(shared, status)
    before = partner.get(f"/api/v1/orders/{order_id}").json()
    response = event(shared, "fixje", order_id, {"event": name})
    target = FIXJE_MOVES.get((status, name))
    allowed = [e for e in EVENTS if (status, e) in FIXJE_MOVES]
    if target is None:
        assert response.status_code == 409, response.text
        assert response.json() == {
            "error": "Conflict",
            "status": status,
            "allowedEvents": allowed,
            "message": f"The event '{name}' is not allowed in status '{status}'; "
            f"allowed: {', '.join(allowed) or 'none'}.",
        }
        assert partner.get(f"/api/v1/orders/{order_id}").json() == before
        return
    assert response.status_code == 200, response.text
    assert response.json() == {
        "api": "fixje",
        "orderId": order_id,
        "event": name,
        "previousStatus": status,
        "status": target,
        "allowedEvents": [e for e in EVENTS if (target, e) in FIXJE_MOVES],
    }
    after = partner.get(f"/api/v1/orders/{order_id}").json()
    assert after["orderStatus"] == target
    if name == "ship":
        assert all(item["quantityShipped"] == item["quantity"] for item in after["orderItems"])
        assert len(after["shipments"]) == len(before["shipments"]) + 1


@pytest.mark.parametrize("name", EVENTS)
@pytest.mark.parametrize("status", list(VIDAXL_PATHS))
def test_every_vidaxl_transition(shared: TestClient, status: str, name: str) -> None:
    order_id = vidaxl_order(shared, status)
    before = vidaxl_view(shared, order_id)
    assert before["status_order_name"] == status
    response = event(shared, "vidaxl", order_id, {"event": name})
    target = VIDAXL_MOVES.get((status, name))
    allowed = [e for e in EVENTS if (status, e) in VIDAXL_MOVES]
    if target is None:
        assert response.status_code == 409, response.text
        assert response.json()["status"] == status
        assert sorted(response.json()["allowedEvents"]) == sorted(allowed)
        assert vidaxl_view(shared, order_id) == before
        return
    assert response.status_code == 200, response.text
    assert (response.json()["previousStatus"], response.json()["status"]) == (status, target)
    after = vidaxl_view(shared, order_id)
    assert after["status_order_name"] == target
    assert {line["order_product"]["status_order_name"] for line in after["order_products"]} == {target}


def test_a_refund_needs_a_payment(shared: TestClient) -> None:
    order_id = vidaxl_order(shared, "Temporary")
    assert event(shared, "vidaxl", order_id, {"event": "cancel"}).status_code == 200
    response = event(shared, "vidaxl", order_id, {"event": "refund"})
    assert response.status_code == 400
    message = f"Order {order_id} was never paid; there is nothing to refund."
    assert response.json()["errors"] == {"event": [message]}
    assert vidaxl_view(shared, order_id)["status_order_name"] == "Cancelled"


def test_a_fixje_order_ships_in_two_parcels(shared: TestClient) -> None:
    partner, order_id = fixje_order(shared, "New")
    sku = partner.get(f"/api/v1/orders/{order_id}").json()["orderItems"][0]["sku"]
    first = event(
        shared,
        "fixje",
        order_id,
        {"event": "ship", "items": {sku: 1}, "trackingNumber": "3SONE", "carrier": "PostNL"},
    )
    assert first.json()["status"] == "PartiallyShipped"
    too_many = event(shared, "fixje", order_id, {"event": "ship", "items": {sku: 2}})
    assert too_many.status_code == 400
    assert too_many.json()["errors"] == {f"items.{sku}": [f"SKU {sku} has 1 unit(s) left to ship, not 2."]}
    second = event(shared, "fixje", order_id, {"event": "ship", "items": {sku: 1}, "trackingNumber": "3STWO"})
    assert second.json()["status"] == "Shipped"
    order = partner.get(f"/api/v1/orders/{order_id}").json()
    assert [(s["trackingNumber"], s["orderItems"]) for s in order["shipments"]] == [
        ("3SONE", {sku: 1}),
        ("3STWO", {sku: 1}),
    ]
    assert order["orderItems"][0]["quantityShipped"] == 2


def stocks(client: TestClient, partner: Partner, sku: str) -> list[int]:
    products = [
        p
        for page in range(1, 7)
        for p in partner.get(f"/api/v1/products?page={page}").json()["data"]
        if p["sku"] == sku
    ]
    return [s["quantity"] for s in products[0]["stocks"]]


def test_cancelling_returns_reserved_stock(client: TestClient) -> None:
    partner, order_id = fixje_order(client, "New")
    sku = partner.get(f"/api/v1/orders/{order_id}").json()["orderItems"][0]["sku"]
    reserved = stocks(client, partner, sku)
    assert event(client, "fixje", order_id, {"event": "cancel"}).status_code == 200
    returned = stocks(client, partner, sku)
    assert sum(returned) == sum(reserved) + 2

    customer = Customer(client)
    code = customer.products(limit=1)["data"][0]
    order = vidaxl_order(client, "Submitted")
    held = customer.product(code["code"])
    assert float(held["quantity"]) == float(code["quantity"]) - 1
    event(client, "vidaxl", order, {"event": "cancel"})
    back = customer.product(code["code"])
    assert back["quantity"] == code["quantity"]


def test_vidaxl_shipping_shows_tracking_in_the_list(shared: TestClient) -> None:
    order_id = vidaxl_order(shared, "Submitted")
    shipped = event(
        shared, "vidaxl", order_id, {"event": "ship", "trackingNumbers": ["JVGL1", "JVGL2"], "carrier": "DHL"}
    )
    assert shipped.status_code == 200
    order = vidaxl_view(shared, order_id)
    assert order["status_order_id"] == 5
    assert order["shipping_tracking"] == "JVGL1,JVGL2"
    assert order["shipping_tracking_url"] == "https://www.dhl.com/nl-en/home/tracking.html?tracking-id=JVGL1"
    assert order["shipping_tracking_urls_by_number"] == [
        "https://www.dhl.com/nl-en/home/tracking.html?tracking-id=JVGL1",
        "https://www.dhl.com/nl-en/home/tracking.html?tracking-id=JVGL2",
    ]
    assert order["sent_date"] == "2026-11-02T09:00:00.000Z"


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/_sandbox/fixje/orders/0b7e2b64-1c1c-4c4c-8c8c-000000000001/events", {"event": "ship"}, 404, None),
        ("/_sandbox/vidaxl/orders/999999/events", {"event": "pay"}, 404, None),
        ("/_sandbox/vidaxl/orders/abc/events", {"event": "pay"}, 404, None),
        ("/_sandbox/shopify/orders/1/events", {"event": "pay"}, 400, "api"),
        ("/_sandbox/vidaxl/orders/70001/events", {"event": "explode"}, 400, "event"),
        ("/_sandbox/vidaxl/orders/70001/events", {}, 400, "event"),
        ("/_sandbox/vidaxl/orders/70001/events", {"event": "ship", "parcels": 0}, 400, "parcels"),
        (
            "/_sandbox/vidaxl/orders/70001/events",
            {"event": "ship", "trackingNumbers": ["a,b"]},
            400,
            "trackingNumbers[0]",
        ),
    ],
)
def test_bad_events(
    shared: TestClient, path: str, body: dict[str, Any], status: int, field: str | None
) -> None:
    response = shared.post(path, json=body)
    assert response.status_code == status, response.text
    assert set(response.json()) >= {"error", "message"}
    if field:
        assert field in response.json()["errors"]
