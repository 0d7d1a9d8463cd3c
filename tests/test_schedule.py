"""The schedule: orders move on their own as the virtual clock advances, in time order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from sandbox.fixtures import FixtureError
from tests.helpers import UTRECHT, VIDAXL_ORDERS, Customer, Partner, bearer, login, make_app, vidaxl_order_to


def advance(client: TestClient, duration: str) -> Any:
    response = client.post("/_sandbox/clock", json={"advance": duration})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_fixje_order_walks_the_default_schedule(demo: Partner, client: TestClient) -> None:
    created = demo.post("/api/v1/orders", json=demo.order_body())
    order_id = created.json()["orderId"]

    def fetch() -> dict[str, Any]:
        # a token lasts an hour of the sandbox clock: log in again after each jump
        headers = bearer(login(client))
        order: dict[str, Any] = client.get(f"/api/v1/orders/{order_id}", headers=headers).json()
        return order

    def status() -> str:
        return str(fetch()["orderStatus"])

    advance(client, "PT1H59M")
    assert status() == "New"
    advance(client, "PT1M")
    assert status() == "Processing"
    advance(client, "P3D")  # one jump over three moves: each happens at its own time
    order = fetch()
    assert order["orderStatus"] in ("Delivered", "Cancelled")
    if order["orderStatus"] == "Delivered":
        assert [s["shipmentDate"] for s in order["shipments"]] == ["2026-11-03T09:00:00Z"]
        assert all(item["quantityShipped"] == item["quantity"] for item in order["orderItems"])


def test_a_paid_vidaxl_order_is_prepared_then_sent(client: TestClient) -> None:
    customer = Customer(client)
    code = customer.products(limit=1)["data"][0]["code"]
    order = customer.post(VIDAXL_ORDERS, json=vidaxl_order_to(UTRECHT, (code, 1))).json()["order"]
    advance(client, "P1D")
    listed = customer.get(f"/api_customer/orders.json?id_eq={order['id']}").json()[0]["order"]
    assert listed["status_order_id"] == 1  # unpaid orders wait
    client.post(f"/_sandbox/vidaxl/orders/{order['id']}/events", json={"event": "pay"})
    advance(client, "P2D")
    listed = customer.get(f"/api_customer/orders.json?id_eq={order['id']}").json()[0]["order"]
    assert listed["status_order_name"] in ("Sent", "Cancelled")
    if listed["status_order_name"] == "Sent":
        assert listed["submitted_at"] == "2026-11-03T09:00:00.000Z"
        assert listed["sent_date"] == "2026-11-04T09:00:00.000Z"  # paid + 2 h + 22 h
        assert listed["shipping_tracking"]


def history(seed: int | None = None) -> list[bytes]:
    with TestClient(make_app(seed=seed)) as client:
        partner = Partner.login(client)
        for _ in range(20):
            partner.post("/api/v1/orders", json=partner.order_body())
        steps = [advance(client, "PT3H")["applied"], advance(client, "P1D")["applied"]]
        partner.headers = bearer(login(client))
        orders = partner.get("/api/v1/orders")
        assert orders.status_code == 200
        return [
            str(steps).encode(),
            orders.content,
            Customer(client).get("/api_customer/orders.json?submitted_at_gteq=2026-10-01").content,
        ]


def test_the_schedule_is_deterministic_for_a_seed() -> None:
    assert history() == history()


def test_a_share_of_orders_is_cancelled_by_the_supplier() -> None:
    with TestClient(make_app()) as client:
        partner = Partner.login(client)
        body = partner.order_body()
        ids = [partner.post("/api/v1/orders", json=body).json()["orderId"] for _ in range(200)]
        advance(client, "P1D")
        partner.headers = bearer(login(client))
        statuses = [partner.get(f"/api/v1/orders/{order_id}").json()["orderStatus"] for order_id in ids]
    cancelled = statuses.count("Cancelled")
    assert 1 <= cancelled <= 25  # 5 % of 200, drawn per order from the seed
    assert statuses.count("Shipped") == 200 - cancelled


def test_seeded_orders_count_from_the_clock_start(client: TestClient) -> None:
    # the earliest rule of the default schedule is one hour after a status was entered
    assert advance(client, "PT59M")["applied"] == 0
    assert advance(client, "PT1H")["applied"] > 0


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"from": "Delivered", "after": "PT1H", "event": "ship"}, "cannot happen in status 'Delivered'"),
        ({"from": "New", "after": "soon", "event": "process"}, "is not an ISO 8601 duration"),
    ],
)
def test_a_wrong_rule_is_a_fixture_error(rule: dict[str, str], message: str, tmp_path: Path) -> None:
    data = {
        "fixje": {"partners": [{"name": "A", "client_id": "a", "client_secret": "s"}]},
        "schedule": {"fixje": [rule]},
    }
    path = tmp_path / "fixtures.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(FixtureError) as raised:
        make_app(fixtures=path)
    assert message in str(raised.value)
