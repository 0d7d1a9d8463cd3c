"""The seeded catalogue, shipping methods and storefronts."""

from __future__ import annotations

from decimal import Decimal

from starlette.testclient import TestClient

from tests.helpers import Partner

VAT_CLASSES = {"high", "low", "zero"}
WAREHOUSES = {"Tilburg DC", "Venlo Fulfilment", "Duisburg Supplier Direct", "Antwerpen Crossdock"}


def ean13_valid(code: str) -> bool:
    digits = [int(d) for d in code]
    return len(digits) == 13 and sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


def test_the_catalogue_is_large_unique_and_coherent(demo: Partner) -> None:
    products = demo.all_products()
    listed = demo.get("/api/v1/products").json()
    assert listed["totalCount"] == len(products) == 600
    assert len(listed["data"]) == 100
    eans = [p["ean"] for p in products.values()]
    assert len(set(eans)) == len(eans)
    assert all(ean13_valid(ean) for ean in eans)
    assert {p["taxClass"] for p in products.values()} == VAT_CLASSES
    for product in products.values():
        price = product["productPrice"]
        assert Decimal(str(price["suggestedRetailPrice"])) >= Decimal(str(price["price"])) > 0
        assert product["mpn"] and product["name"] and product["image"].endswith(f"{product['sku']}.jpg")
        assert 1 <= len(product["stocks"]) <= 3
        names = [s["name"] for s in product["stocks"]]
        assert len(set(names)) == len(names) and set(names) <= WAREHOUSES
        assert all(s["quantity"] >= 0 for s in product["stocks"])
    assert any(s["quantity"] == 0 for p in products.values() for s in p["stocks"])


def test_ean13_check_is_itself_right() -> None:
    assert ean13_valid("4006381333931")
    assert not ean13_valid("4006381333932")


def test_shipping_methods_name_carriers_and_countries(demo: Partner) -> None:
    body = demo.get("/api/v1/shipping-methods").json()
    assert body["statusCode"] == "OK"
    assert body["totalCount"] == len(body["data"]) == 6
    carriers = {m["carrier"] for m in body["data"]}
    assert {"PostNL", "DHL", "DPD", "UPS"} <= carriers
    postnl = next(m for m in body["data"] if m["name"] == "PostNL Standaard")
    assert postnl["countries"] == ["NL", "BE"]


def test_storefronts_belong_to_their_partner(demo: Partner, other: Partner) -> None:
    mine = demo.get("/api/v1/storefronts").json()
    theirs = other.get("/api/v1/storefronts").json()
    assert mine["totalCount"] == 2 and theirs["totalCount"] == 1
    assert [s["countryCode"] for s in mine["data"]] == ["NL", "BE"]
    assert all(s["currency"] == "EUR" and s["categories"] for s in mine["data"] + theirs["data"])


def test_product_pages_in_either_spelling(demo: Partner) -> None:
    upper = demo.get("/api/v1/products?page=3&pageSize=7").json()["data"]
    lower = demo.get("/api/v1/products?page=3&pagesize=7").json()["data"]
    assert upper == lower
    assert [p["sku"] for p in upper] == [f"FX{100014 + n}" for n in range(7)]


def test_a_page_of_products_follows_every_change_of_stock(client: TestClient, demo: Partner) -> None:
    """A page is kept whole while no stock changes: an order, a cancel, a reset and an imported
    state each show on the next read of the same page."""

    def first_units() -> int:
        """The first product's units in all its stocks (an order takes them from the cheapest
        warehouse that has them)."""
        stocks = demo.first("/api/v1/products?page=1&pageSize=100")["stocks"]
        return sum(stock["quantity"] for stock in stocks)

    before = first_units()
    assert first_units() == before
    placed = demo.post(
        "/api/v1/orders",
        json=demo.order_body(orderItems=[{"sku": demo.first("/api/v1/products")["sku"], "quantity": 2}]),
    )
    assert placed.status_code == 200, placed.text
    assert first_units() == before - 2
    order_id = placed.json()["orderId"]
    cancelled = client.post(f"/_sandbox/fixje/orders/{order_id}/events", json={"event": "cancel"})
    assert cancelled.status_code == 200, cancelled.text
    assert first_units() == before
    assert demo.post("/api/v1/orders", json=demo.order_body()).status_code == 200
    assert first_units() == before - 1
    assert client.post("/_sandbox/reset").status_code == 200  # a new world, no stock change counted
    demo = Partner.login(client)
    assert first_units() == before
    state = client.get("/_sandbox/state").json()
    for stock in demo.first("/api/v1/products")["stocks"]:
        state["fixje"]["stock"][stock["stockId"]] = [7, 0]  # what the page showed last
    assert client.put("/_sandbox/state", json=state).status_code == 200
    again = Partner.login(client)  # tokens go with an import
    stocks = again.first("/api/v1/products?page=1&pageSize=100")["stocks"]
    assert [stock["quantity"] for stock in stocks] == [7] * len(stocks)
