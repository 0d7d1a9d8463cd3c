"""The vidaXL customer API as its docs describe it: creating orders (fields, prices, VAT, stock,
addressbooks), listing them (filters, the 24-hour default, isolation, the seeded statuses), and
the product list."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import (
    ADDRESS,
    LINE_MONEY,
    ORDER_MONEY,
    STATUS_NAMES,
    VIDAXL_DEMO,
    VIDAXL_ORDERS,
    VIDAXL_OTHER,
    VIDAXL_PRODUCTS,
    Customer,
    Json,
    ok,
    runtime,
    vidaxl_address,
    vidaxl_order_body,
    vidaxl_world,
)

NOW = "2026-11-02T09:00:00.000Z"
MONEY = re.compile(r"^-?\d+\.\d+$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# The field names of the docs' "Sample Successful Response" of Method 1, in their order.
ORDER_FIELDS = [
    "id",
    "status_order_id",
    "customer_id",
    "invoice_no",
    "customer_reference_no",
    "comments_customer",
    "comments_wholesaler",
    "shipping_way",
    "shipping_costs",
    "date_estimated",
    "total_before_discount",
    "discount_percentage",
    "discount_comments",
    "discount_total",
    "gross_total",
    "address",
    "address2",
    "city",
    "province",
    "country",
    "postal_code",
    "created_at",
    "updated_at",
    "addressbook_id",
    "submitted_at",
    "customer_order_reference",
    "total_before_vat",
    "total_after_vat",
    "vat_group_id",
    "total_products_before_discount",
    "total_vat",
    "total_products_before_vat",
    "total_products_after_vat",
    "total_shipping_after_vat",
    "sales_rep_id",
    "sales_rep_commission",
    "extra_fields",
    "submitted_by",
    "submitted_by_class",
    "integration_ref",
    "payment_way_id",
    "payment_ip",
    "payment_token",
    "payment_payer_id",
    "paid_amount",
    "is_paid",
    "shipping_option_id",
    "total_m3",
    "request_delivery_at",
    "pricelist_id",
    "shipping_tracking",
    "coupon_id",
    "brightpearl_sales_order_id",
    "cc_first_name",
    "cc_last_name",
    "cc_city",
    "cc_province",
    "cc_postal_code",
    "cc_country",
    "cc_address",
    "total_quantity",
    "payment_date",
    "total_weight",
    "payment_requested",
    "total_dimension",
    "coupon_amount",
    "coupon_vat",
    "custom_discount_amount",
    "save_for_later",
    "integration_ref_status",
    "shipping_service_code",
    "shipping_service_name",
    "integration_data",
    "estimated_delivery_at",
    "error_code",
    "notes",
]
ORDER_PRODUCT_FIELDS = [
    "id",
    "order_id",
    "product_id",
    "quantity",
    "price",
    "final_price",
    "discount_percentage",
    "vat_percentage",
    "total_before_vat",
    "comments_customer",
    "comments_wholesaler",
    "total_vat",
    "total_after_vat",
    "option_value_ids",
    "created_at",
    "updated_at",
    "option_values",
    "product_variant_id",
    "has_custom_price",
    "addressbook_id",
    "status_order_id",
    "is_backorder",
    "estimated_delivery_at",
    "cost",
    "estimated_dispatch_at",
]
# The fields of the docs' "Sample JSON Response" of Method 2 (the list), and those that
# integrations read beyond it (API-NOTES).
LISTED_ORDER_FIELDS = [
    "id",
    "status_order_id",
    "customer_id",
    "submitted_at",
    "comments_customer",
    "address",
    "city",
    "province",
    "country",
    "postal_code",
    "customer_order_reference",
    "total_products_before_discount",
    "discount_percentage",
    "discount_total",
    "total_products_before_vat",
    "total_before_vat",
    "total_vat",
    "total_products_after_vat",
    "gross_total",
    "shipping_option_id",
    "shipping_costs",
    "shipping_tracking",
    "extra_fields",
    "order_products",
    "customer_email",
    "customer_company",
    "customer_name",
    "customer_pricelist_id",
    "customer_phone",
    "customer_reference_code",
    "shipping_option_name",
    "status_order_name",
    "order_number",
    "shipping_tracking_url",
    "shipping_tracking_urls_by_number",
    "sent_date",
    "addressbook_reference_code",
    "replacement_tracking_number",
]
LISTED_ORDER_PRODUCT_FIELDS = [
    "id",
    "order_id",
    "product_id",
    "quantity",
    "price",
    "final_price",
    "discount_percentage",
    "vat_percentage",
    "total_before_vat",
    "total_vat",
    "total_after_vat",
    "product_name",
    "product_code",
    "status_order_id",
    "status_order_name",
    "estimated_delivery_date",
    "estimated_dispatch_date",
    "addressbook",
]
ADDRESSBOOK_FIELDS = [
    "id",
    "address",
    "address2",
    "province",
    "city",
    "postal_code",
    "country",
    "name",
    "phone",
    "comments",
    "email",
    "reference_code",
]


def ids(orders: list[Json]) -> list[int]:
    return [order["id"] for order in orders]


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money(value: str) -> Decimal:
    assert MONEY.match(value), value
    return Decimal(value)


# --- create ------------------------------------------------------------------------------------


def test_create_answers_every_field_of_the_docs_sample(customer: Customer, other_customer: Customer) -> None:
    item = customer.stocked(1)[0]
    body = vidaxl_order_body(
        (item["code"], 1),
        customer_order_reference=74160086,
        customer_id=12345,
        customer_email="someone@else.example",
    )
    created = customer.create(body)
    assert list(created) == ["order", "order_products"]
    order, lines = created["order"], created["order_products"]
    assert list(order) == ORDER_FIELDS
    assert len(lines) == 1
    assert list(lines[0]) == ORDER_PRODUCT_FIELDS

    demo = customer.account()
    assert (order["status_order_id"], order["is_paid"], order["submitted_at"]) == (1, False, None)
    assert (order["paid_amount"], order["payment_date"], order["save_for_later"]) == ("0.0", None, True)
    assert order["customer_order_reference"] == "74160086"
    assert order["customer_id"] == demo.id != 12345
    assert order["pricelist_id"] == 25
    assert order["comments_customer"] == "Please deliver asap"
    assert order["created_at"] == order["updated_at"] == NOW
    assert {
        name: order[name] for name in ("address", "address2", "city", "province", "country", "postal_code")
    } == {
        name: ADDRESS[name] for name in ("address", "address2", "city", "province", "country", "postal_code")
    }
    assert isinstance(order["addressbook_id"], int)
    assert (order["extra_fields"], order["submitted_by"], order["integration_data"]) == ({}, {}, {})
    for name in ORDER_MONEY:
        assert MONEY.match(order[name]), (name, order[name])

    line = lines[0]
    assert (line["order_id"], line["product_id"], line["quantity"]) == (order["id"], item["id"], "1.0")
    assert line["price"] == line["final_price"] == item["price"]
    assert (line["status_order_id"], line["is_backorder"]) == (1, False)
    assert line["addressbook_id"] == order["addressbook_id"]
    assert line["created_at"] == NOW
    for name in LINE_MONEY:
        assert MONEY.match(line[name]), (name, line[name])

    # the credentials decide whose order it is, not customer_id / customer_email in the body
    shown = customer.listed(id_eq=order["id"])
    assert [o["customer_email"] for o in shown] == [VIDAXL_DEMO[0]]
    assert other_customer.listed(id_eq=order["id"]) == []


def test_prices_follow_the_customers_price_list(customer: Customer, other_customer: Customer) -> None:
    demo_page = customer.products(limit=100)["data"]
    other_page = other_customer.products(limit=100)["data"]
    assert [p["id"] for p in demo_page] == [p["id"] for p in other_page]
    for mine, theirs in zip(demo_page, other_page, strict=True):
        assert money(theirs["price"]) == cents(money(mine["price"]) * Decimal("0.95")), mine["code"]
        assert theirs["quantity"] == mine["quantity"]

    item = customer.stocked(1)[0]
    for buyer, pricelist in ((customer, 25), (other_customer, 26)):
        created = buyer.create(vidaxl_order_body((item["code"], 2), country="NL"))
        line = created["order_products"][0]
        assert line["price"] == buyer.product(item["code"])["price"]
        assert created["order"]["pricelist_id"] == pricelist
        assert buyer.listed(id_eq=created["order"]["id"])[0]["customer_pricelist_id"] == pricelist


def test_a_page_of_products_follows_stock_and_each_answer_has_its_own_headers(
    client: TestClient, customer: Customer
) -> None:
    """A page is kept while no stock changes: an order, a cancel and a reset show on the next read
    of the same page, and the rate limit's headers are those of each answer."""
    page = customer.products(limit=100)["data"]
    assert customer.products(limit=100)["data"] == page
    item = next(p for p in page if p["active"] and float(p["quantity"]) >= 2)
    created = customer.create(vidaxl_order_body((item["code"], 2)))
    after = next(p for p in customer.products(limit=100)["data"] if p["id"] == item["id"])
    assert float(after["quantity"]) == float(item["quantity"]) - 2
    cancelled = client.post(
        f"/_sandbox/vidaxl/orders/{created['order']['id']}/events", json={"event": "cancel"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert customer.products(limit=100)["data"] == page
    customer.create(vidaxl_order_body((item["code"], 1)))
    assert customer.products(limit=100)["data"] != page
    assert client.post("/_sandbox/reset").status_code == 200  # a new world, no stock change counted
    assert customer.products(limit=100)["data"] == page

    limits = {"enabled": True, "vidaxl": {"requests": 5, "per": "PT1M"}}
    assert client.put("/_sandbox/rate-limits", json=limits).status_code == 200
    left = [
        customer.get(VIDAXL_PRODUCTS, params={"limit": 100}).headers["X-RateLimit-Remaining"]
        for _ in range(3)
    ]
    assert left == ["4", "3", "2"]


VAT_RATES = [("NL", "21.0"), ("DE", "19.0"), ("GB", "0.0"), ("BE", "21.0"), ("FR", "20.0")]


def test_vat_follows_the_destination_and_totals_add_up(customer: Customer) -> None:
    first, second = customer.stocked(2)
    for country, rate in VAT_RATES:
        created = customer.create(vidaxl_order_body((first["code"], 3), (second["code"], 7), country=country))
        order, lines = created["order"], created["order_products"]
        before = vat = Decimal(0)
        for line, quantity in zip(lines, (3, 7), strict=True):
            assert line["vat_percentage"] == rate, country
            line_before = money(line["total_before_vat"])
            assert line_before == cents(money(line["price"]) * quantity)
            assert money(line["total_vat"]) == cents(line_before * Decimal(rate) / 100), (country, line)
            assert money(line["total_after_vat"]) == line_before + money(line["total_vat"])
            before += line_before
            vat += money(line["total_vat"])
        assert money(order["total_before_vat"]) == money(order["total_products_before_vat"]) == before
        assert money(order["total_products_before_discount"]) == before
        assert money(order["total_before_discount"]) == before
        assert money(order["total_vat"]) == vat
        assert money(order["total_products_after_vat"]) == before + vat
        assert money(order["gross_total"]) == money(order["total_products_after_vat"])
        assert order["total_quantity"] == "10.0"
        assert order["country"] == country


def test_stock_is_reserved_and_a_shortfall_is_a_backorder(client: TestClient, customer: Customer) -> None:
    plenty = customer.stocked(1, at_least=100)[0]
    scarce = min(
        (p for p in customer.products(limit=500)["data"] if p["active"]), key=lambda p: Decimal(p["quantity"])
    )
    short = int(Decimal(scarce["quantity"]))
    assert short < 50

    created = customer.create(vidaxl_order_body((plenty["code"], 3), (scarce["code"], short + 5)))
    normal, backorder = created["order_products"]
    assert normal["is_backorder"] is False
    assert backorder["is_backorder"] is True
    assert backorder["quantity"] == f"{short + 5}.0"
    assert money(customer.product(plenty["code"])["quantity"]) == money(plenty["quantity"]) - 3
    assert customer.product(scarce["code"])["quantity"] == "0.0"
    assert vidaxl_world(client).by_code[scarce["code"]].stock.available == 0
    shown = customer.listed(id_eq=created["order"]["id"])[0]["order_products"]
    assert [line["is_backorder"] for line in shown] == [False, True]

    # the next order of the product is a backorder from the first unit, stock stays at 0
    again = customer.create(vidaxl_order_body((scarce["code"], 1)))
    assert again["order_products"][0]["is_backorder"] is True
    assert customer.product(scarce["code"])["quantity"] == "0.0"


@pytest.mark.parametrize(
    "field",
    ["quantity", "product_code", "product_id", "addressbook_id", "customer_order_reference"],
)
def test_an_integral_number_is_an_integer(client: TestClient, customer: Customer, field: str) -> None:
    """`2.0` is an integer to JSON Schema (the spec's validator accepts it) and to Rails: wherever the
    spec allows an integer, it means the integer, never a 500 nor the text "2.0"."""
    item = customer.stocked(1)[0]
    world = vidaxl_world(client)
    book = customer.account().addressbooks[0].id
    body = vidaxl_order_body((item["code"], 1))
    line = body["order_products"][0]
    expected: object  # what the answer shows: the field's integer, or the text "2.0" or "74160086"
    match field:
        case "quantity":
            line["quantity"] = 2.0
            where, name, expected = "line", "quantity", "2.0"
        case "product_code":
            line["product_code"] = float(item["code"])
            where, name, expected = "line", "product_id", item["id"]
        case "product_id":
            del line["product_code"]
            line["product_id"] = float(item["id"])
            where, name, expected = "line", "product_id", item["id"]
        case "addressbook_id":
            del body["addressbook"]
            body["addressbook_id"] = float(book)
            where, name, expected = "order", "addressbook_id", book
        case _:
            body["customer_order_reference"] = 74160086.0
            where, name, expected = "order", "customer_order_reference", "74160086"
    key = customer.account().key
    count, stock = world.orders.count(key), world.by_code[item["code"]].stock
    available = stock.available
    response = customer.post(VIDAXL_ORDERS, json=body)
    units = 2 if field == "quantity" else 1
    # status, orders added, units reserved: a refusal would be (400 or 422, 0, 0)
    assert (response.status_code, world.orders.count(key) - count, available - stock.available) == (
        200,
        1,
        units,
    ), response.text
    created = response.json()
    shown = created["order"] if where == "order" else created["order_products"][0]
    assert shown[name] == expected


def test_an_addressbook_is_reused_by_id_and_only_by_its_customer(
    client: TestClient, customer: Customer, other_customer: Customer
) -> None:
    item = customer.stocked(1)[0]
    world = vidaxl_world(client)
    demo = customer.account()
    first = customer.create(vidaxl_order_body((item["code"], 1), country="DE"))["order"]
    book = first["addressbook_id"]
    books = len(demo.addressbooks)

    body = vidaxl_order_body((item["code"], 1), addressbook_id=book)
    del body["addressbook"]
    second = customer.create(body)
    assert second["order"]["addressbook_id"] == book
    assert second["order_products"][0]["addressbook_id"] == book
    assert second["order_products"][0]["vat_percentage"] == "19.0"
    assert {k: second["order"][k] for k in ("address", "city", "country")} == {
        k: first[k] for k in ("address", "city", "country")
    }
    assert len(demo.addressbooks) == books

    # on a line too
    line_body = vidaxl_order_body(country="NL")
    line_body["order_products"] = [{"product_id": item["id"], "quantity": 1, "addressbook_id": book}]
    line = customer.create(line_body)["order_products"][0]
    assert (line["addressbook_id"], line["vat_percentage"]) == (book, "19.0")

    # another customer cannot use it, nor the demo customer theirs
    other_key = other_customer.account().key
    count = world.orders.count(other_key)
    theirs = other_customer.listed(status_order_id_eq=5)[0]["order_products"][0]["addressbook_id"]
    for buyer, foreign in ((other_customer, book), (customer, theirs)):
        refused = buyer.post(VIDAXL_ORDERS, json={**body, "addressbook_id": foreign})
        assert refused.status_code == 422, refused.text
        error = refused.json()
        assert error["error"].startswith("Could not create order")
        assert "addressbook_id" in error["errors"]
    assert world.orders.count(other_key) == count


def test_a_lines_addressbook_overrides_the_orders(customer: Customer) -> None:
    first, second = customer.stocked(2)
    body = vidaxl_order_body((first["code"], 1), (second["code"], 1), country="GB")
    body["order_products"][0]["addressbook"] = vidaxl_address("DE", address="Hauptstrasse 5", city="Berlin")
    created = customer.create(body)
    order, (own, inherited) = created["order"], created["order_products"]
    assert (own["vat_percentage"], inherited["vat_percentage"]) == ("19.0", "0.0")
    assert inherited["addressbook_id"] == order["addressbook_id"] != own["addressbook_id"]
    shown = customer.listed(id_eq=order["id"])[0]["order_products"]
    assert [(line["addressbook"]["country"], line["addressbook"]["address"]) for line in shown] == [
        ("DE", "Hauptstrasse 5"),
        ("GB", "Covent Garden 100"),
    ]
    assert [line["addressbook"]["id"] for line in shown] == [own["addressbook_id"], order["addressbook_id"]]

    # no order address at all: each line brings its own
    body = vidaxl_order_body((first["code"], 1))
    del body["addressbook"]
    body["order_products"][0]["addressbook"] = vidaxl_address("NL")
    line = customer.create(body)["order_products"][0]
    assert line["vat_percentage"] == "21.0"


# --- list ----------------------------------------------------------------------------------------


def test_a_new_order_is_listed_then_leaves_the_24_hour_window(client: TestClient, customer: Customer) -> None:
    item = customer.stocked(1)[0]
    everything = customer.all_orders()
    window = [o for o in everything if o["created_at"] >= "2026-11-01T09:00:00.000Z"]
    assert 0 < len(window) < len(everything)
    assert ids(customer.listed()) == ids(window)

    created = customer.create(vidaxl_order_body((item["code"], 2), customer_order_reference="PO-LIST-1"))
    new_id = created["order"]["id"]
    default = customer.listed()
    assert ids(default) == [new_id, *ids(window)]
    for query in ({"id_eq": new_id}, {"customer_order_reference_eq": "PO-LIST-1"}):
        assert ids(customer.listed(**query)) == [new_id]

    shown = default[0]
    assert {k: v for k, v in shown.items() if k in created["order"]} == created["order"]
    for line, made in zip(shown["order_products"], created["order_products"], strict=True):
        assert {k: v for k, v in line.items() if k in made} == made
        assert (line["product_code"], line["product_name"]) == (item["code"], item["name"])
    assert (shown["status_order_name"], shown["shipping_tracking"], shown["sent_date"]) == (
        "Temporary",
        None,
        None,
    )

    runtime(client).clock.advance(timedelta(hours=25))
    assert customer.listed() == []
    assert ids(customer.listed(id_eq=new_id)) == [new_id]
    assert ids(customer.listed(customer_order_reference_eq="PO-LIST-1")) == [new_id]


def test_a_reference_lists_each_order_of_it_newest_first_and_the_other_filters_still_apply(
    customer: Customer,
) -> None:
    item = customer.stocked(1)[0]
    first, other, second = (
        customer.create(vidaxl_order_body((item["code"], 1), customer_order_reference=reference))["order"][
            "id"
        ]
        for reference in ("PO-TWICE", "PO-ONCE", "PO-TWICE")
    )
    assert ids(customer.listed(customer_order_reference_eq="PO-TWICE")) == [second, first]
    assert ids(customer.listed(customer_order_reference_eq="PO-TWICE", id_eq=first)) == [first]
    assert ids(customer.listed(customer_order_reference_eq="PO-ONCE", id_eq=first)) == []
    status = customer.listed(id_eq=first)[0]["status_order_id"]
    assert status != 5
    assert ids(customer.listed(customer_order_reference_eq="PO-TWICE", status_order_id_eq=status)) == [
        second,
        first,
    ]
    assert ids(customer.listed(customer_order_reference_eq="PO-TWICE", status_order_id_eq=5)) == []
    assert ids(customer.listed(id_eq=other, status_order_id_eq=5)) == []
    assert ids(customer.listed(customer_order_reference_eq="po-twice")) == []


def test_customers_see_only_their_own_orders(customer: Customer, other_customer: Customer) -> None:
    item = customer.stocked(1)[0]
    mine = customer.create(vidaxl_order_body((item["code"], 1), customer_order_reference="PO-MINE"))["order"]
    demo_orders = customer.all_orders()
    other_orders = other_customer.all_orders()
    assert demo_orders and other_orders
    assert not set(ids(demo_orders)) & set(ids(other_orders))
    assert {o["customer_email"] for o in demo_orders} == {VIDAXL_DEMO[0]}
    assert {o["customer_email"] for o in other_orders} == {VIDAXL_OTHER[0]}
    assert mine["id"] not in ids(other_customer.listed())
    for order in demo_orders:
        assert other_customer.listed(id_eq=order["id"]) == []
    assert other_customer.listed(customer_order_reference_eq="PO-MINE") == []
    reference = demo_orders[-1]["customer_order_reference"]
    assert other_customer.listed(customer_order_reference_eq=reference) == []


@dataclass(frozen=True)
class Seeded:
    """The demo customer's seeded orders, all of them, and the catalogue."""

    orders: list[Json]
    catalogue: dict[int, Json]

    def sent(self) -> Json:
        return next(o for o in self.orders if o["status_order_id"] == 5)

    def day(self, status: int = 5) -> str:
        """The submission day of the first order with `status`."""
        return str(next(o for o in self.orders if o["status_order_id"] == status)["submitted_at"][:10])


@pytest.fixture(scope="module")
def seeded(shared: TestClient) -> Seeded:
    customer = Customer(shared)
    everything = [p for offset in (0, 500) for p in customer.products(offset=offset, limit=500)["data"]]
    return Seeded(customer.all_orders(), {p["id"]: p for p in everything})


def submitted(order: Json) -> str:
    return str(order["submitted_at"] or "")[:10]


def compact(day: str) -> str:
    return day.replace("-", "")


Query = Callable[[Seeded], dict[str, Any]]
Match = Callable[[Json, Seeded], bool]

# id, the query, which of all orders it finds, the least number of orders that must be found.
FILTERS: list[tuple[str, Query, Match, int]] = [
    ("id_eq", lambda s: {"id_eq": s.sent()["id"]}, lambda o, s: o["id"] == s.sent()["id"], 1),
    ("id_eq of nothing", lambda s: {"id_eq": 1}, lambda o, s: False, 0),
    *[
        (
            f"status_order_id_eq={status}",
            lambda s, status=status: {"status_order_id_eq": status},
            lambda o, s, status=status: o["status_order_id"] == status,
            0 if status == 9 else 2,
        )
        for status in (1, 2, 3, 4, 5, 7, 8, 9)
    ],
    (
        "customer_order_reference_eq",
        lambda s: {"customer_order_reference_eq": s.sent()["customer_order_reference"]},
        lambda o, s: o["customer_order_reference"] == s.sent()["customer_order_reference"],
        1,
    ),
    (
        "customer_order_reference_eq of nothing",
        lambda s: {"customer_order_reference_eq": "nope"},
        lambda o, s: False,
        0,
    ),
    *[
        (
            f"{name} {style}",
            lambda s, name=name, fmt=fmt: {name: fmt(s.day())},
            lambda o, s, op=op: bool(submitted(o)) and op(submitted(o), s.day()),
            least,
        )
        for name, op, least in (
            ("submitted_at_gteq", str.__ge__, 2),
            ("submitted_at_gt_eq", str.__ge__, 2),
            ("submitted_at_lteq", str.__le__, 2),
            ("submitted_at_castedeq", str.__eq__, 1),
            ("submitted_at_casted_eq", str.__eq__, 1),
        )
        for style, fmt in (("YYYY-MM-DD", str), ("YYYYMMDD", compact))
    ],
    (
        "gteq and lteq",
        lambda s: {"submitted_at_gteq": "2026-10-25", "submitted_at_lteq": "20261030"},
        lambda o, s: "2026-10-25" <= submitted(o) <= "2026-10-30",
        2,
    ),
    (
        "status and gt_eq",
        lambda s: {"status_order_id_eq": 5, "submitted_at_gt_eq": s.day()},
        lambda o, s: o["status_order_id"] == 5 and submitted(o) >= s.day(),
        1,
    ),
    (
        "status and casted_eq",
        lambda s: {"status_order_id_eq": 5, "submitted_at_casted_eq": s.day()},
        lambda o, s: o["status_order_id"] == 5 and submitted(o) == s.day(),
        1,
    ),
    (
        "id and another status",
        lambda s: {"id_eq": s.sent()["id"], "status_order_id_eq": 2},
        lambda o, s: False,
        0,
    ),
    (
        "reference and status",
        lambda s: {
            "customer_order_reference_eq": s.sent()["customer_order_reference"],
            "status_order_id_eq": 5,
        },
        lambda o, s: o["id"] == s.sent()["id"],
        1,
    ),
    (
        "a date before everything",
        lambda s: {"submitted_at_gteq": "20000101"},
        lambda o, s: o["submitted_at"] is not None,
        2,
    ),
    ("a date after everything", lambda s: {"submitted_at_gteq": "2026-11-03"}, lambda o, s: False, 0),
]


@pytest.mark.parametrize(("query", "match", "least"), [pytest.param(*c[1:], id=c[0]) for c in FILTERS])
def test_list_filters(shared: TestClient, seeded: Seeded, query: Query, match: Match, least: int) -> None:
    params = query(seeded)
    expected = [o["id"] for o in seeded.orders if match(o, seeded)]
    assert len(expected) >= least
    for path in (VIDAXL_ORDERS, "/api_customer/orders", "/api_customers/orders.json"):
        assert ids(Customer(shared).listed(path, **params)) == expected, path


def test_filter_spellings_and_date_styles_agree(shared: TestClient, seeded: Seeded) -> None:
    day = seeded.day()
    spellings = (
        ("submitted_at_gteq", "submitted_at_gt_eq"),
        ("submitted_at_castedeq", "submitted_at_casted_eq"),
    )
    for names in spellings:
        bodies = [
            ok(Customer(shared).get(VIDAXL_ORDERS, params={name: value}))
            for name in names
            for value in (day, compact(day))
        ]
        assert bodies[0] and all(body == bodies[0] for body in bodies)


def test_seeded_orders_are_consistent(seeded: Seeded) -> None:
    orders = seeded.orders
    assert {o["status_order_id"] for o in orders} >= {1, 2, 3, 4, 5, 7, 8}
    assert ids(orders) == sorted(ids(orders), reverse=True)
    several_parcels = 0
    for order in orders:
        status = order["status_order_id"]
        assert set(LISTED_ORDER_FIELDS) <= set(order), set(LISTED_ORDER_FIELDS) - set(order)
        assert list(order)[: len(ORDER_FIELDS)] == ORDER_FIELDS
        assert order["status_order_name"] == STATUS_NAMES[status]
        assert order["customer_email"] == VIDAXL_DEMO[0]
        assert (order["submitted_at"] is None) == (status in (1, 7)), order["id"]
        assert order["is_paid"] == (status in (2, 4, 5, 8)), order["id"]
        tracking = order["shipping_tracking"]
        urls = order["shipping_tracking_urls_by_number"]
        if status in (5, 8):
            assert tracking and order["sent_date"] and TIME.match(order["sent_date"]), order["id"]
            numbers = tracking.split(",")
            several_parcels += len(numbers) > 1
            assert len(urls) == len(numbers)
            for url, number in zip(urls, numbers, strict=True):
                assert url.startswith("https://") and number in url
            assert order["shipping_tracking_url"] == urls[0]
        else:
            assert tracking is None and urls == [], order["id"]
            assert order["shipping_tracking_url"] is None and order["sent_date"] is None, order["id"]
        before = vat = Decimal(0)
        for line in order["order_products"]:
            assert set(LISTED_ORDER_PRODUCT_FIELDS) <= set(line)
            assert list(line)[: len(ORDER_PRODUCT_FIELDS)] == ORDER_PRODUCT_FIELDS
            assert (line["status_order_id"], line["status_order_name"]) == (status, STATUS_NAMES[status])
            assert line["order_id"] == order["id"]
            item = seeded.catalogue[line["product_id"]]
            assert (line["product_code"], line["product_name"]) == (item["code"], item["name"])
            assert list(line["addressbook"]) == ADDRESSBOOK_FIELDS
            assert line["addressbook"]["id"] == line["addressbook_id"]
            assert all(MONEY.match(line[name]) for name in LINE_MONEY), line
            before += money(line["total_before_vat"])
            vat += money(line["total_vat"])
        assert order["order_products"], order["id"]
        assert (money(order["total_before_vat"]), money(order["total_vat"])) == (before, vat)
        assert money(order["gross_total"]) == before + vat
        assert all(MONEY.match(order[name]) for name in ORDER_MONEY), order["id"]
    assert several_parcels, "no seeded order was sent in several parcels"


# --- products ------------------------------------------------------------------------------------


def test_products_envelope_and_catalogue(shared: TestClient, seeded: Seeded) -> None:
    first = Customer(shared).products()
    assert list(first) == ["data", "pagination"]
    assert first["pagination"] == {"offset": 0, "limit": 100, "total": len(seeded.catalogue)}
    assert len(first["data"]) == 100
    assert len(seeded.catalogue) >= 500
    codes = [p["code"] for p in seeded.catalogue.values()]
    assert len(set(codes)) == len(codes)
    assert all(code.isdigit() for code in codes)
    inactive = [p for p in seeded.catalogue.values() if not p["active"]]
    assert 0 < len(inactive) < len(seeded.catalogue) // 4
    for item in seeded.catalogue.values():
        assert {
            "id",
            "name",
            "code",
            "category_path",
            "quantity",
            "price",
            "active",
            "created_at",
            "updated_at",
        } <= set(item)
        assert MONEY.match(item["quantity"]) and MONEY.match(item["price"]), item
        assert TIME.match(item["created_at"]) and TIME.match(item["updated_at"]), item


def test_products_filters_and_paging(shared: TestClient, seeded: Seeded) -> None:
    everything = list(seeded.catalogue.values())
    total = len(everything)
    a, b = everything[3], everything[42]
    customer = Customer(shared)
    one = {"data": [a], "pagination": {"offset": 0, "limit": 100, "total": 1}}
    assert customer.products(id_eq=a["id"]) == one
    assert customer.products(code_eq=b["code"])["data"] == [b]
    page = ok(customer.get(VIDAXL_PRODUCTS, params=[("id_in[]", str(b["id"])), ("id_in[]", str(a["id"]))]))
    assert page["data"] == [a, b] and page["pagination"]["total"] == 2
    assert customer.products(id_eq=1)["data"] == []
    assert customer.products(code_eq="000000")["data"] == []
    for offset, limit in ((0, 1), (10, 5), (495, 10), (total - 3, 500), (total, 20), (total + 5, 1)):
        page = customer.products(offset=offset, limit=limit)
        assert page["data"] == everything[offset : offset + limit]
        assert page["pagination"] == {"offset": offset, "limit": limit, "total": total}
