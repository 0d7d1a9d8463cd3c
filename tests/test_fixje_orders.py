"""Orders: list, create, get, as a partner sees them."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.helpers import Partner

VAT = {"high": Decimal(21), "low": Decimal(9), "zero": Decimal(0)}
CENT = Decimal("0.01")


def all_orders(partner: Partner) -> list[dict[str, Any]]:
    body = partner.get("/api/v1/orders?pagesize=100").json()
    assert body["totalCount"] <= 100
    orders: list[dict[str, Any]] = body["data"]
    return orders


def create(partner: Partner, **changes: Any) -> dict[str, Any]:
    response = partner.post("/api/v1/orders", json=partner.order_body(**changes))
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()
    return created


def test_the_list_is_the_documented_envelope_newest_first(demo: Partner) -> None:
    response = demo.get("/api/v1/orders")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["statusCode", "totalCount", "data"]
    assert body["statusCode"] == "OK"
    assert body["totalCount"] == len(body["data"]) == 24  # orders_per_partner in the fixtures
    created = [order["createdAt"] for order in body["data"]]
    assert created == sorted(created, reverse=True)


def test_pages_follow_each_other_in_both_spellings(demo: Partner) -> None:
    ten = demo.get("/api/v1/orders?pagesize=10").json()["data"]
    first = demo.get("/api/v1/orders?page=1&pagesize=5").json()["data"]
    second = demo.get("/api/v1/orders?page=2&pageSize=5").json()["data"]
    assert [o["orderId"] for o in first + second] == [o["orderId"] for o in ten]
    beyond = demo.get("/api/v1/orders?page=50&pagesize=100").json()
    assert beyond["data"] == []
    assert beyond["totalCount"] == demo.get("/api/v1/orders").json()["totalCount"]


def test_a_created_order_is_stored_with_catalogue_prices_and_tax(demo: Partner) -> None:
    products = demo.all_products()
    skus = [sku for sku, p in products.items() if p["stocks"][0]["quantity"] >= 3]
    by_class = {products[s]["taxClass"]: s for s in skus}
    assert set(by_class) == {"high", "low", "zero"}
    items = [
        {"sku": sku, "quantity": 3, "partnerReference": f"line-{n}"}
        for n, sku in enumerate(by_class.values())
    ]
    created = create(
        demo, orderItems=items, requestedDeliveryDate="2026-11-20", customerDeliveryNote="Ring twice"
    )
    assert set(created) == {"orderId", "reference", "creationWarnings"}
    assert created["reference"] == "PO-TEST-1"

    order = demo.get(f"/api/v1/orders/{created['orderId']}").json()
    assert order["orderId"] == created["orderId"]
    assert order["orderStatus"] == "New"
    assert order["createdAt"] == "2026-11-02T09:00:00Z"
    assert order["requestedDeliveryDate"] == "2026-11-20"
    assert order["shipments"] == []
    assert order["shippingAddress"] == {
        "companyName": None,
        "firstName": "Sanne",
        "lastName": "de Vries",
        "street": "Stationsstraat",
        "houseNumber": "12",
        "houseNumberExtension": None,
        "extraAddressInformation": None,
        "zipCode": "5038 EA",
        "city": "Tilburg",
        "countryCode": "NL",
    }
    assert [item["sku"] for item in order["orderItems"]] == list(by_class.values())
    for item in order["orderItems"]:
        product = products[item["sku"]]
        stock = min((s for s in product["stocks"] if s["quantity"] >= 3), key=lambda s: s["additionalCost"])
        unit = Decimal(str(product["productPrice"]["price"])) + Decimal(str(stock["additionalCost"]))
        tax = (unit * VAT[product["taxClass"]] / 100).quantize(CENT, ROUND_HALF_UP)
        assert Decimal(str(item["unitPrice"])) == unit
        assert Decimal(str(item["tax"])) == tax
        assert Decimal(str(item["totalUnitPrice"])) == unit + tax
        assert Decimal(str(item["total"])) == (unit + tax) * 3
        assert item["quantity"] == 3
        assert item["quantityShipped"] == 0
        assert re.fullmatch(r"line-\d", item["reference"])


def test_a_new_order_comes_first_in_the_list(demo: Partner) -> None:
    before = demo.get("/api/v1/orders").json()["totalCount"]
    created = create(demo)
    listed = demo.get("/api/v1/orders?pagesize=1").json()
    assert listed["totalCount"] == before + 1
    assert listed["data"][0]["orderId"] == created["orderId"]


def test_stock_is_reserved_from_the_named_stock(demo: Partner) -> None:
    product = next(
        p
        for p in demo.all_products().values()
        if len(p["stocks"]) > 1 and all(s["quantity"] > 5 for s in p["stocks"])
    )
    chosen = product["stocks"][1]
    create(demo, orderItems=[{"sku": product["sku"], "quantity": 4, "stockId": chosen["stockId"]}])
    after = demo.all_products()[product["sku"]]["stocks"]
    assert after[1]["quantity"] == chosen["quantity"] - 4
    assert after[0]["quantity"] == product["stocks"][0]["quantity"]


def test_quantity_beyond_stock_is_backordered_with_a_warning(demo: Partner) -> None:
    product = next(
        p
        for p in demo.all_products().values()
        if len(p["stocks"]) == 1 and 0 < p["stocks"][0]["quantity"] < 50
    )
    available = product["stocks"][0]["quantity"]
    created = create(demo, orderItems=[{"sku": product["sku"], "quantity": available + 7}])
    warning = (
        f"orderItems[0]: only {available} of {available + 7} x SKU {product['sku']} in stock at "
        f"'{product['stocks'][0]['name']}'; 7 backordered."
    )
    assert warning in created["creationWarnings"]
    assert demo.all_products()[product["sku"]]["stocks"][0]["quantity"] == 0
    again = create(demo, orderItems=[{"sku": product["sku"], "quantity": 2}])
    assert any("2 backordered" in w for w in again["creationWarnings"])
    assert demo.all_products()[product["sku"]]["stocks"][0]["quantity"] == 0


def test_a_price_that_differs_from_the_catalogue_is_warned_and_not_charged(demo: Partner) -> None:
    product = demo.first("/api/v1/products")
    catalogue = Decimal(str(product["productPrice"]["price"]))
    created = create(demo, orderItems=[{"sku": product["sku"], "quantity": 1, "price": 0.5}])
    assert (
        f"orderItems[0]: the price 0.50 for SKU {product['sku']} differs from the catalogue price "
        f"{catalogue}; the catalogue price is charged."
    ) in created["creationWarnings"]
    order = demo.get(f"/api/v1/orders/{created['orderId']}").json()
    cost = min(Decimal(str(s["additionalCost"])) for s in product["stocks"] if s["quantity"])
    assert Decimal(str(order["orderItems"][0]["unitPrice"])) == catalogue + cost
    same = create(demo, orderItems=[{"sku": product["sku"], "quantity": 1, "price": float(catalogue)}])
    assert not any("differs" in w for w in same["creationWarnings"])


def test_without_a_reference_the_sandbox_makes_one(demo: Partner) -> None:
    body = demo.order_body()
    del body["reference"]
    created = demo.post("/api/v1/orders", json=body).json()
    assert re.fullmatch(r"FX-\d{6}", created["reference"])
    assert demo.get(f"/api/v1/orders/{created['orderId']}").json()["reference"] == created["reference"]


def test_a_repeated_reference_is_a_new_order_with_a_warning(demo: Partner) -> None:
    first = create(demo, reference="PO-DUP")
    second = create(demo, reference="PO-DUP")
    assert first["orderId"] != second["orderId"]
    assert first["creationWarnings"] == []
    assert second["creationWarnings"] == [
        "An order with reference 'PO-DUP' already exists; this is a new order."
    ]


def test_optional_fields_and_lower_case_country(demo: Partner) -> None:
    body = demo.order_body()
    body["shippingAddress"]["countryCode"] = "be"
    body["shippingAddress"]["houseNumberExtension"] = "bis"
    body["billingAddress"] = {
        "companyName": "Demo BV",
        "street": "Markt",
        "houseNumber": "1",
        "zipCode": "1000",
        "city": "Brussel",
        "countryCode": "BE",
        "vatNumber": "BE0123456789",
        "camberOfCommerce": "0123456789",
        "billingEmailAddress": "billing@example.com",
        "billingPhoneNumber": "+32 2 123 45 67",
    }
    response = demo.post("/api/v1/orders", json=body)
    assert response.status_code == 200, response.text
    order = demo.get(f"/api/v1/orders/{response.json()['orderId']}").json()
    assert order["shippingAddress"]["countryCode"] == "BE"
    assert order["shippingAddress"]["houseNumberExtension"] == "bis"


def test_order_ids_are_case_insensitive(demo: Partner) -> None:
    created = create(demo)
    response = demo.get(f"/api/v1/orders/{created['orderId'].upper()}")
    assert response.status_code == 200
    assert response.json()["orderId"] == created["orderId"]


def test_partners_never_see_each_others_orders(demo: Partner, other: Partner) -> None:
    created = create(demo)
    assert other.get(f"/api/v1/orders/{created['orderId']}").status_code == 404
    theirs = all_orders(other)
    assert created["orderId"] not in {o["orderId"] for o in theirs}
    mine = {o["orderId"] for o in all_orders(demo)}
    assert mine.isdisjoint({o["orderId"] for o in theirs})
    mine_fronts = {s["storeFrontId"] for s in demo.get("/api/v1/storefronts").json()["data"]}
    their_fronts = {s["storeFrontId"] for s in other.get("/api/v1/storefronts").json()["data"]}
    assert mine_fronts.isdisjoint(their_fronts)
    assert all(o["storeFrontId"] in their_fronts for o in theirs)


def test_an_unknown_order_is_404_in_problem_details(demo: Partner) -> None:
    response = demo.get("/api/v1/orders/0b7e2b64-1c1c-4c4c-8c8c-000000000001")
    assert response.status_code == 404
    assert response.json()["title"] == "Not Found"
    assert response.json()["detail"] == "Order '0b7e2b64-1c1c-4c4c-8c8c-000000000001' was not found."


def test_seeded_orders_cover_several_statuses_with_consistent_shipments(
    demo: Partner, other: Partner
) -> None:
    orders = all_orders(demo) + all_orders(other)
    statuses = {o["orderStatus"] for o in orders}
    assert {"New", "Processing", "Shipped", "Delivered"} <= statuses
    for order in orders:
        shipped: dict[str, int] = {}
        for shipment in order["shipments"]:
            assert shipment["trackingNumber"]
            assert shipment["shipmentProvider"] in {"PostNL", "DHL", "DPD", "UPS", "Rhenus"}
            assert shipment["shipmentDate"] > order["createdAt"]
            for sku, quantity in shipment["orderItems"].items():
                shipped[sku] = shipped.get(sku, 0) + quantity
        per_sku: dict[str, int] = {}
        for item in order["orderItems"]:
            per_sku[item["sku"]] = per_sku.get(item["sku"], 0) + item["quantityShipped"]
        assert {k: v for k, v in per_sku.items() if v} == shipped
        everything = all(i["quantityShipped"] == i["quantity"] for i in order["orderItems"])
        if order["orderStatus"] in ("Shipped", "Delivered"):
            assert everything
        elif order["orderStatus"] == "PartiallyShipped":
            assert shipped and not everything
        else:
            assert shipped == {}
