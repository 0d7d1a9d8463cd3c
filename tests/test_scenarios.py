"""Scenarios: each named story plays from the seeded state and leaves what it says."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.fixtures import FixtureError
from tests.helpers import FIRST_PRODUCT, Customer, Partner, make_app

NAMES = [
    "backorder",
    "flaky-orders",
    "partial-shipment",
    "refund-after-delivery",
    "supplier-cancellation",
    "two-parcels",
]


def play(client: TestClient, name: str) -> dict[str, Any]:
    response = client.post(f"/_sandbox/scenarios/{name}")
    assert response.status_code == 200, response.text
    played: dict[str, Any] = response.json()
    assert played["scenario"] == name
    return played


def fixje_order(client: TestClient, order_id: str) -> dict[str, Any]:
    partner = Partner.login(client)
    order: dict[str, Any] = partner.get(f"/api/v1/orders/{order_id}").json()
    return order


def vidaxl_order(client: TestClient, order_id: str) -> dict[str, Any]:
    listed = Customer(client).get(f"/api_customer/orders.json?id_eq={order_id}").json()
    order: dict[str, Any] = listed[0]["order"]
    return order


def test_the_scenarios_are_listed(client: TestClient) -> None:
    listed = client.get("/_sandbox/scenarios").json()
    assert [s["name"] for s in listed] == NAMES
    assert all(s["description"] for s in listed)


def test_partial_shipment(client: TestClient) -> None:
    order = fixje_order(client, play(client, "partial-shipment")["orders"]["order"]["orderId"])
    assert (order["reference"], order["orderStatus"]) == ("SCN-PARTIAL", "Shipped")
    assert [(s["trackingNumber"], s["shipmentDate"], s["orderItems"]) for s in order["shipments"]] == [
        ("3SSCNPARTIAL01", "2026-11-02T09:00:00Z", {"FX100001": 1}),
        ("3SSCNPARTIAL02", "2026-11-02T21:00:00Z", {"FX100001": 2}),
    ]


def test_backorder(client: TestClient) -> None:
    order = fixje_order(client, play(client, "backorder")["orders"]["order"]["orderId"])
    assert order["orderStatus"] == "Processing"
    assert order["orderItems"][0]["quantity"] == 5000
    partner = Partner.login(client)
    product = partner.get("/api/v1/products?pageSize=3").json()["data"][2]
    assert product["sku"] == "FX100002"
    assert min(stock["quantity"] for stock in product["stocks"]) == 0


def test_supplier_cancellation(client: TestClient) -> None:
    before = Customer(client).product(FIRST_PRODUCT)
    order = vidaxl_order(client, play(client, "supplier-cancellation")["orders"]["order"]["orderId"])
    assert (order["status_order_id"], order["status_order_name"], order["is_paid"]) == (7, "Cancelled", True)
    after = Customer(client).product(FIRST_PRODUCT)
    assert after["quantity"] == before["quantity"]


def test_refund_after_delivery(client: TestClient) -> None:
    order = vidaxl_order(client, play(client, "refund-after-delivery")["orders"]["order"]["orderId"])
    assert (order["status_order_id"], order["status_order_name"]) == (8, "Refunded")
    assert order["shipping_tracking"] == "JVGLSCNREFUND01"
    assert order["sent_date"] == "2026-11-03T05:00:00.000Z"


def test_two_parcels(client: TestClient) -> None:
    played = play(client, "two-parcels")["orders"]
    assert {name: (made["api"], made["reference"], made["status"]) for name, made in played.items()} == {
        "vidaxl": ("vidaxl", "SCN-PARCELS", "Sent"),
        "fixje": ("fixje", "SCN-DELIVERED", "Delivered"),
    }
    sent = vidaxl_order(client, played["vidaxl"]["orderId"])
    assert sent["status_order_name"] == "Sent"
    assert sent["shipping_tracking"] == "JVGLSCNPARCEL01,JVGLSCNPARCEL02"
    assert sent["shipping_tracking_urls_by_number"] == [
        f"https://www.dhl.com/nl-en/home/tracking.html?tracking-id={number}"
        for number in ("JVGLSCNPARCEL01", "JVGLSCNPARCEL02")
    ]
    assert fixje_order(client, played["fixje"]["orderId"])["orderStatus"] == "Delivered"


def test_a_scenario_starts_from_the_seeded_state(client: TestClient) -> None:
    first = play(client, "partial-shipment")
    again = play(client, "partial-shipment")
    assert first == again  # the same ids: played twice from the same seeded state


def test_a_scenario_at_start() -> None:
    with TestClient(make_app(scenario="two-parcels")) as client:
        listed = Customer(client).get("/api_customer/orders.json?customer_order_reference_eq=SCN-PARCELS")
        assert listed.json()[0]["order"]["status_order_name"] == "Sent"


def test_an_unknown_scenario() -> None:
    with pytest.raises(FixtureError, match="No scenario 'nope'"):
        make_app(scenario="nope")
