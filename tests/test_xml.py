"""`Accept: application/xml` gives the same content as JSON on every endpoint."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import Partner, login_form

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def as_json(element: ET.Element, like: Any) -> Any:
    """Read `element` back into the shape of `like` (the JSON answer)."""
    if element.get(XSI_NIL) == "true":
        return None
    if isinstance(like, dict):
        children = list(element)
        if all(child.tag == "item" and "key" in child.attrib for child in children) and children:
            return {c.attrib["key"]: as_json(c, like[c.attrib["key"]]) for c in children}
        return {child.tag: as_json(child, like.get(child.tag)) for child in children}
    if isinstance(like, list):
        return [as_json(child, item) for child, item in zip(list(element), like, strict=True)]
    text = element.text or ""
    if isinstance(like, bool):
        return text == "true"
    if isinstance(like, int):
        return int(text)
    if isinstance(like, float):
        return float(text)
    return text


PATHS = [
    "/api/v1/orders?pagesize=5",
    "/api/v1/products?pageSize=3",
    "/api/v1/shipping-methods",
    "/api/v1/storefronts",
    "/api/v1/orders/{order}",
    "/api/v1/orders/not-a-uuid",
    "/api/v1/orders/{missing}",
]
ROOTS = {
    "/api/v1/orders?": "OrderListResponse",
    "/api/v1/products": "ProductListResponse",
    "/api/v1/shipping-methods": "ShippingMethodListResponse",
    "/api/v1/storefronts": "StoreFrontListResponse",
}


def shipped_order(partner: Partner) -> str:
    orders = partner.get("/api/v1/orders").json()["data"]
    order_id: str = next(o for o in orders if o["shipments"])["orderId"]
    return order_id


@pytest.mark.parametrize("path", PATHS)
def test_xml_carries_the_same_content_as_json(demo: Partner, path: str) -> None:
    path = path.format(order=shipped_order(demo), missing="0b7e2b64-1c1c-4c4c-8c8c-000000000001")
    as_json_response = demo.get(path)
    as_xml = demo.get(path, headers={"accept": "application/xml"})
    assert as_xml.status_code == as_json_response.status_code
    problem = as_json_response.status_code >= 400
    assert as_xml.headers["content-type"] == (
        "application/problem+xml; charset=utf-8" if problem else "application/xml; charset=utf-8"
    )
    root = ET.fromstring(as_xml.content)
    expected = as_json_response.json()
    if problem:
        assert root.tag == "{urn:ietf:rfc:7807}problem"
        for child in root.iter():
            child.tag = child.tag.split("}")[-1]
        # traceIds differ from one request to the next
        expected["traceId"] = root.find("traceId").text  # type: ignore[union-attr]
    else:
        root_name = next((name for prefix, name in ROOTS.items() if path.startswith(prefix)), "Order")
        assert root.tag == root_name
    assert as_json(root, expected) == expected


def test_xml_order_lists_wrap_items_and_name_shipment_quantities_by_sku(demo: Partner) -> None:
    order_id = shipped_order(demo)
    root = ET.fromstring(
        demo.get(f"/api/v1/orders/{order_id}", headers={"accept": "application/xml"}).content
    )
    items = root.find("orderItems")
    assert items is not None and [child.tag for child in items] == ["OrderItem"] * len(items)
    shipment = root.find("shipments/Shipment")
    assert shipment is not None
    keys = [item.attrib["key"] for item in shipment.findall("orderItems/item")]
    assert keys and all(key.startswith("FX") for key in keys)


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("application/xml", "xml"),
        ("text/xml", "xml"),
        ("application/json", "json"),
        ("*/*", "json"),
        ("application/json;q=0.5, application/xml", "xml"),
        ("application/xml;q=0.1, */*", "json"),
        ("text/html", "json"),
    ],
)
def test_accept_negotiation(demo: Partner, accept: str, kind: str) -> None:
    response = demo.get("/api/v1/storefronts", headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(f"application/{kind}")


def test_the_token_endpoint_answers_xml_too(client: TestClient) -> None:
    response = client.post(
        "/api/v1/login",
        headers={"accept": "application/xml"},
        data=login_form(),
    )
    root = ET.fromstring(response.content)
    assert root.tag == "LoginResponse"
    assert root.findtext("token_type") == "Bearer"
    assert root.findtext("expires_in") == "3600"
