"""The vidaXL lists in their three formats: the XML (Rails `to_xml` style) and the CSV (one row per
order line) carry exactly what the JSON carries; content types, the plural paths, the Accept header
and RFC 4180 quoting."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.vidaxl.tabular import to_csv
from tests.helpers import (
    LINE_MONEY,
    ORDER_MONEY,
    VIDAXL_DEMO,
    Customer,
    vidaxl_address,
    vidaxl_order_body,
)

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
DECIMALS = {*ORDER_MONEY, *LINE_MONEY, "discount_total"}
TIMES = {
    "created_at",
    "updated_at",
    "submitted_at",
    "payment_date",
    "sent_date",
    "estimated_delivery_at",
    "estimated_dispatch_at",
    "estimated_delivery_date",
    "estimated_dispatch_date",
}
PRODUCT_COLUMNS = [
    "id",
    "name",
    "code",
    "ean",
    "category_path",
    "quantity",
    "price",
    "active",
    "created_at",
    "updated_at",
]
# Text that CSV must quote and XML must escape.
AWKWARD = 'Deliver, please: "asap"\nthen ring twice <&> at Ünïcode str.'
AWKWARD_REFERENCE = 'PO "7", rush'
LINE_COMMENT = "Leave at the back door, left\nof the shed"


@dataclass(frozen=True)
class Made:
    """Orders placed in the shared app before the tests read it."""

    awkward: int
    """Two lines, text to quote and escape, a line with its own address and nulls."""
    plain: int
    codes: list[str]


@pytest.fixture(scope="module")
def made(shared: TestClient) -> Made:
    customer = Customer(shared)
    catalogue = [p for p in customer.products(limit=50)["data"] if p["active"]]
    first, second = catalogue[0]["code"], catalogue[1]["code"]
    body = vidaxl_order_body(
        (first, 2), (second, 1), comments_customer=AWKWARD, customer_order_reference=AWKWARD_REFERENCE
    )
    body["addressbook"].update(address2=None, province=None, comments=None)
    body["order_products"][1]["addressbook"] = vidaxl_address(
        "DE", address="Hauptstrasse 5", comments=LINE_COMMENT
    )
    awkward = customer.create(body)["order"]["id"]
    plain = customer.create(vidaxl_order_body((second, 3), country="NL"))["order"]["id"]
    return Made(awkward, plain, [first, second])


# --- parsing back --------------------------------------------------------------------------------


def from_xml(element: ET.Element) -> Any:
    """An element as a JSON-like value; decimals and times as `("decimal", text)`, `("dateTime", text)`."""
    kind = element.get("type")
    children = list(element)
    assert set(element.attrib) <= {"type", "nil", "key"}, (element.tag, element.attrib)
    assert "_" not in element.tag, f"<{element.tag}>: Rails dashes element names"
    if element.get("nil") == "true":
        assert not children and not element.text and kind is None, element.tag
        return None
    if kind == "array":
        assert not element.text, element.tag
        return [from_xml(child) for child in children]
    if children:
        assert kind is None and not element.text, element.tag
        if all(child.tag == "item" and "key" in child.attrib for child in children):
            return {child.attrib["key"]: from_xml(child) for child in children}
        names = [child.tag.replace("-", "_") for child in children]
        assert len(set(names)) == len(names), names
        return dict(zip(names, map(from_xml, children), strict=True))
    text = element.text or ""
    if kind == "integer":
        return int(text)
    if kind == "boolean":
        assert text in ("true", "false"), text
        return text == "true"
    if kind in ("decimal", "dateTime"):
        return (kind, text)
    assert kind is None, (element.tag, kind)
    return text


def as_xml(value: Any, key: str = "") -> Any:
    """What `from_xml` gives back for a JSON value: lists unwrapped from `{"order": ...}`, decimals and
    times tagged by their field names, an empty object as an empty element."""
    if isinstance(value, list):
        wrapped = key in ("orders", "order_products")
        return [as_xml(item[key.rstrip("s")] if wrapped else item) for item in value]
    if isinstance(value, dict):
        if not value:
            return ""
        return {name: as_xml(child, name) for name, child in value.items()}
    if isinstance(value, str) and key in DECIMALS:
        return ("decimal", value)
    if isinstance(value, str) and key in TIMES:
        return ("dateTime", value)
    return value


def assert_same(found: Any, expected: Any) -> None:
    """Equal, and with every key in the same order."""
    assert found == expected
    assert json.dumps(found) == json.dumps(expected)


def cell(value: Any) -> str:
    """A JSON value as the docs say a CSV cell carries it (README, "CSV"): text as it is, null as an
    empty cell, and any other value (true and false, a number, an object, a list) as its JSON text,
    compact, as the JSON answer itself writes it (`test_a_cell_is_the_json_answer_s_own_text`)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def order_columns(order: dict[str, Any]) -> list[str]:
    line = order["order_products"][0]["order_product"]
    return [
        *(k for k in order if k != "order_products"),
        *(f"order_product_{k}" for k in line if k != "addressbook"),
        # the address's id is the line's addressbook_id, which is there already
        *(f"order_product_addressbook_{k}" for k in line["addressbook"] if k != "id"),
    ]


def order_rows(orders: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for item in orders:
        order = item["order"]
        head = [cell(v) for k, v in order.items() if k != "order_products"]
        for wrapped in order["order_products"]:
            line = wrapped["order_product"]
            assert line["addressbook"]["id"] == line["addressbook_id"]
            rows.append(
                [
                    *head,
                    *(cell(v) for k, v in line.items() if k != "addressbook"),
                    *(cell(v) for k, v in line["addressbook"].items() if k != "id"),
                ]
            )
    return rows


def read_csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CSV_TYPE
    assert response.content.endswith(b"\r\n")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def fetch(client: TestClient, path: str, params: Any, content_type: str, **headers: str) -> Any:
    response = client.get(path, params=params, auth=VIDAXL_DEMO, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    return response


# --- orders --------------------------------------------------------------------------------------

Query = Callable[[Made], dict[str, Any]]

# id, the query, the least number of orders it must find.
ORDER_QUERIES: list[tuple[str, Query, int]] = [
    ("Sent", lambda m: {"status_order_id_eq": 5}, 2),
    ("submitted since October: several statuses", lambda m: {"submitted_at_gteq": "2026-10-01"}, 5),
    ("the last 24 hours", lambda m: {}, 4),
    ("the awkward order", lambda m: {"id_eq": m.awkward}, 1),
    ("its reference", lambda m: {"customer_order_reference_eq": AWKWARD_REFERENCE}, 1),
    ("Temporary", lambda m: {"status_order_id_eq": 1}, 3),
    ("Refunded", lambda m: {"status_order_id_eq": 8}, 1),
    ("none", lambda m: {"status_order_id_eq": 9}, 0),
]


@pytest.mark.parametrize(("query", "least"), [pytest.param(*q[1:], id=q[0]) for q in ORDER_QUERIES])
def test_order_list_xml_and_csv_carry_the_json(
    shared: TestClient,
    made: Made,
    query: Query,
    least: int,
) -> None:
    params = query(made)
    orders = fetch(shared, "/api_customer/orders.json", params, JSON_TYPE).json()
    assert len(orders) >= least

    root = ET.fromstring(fetch(shared, "/api_customer/orders.xml", params, XML_TYPE).content)
    assert (root.tag, root.attrib) == ("orders", {"type": "array"})
    assert [child.tag for child in root] == ["order"] * len(orders)
    for element in root:
        lines = element.find("order-products")
        assert lines is not None and lines.get("type") == "array"
        assert {child.tag for child in lines} <= {"order-product"}
    assert_same(from_xml(root), as_xml(orders, "orders"))

    rows = read_csv(fetch(shared, "/api_customer/orders.csv", params, CSV_TYPE))
    reference = fetch(shared, "/api_customer/orders.json", {"status_order_id_eq": 5}, JSON_TYPE).json()
    assert rows[0] == order_columns(reference[0]["order"])
    if orders:
        assert rows[0] == order_columns(orders[0]["order"])
    assert rows[1:] == order_rows(orders)
    assert len(rows) - 1 == sum(len(item["order"]["order_products"]) for item in orders)


def test_a_cell_is_the_json_answer_s_own_text(shared: TestClient, made: Made) -> None:
    """What `cell` calls compact JSON is the JSON answer's own text of each value that is not text:
    numbers, true and false, objects and lists (the orders' and their lines' and addresses')."""
    for params in ({"submitted_at_gteq": "2026-10-01"}, {"id_eq": made.awkward}):
        answer = fetch(shared, "/api_customer/orders.json", params, JSON_TYPE)
        text = answer.content.decode("utf-8")
        seen: set[type] = set()
        for item in answer.json():
            order = item["order"]
            lines = [line["order_product"] for line in order["order_products"]]
            fields = [
                *order.items(),
                *(f for line in lines for f in [*line.items(), *line["addressbook"].items()]),
            ]
            for name, value in fields:
                if name != "order_products" and value is not None and not isinstance(value, str):
                    assert f'"{name}":{cell(value)}' in text, (name, value)
                    seen.add(type(value))
        assert seen == {int, bool, dict, list}


# A JSON value and the CSV record that carries it, then a plain cell, as the docs describe it
# (README, "CSV": RFC 4180, null an empty cell, booleans true/false, objects compact JSON).
CELLS: list[tuple[str, Any, bytes]] = [
    ("null", None, b",x\r\n"),
    ("an empty string", "", b",x\r\n"),
    ("true", True, b"true,x\r\n"),
    ("false", False, b"false,x\r\n"),
    ("an integer", 70001, b"70001,x\r\n"),
    ("a decimal as the JSON writes it", "95.97", b"95.97,x\r\n"),
    ("text to quote", 'PO "7", rush', b'"PO ""7"", rush",x\r\n'),
    ("a line break", "left\nof the shed", b'"left\nof the shed",x\r\n'),
    ("non-ASCII text", "Ünïcode", "Ünïcode,x\r\n".encode()),
    ("an empty object", {}, b"{},x\r\n"),
    ("an empty list", [], b"[],x\r\n"),
    (
        "a list of URLs",
        ["https://t.example/1", "https://t.example/2"],
        b'"[""https://t.example/1"",""https://t.example/2""]",x\r\n',
    ),
    ("an object", {"a": 1, "b": [True, None]}, b'"{""a"":1,""b"":[true,null]}",x\r\n'),
    ("non-ASCII in an object", {"name": "Jürgen"}, '"{""name"":""Jürgen""}",x\r\n'.encode()),
]


@pytest.mark.parametrize(("value", "record"), [pytest.param(*c[1:], id=c[0]) for c in CELLS])
def test_each_kind_of_json_value_is_the_documented_cell(value: Any, record: bytes) -> None:
    """The writer itself, and the oracle above, against the documented cells."""
    assert to_csv([{"value": value, "plain": "x"}], ["value", "plain"]) == b"value,plain\r\n" + record
    assert list(csv.reader(io.StringIO(record.decode("utf-8"), newline=""))) == [[cell(value), "x"]]


def test_several_statuses_and_parcels_are_covered(shared: TestClient, made: Made) -> None:
    """The queries above are not trivial: they hold several statuses, several tracking numbers, maps,
    nulls, lines with their own addressbook."""
    since = fetch(shared, "/api_customer/orders.json", {"submitted_at_gteq": "2026-10-01"}, JSON_TYPE).json()
    assert len({item["order"]["status_order_id"] for item in since}) >= 4
    sent = fetch(shared, "/api_customer/orders.json", {"status_order_id_eq": 5}, JSON_TYPE).json()
    assert any("," in item["order"]["shipping_tracking"] for item in sent)
    assert all(len(item["order"]["shipping_tracking_urls_by_number"]) >= 1 for item in sent)
    awkward = fetch(shared, "/api_customer/orders.json", {"id_eq": made.awkward}, JSON_TYPE).json()
    lines = awkward[0]["order"]["order_products"]
    assert [line["order_product"]["addressbook"]["country"] for line in lines] == ["GB", "DE"]


def test_xml_order_elements(shared: TestClient) -> None:
    """The Rails details, read straight from the XML."""
    response = fetch(shared, "/api_customer/orders.xml", {"status_order_id_eq": 5}, XML_TYPE)
    order = ET.fromstring(response.content)[0]
    assert order.findtext("status-order-name") == "Sent"
    assert order.find("id").get("type") == "integer"  # type: ignore[union-attr]
    assert order.find("gross-total").get("type") == "decimal"  # type: ignore[union-attr]
    assert order.find("is-paid").attrib == {"type": "boolean"}  # type: ignore[union-attr]
    assert order.find("submitted-at").get("type") == "dateTime"  # type: ignore[union-attr]
    assert order.findtext("invoice-no") == f"INV-{order.findtext('order-number')}"
    assert order.find("replacement-tracking-number").attrib == {"nil": "true"}  # type: ignore[union-attr]
    assert order.find("order_products") is None
    # a list of URLs, one per tracking number, each element named as Rails singularizes the key
    urls = order.find("shipping-tracking-urls-by-number")
    assert urls is not None and urls.attrib == {"type": "array"}
    numbers = order.findtext("shipping-tracking", "").split(",")
    assert [item.tag for item in urls] == ["shipping-tracking-urls-by-number"] * len(numbers)
    assert all(number in (item.text or "") for item, number in zip(urls, numbers, strict=True))
    assert urls[0].text == order.findtext("shipping-tracking-url")
    line = order.find("order-products/order-product")
    assert line is not None
    assert line.findtext("status-order-name") == "Sent"
    assert line.find("addressbook/postal-code") is not None


def test_awkward_text_survives_every_format(shared: TestClient, made: Made) -> None:
    params = {"id_eq": made.awkward}
    order = fetch(shared, "/api_customer/orders.json", params, JSON_TYPE).json()[0]["order"]
    assert (order["comments_customer"], order["customer_order_reference"]) == (AWKWARD, AWKWARD_REFERENCE)
    assert order["order_products"][1]["order_product"]["addressbook"]["comments"] == LINE_COMMENT

    root = ET.fromstring(fetch(shared, "/api_customer/orders.xml", params, XML_TYPE).content)
    assert root[0].findtext("comments-customer") == AWKWARD
    assert root[0].findtext("customer-order-reference") == AWKWARD_REFERENCE

    response = fetch(shared, "/api_customer/orders.csv", params, CSV_TYPE)
    text = response.content.decode("utf-8")
    # RFC 4180: quoted, quotes doubled, the line break kept inside the quotes; records end in CRLF
    assert ',"Deliver, please: ""asap""\nthen ring twice <&> at Ünïcode str.",' in text
    assert ',"PO ""7"", rush",' in text
    assert ',"Leave at the back door, left\nof the shed",' in text
    rows = read_csv(response)
    assert len(rows) == 3
    header = rows[0]
    # every column has a name of its own (the line's addressbook_id is its address's id)
    assert len(set(header)) == len(header)
    assert all(row[header.index("order_product_addressbook_id")] != "" for row in rows[1:])
    for row in rows[1:]:
        assert row[header.index("comments_customer")] == AWKWARD
        assert row[header.index("customer_order_reference")] == AWKWARD_REFERENCE
        # null is an empty cell; a province never given is "" (as the docs' list shows it)
        assert row[header.index("address2")] == row[header.index("province")] == ""
    assert rows[2][header.index("order_product_addressbook_comments")] == LINE_COMMENT
    assert rows[2][header.index("order_product_addressbook_country")] == "DE"


def test_a_crlf_line_break_survives_every_format(client: TestClient, customer: Customer) -> None:
    """Browsers send a textarea's line breaks as CRLF. XML parsers turn a literal CR into LF, so the
    XML must write it as `&#13;` to carry what the JSON carries."""
    code = next(p["code"] for p in customer.products(limit=20)["data"] if p["active"])
    text = "Ring twice\r\nthen wait"
    order = customer.create(vidaxl_order_body((code, 1), comments_customer=text))["order"]
    params = {"id_eq": order["id"]}
    listed = fetch(client, "/api_customer/orders.json", params, JSON_TYPE).json()
    assert listed[0]["order"]["comments_customer"] == text
    rows = read_csv(fetch(client, "/api_customer/orders.csv", params, CSV_TYPE))
    assert rows[1][rows[0].index("comments_customer")] == text
    root = ET.fromstring(fetch(client, "/api_customer/orders.xml", params, XML_TYPE).content)
    assert root[0].findtext("comments-customer") == text


def test_paths_content_types_and_accept(shared: TestClient, made: Made) -> None:
    params = {"submitted_at_gteq": "2026-10-01"}
    by_suffix = {
        suffix: fetch(shared, f"/api_customer/orders{suffix}", params, media).content
        for suffix, media in (("", JSON_TYPE), (".json", JSON_TYPE), (".xml", XML_TYPE), (".csv", CSV_TYPE))
    }
    assert by_suffix[""] == by_suffix[".json"]
    for suffix, content in by_suffix.items():
        media = {".xml": XML_TYPE, ".csv": CSV_TYPE}.get(suffix, JSON_TYPE)
        assert fetch(shared, f"/api_customers/orders{suffix}", params, media).content == content, suffix
    for accept in ("application/xml", "text/xml", "application/json;q=0.5, application/xml"):
        for path in ("/api_customer/orders", "/api_customers/orders"):
            assert fetch(shared, path, params, XML_TYPE, accept=accept).content == by_suffix[".xml"]
    for accept in ("application/json", "*/*", "text/html"):
        found = fetch(shared, "/api_customer/orders", params, JSON_TYPE, accept=accept)
        assert found.content == by_suffix[""]
    # a suffix wins over the Accept header
    for suffix, media, accept in (
        (".json", JSON_TYPE, "application/xml"),
        (".xml", XML_TYPE, "application/json"),
        (".csv", CSV_TYPE, "application/xml"),
    ):
        found = fetch(shared, f"/api_customer/orders{suffix}", params, media, accept=accept)
        assert found.content == by_suffix[suffix]


# --- products ------------------------------------------------------------------------------------

ProductQuery = Callable[[Made], list[tuple[str, str]]]

PRODUCT_QUERIES: list[tuple[str, ProductQuery, int]] = [
    ("first page", lambda m: [], 100),
    ("offset and limit", lambda m: [("offset", "10"), ("limit", "50")], 50),
    ("the whole catalogue's last page", lambda m: [("offset", "500"), ("limit", "500")], 100),
    ("two ids", lambda m: [("id_in[]", "12004"), ("id_in[]", "12001")], 2),
    ("a code", lambda m: [("code_eq", m.codes[0])], 1),
    ("nothing", lambda m: [("id_eq", "1")], 0),
]


@pytest.mark.parametrize(("query", "least"), [pytest.param(*q[1:], id=q[0]) for q in PRODUCT_QUERIES])
def test_product_list_xml_and_csv_carry_the_json(
    shared: TestClient,
    made: Made,
    query: ProductQuery,
    least: int,
) -> None:
    params = query(made)
    page = fetch(shared, "/api_customer/products.json", params, JSON_TYPE).json()
    assert len(page["data"]) >= least
    root = ET.fromstring(fetch(shared, "/api_customer/products.xml", params, XML_TYPE).content)
    assert (root.tag, root.attrib) == ("products", {})
    assert [child.tag for child in root] == ["data", "pagination"]
    assert root[0].attrib == {"type": "array"}
    assert [child.tag for child in root[0]] == ["product"] * len(page["data"])
    assert_same(from_xml(root), as_xml(page))
    rows = read_csv(fetch(shared, "/api_customer/products.csv", params, CSV_TYPE))
    assert rows[0] == PRODUCT_COLUMNS
    assert rows[1:] == [[cell(item[name]) for name in PRODUCT_COLUMNS] for item in page["data"]]
    assert all(list(item) == PRODUCT_COLUMNS for item in page["data"])


def test_product_content_types_and_accept(shared: TestClient) -> None:
    params = {"limit": "20", "offset": "5"}
    json_body = fetch(shared, "/api_customer/products.json", params, JSON_TYPE).content
    xml_body = fetch(shared, "/api_customer/products.xml", params, XML_TYPE).content
    assert fetch(shared, "/api_customer/products", params, JSON_TYPE).content == json_body
    xml = "application/xml"
    assert fetch(shared, "/api_customer/products", params, XML_TYPE, accept=xml).content == xml_body
    assert fetch(shared, "/api_customer/products.json", params, JSON_TYPE, accept=xml).content == json_body
    found = fetch(shared, "/api_customer/products.csv", params, CSV_TYPE, accept="application/json")
    assert found.content.startswith(b"id,name,code,")
