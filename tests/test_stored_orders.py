"""What a stored order holds of what was posted: an address met lately is the same object, and the
texts of a new address are each shared with the equal texts met lately (a city, a country), so
that many orders to many addresses cost little; every answer shows the address as posted."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.helpers import Partner, make_app, runtime


def place(demo: Partner, street: str) -> tuple[str, dict[str, Any]]:
    body = demo.order_body()
    body["shippingAddress"]["street"] = street
    body["billingAddress"] = {**body["shippingAddress"], "street": f"{street} (billing)"}
    response = demo.post("/api/v1/orders", json=body)
    assert response.status_code == 200, response.text
    order_id: str = response.json()["orderId"]
    return order_id, body


def test_fixje_orders_share_equal_addresses_and_equal_texts() -> None:
    with TestClient(make_app()) as client:
        demo = Partner.login(client)
        placed = [place(demo, street) for street in ("Kerkstraat", "Dorpsstraat", "Kerkstraat")]
        for order_id, body in placed:  # the view shows the shipping address (not the billing one)
            shown = demo.get(f"/api/v1/orders/{order_id}").json()["shippingAddress"]
            assert (shown["street"], shown["city"]) == (body["shippingAddress"]["street"], "Tilburg")
        book = runtime(client).worlds["fixje"].orders
        first, second, again = (book.find(order_id) for order_id, _ in placed)
    assert first.shipping_address is again.shipping_address  # equal addresses: one object
    assert first.shipping_address is not second.shipping_address
    assert first.shipping_address.city is second.shipping_address.city  # equal texts: one object
    assert first.shipping_address.city is second.billing_address.city
    assert first.shipping_address.street == "Kerkstraat" and second.shipping_address.street == "Dorpsstraat"
    assert second.billing_address.street == "Dorpsstraat (billing)"
