"""End to end against a real `sandbox serve` process (uvicorn) over a socket."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from tests.helpers import BERLIN, FIXJE_DEMO, VIDAXL_DEMO, VIDAXL_DISABLED, vidaxl_order_to
from tests.live import serve

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve() as server:
        assert f"client_id={FIXJE_DEMO[0]}  client_secret={FIXJE_DEMO[1]}" in server.banner
        yield server.url


def test_health(base_url: str) -> None:
    response = requests.get(f"{base_url}/_sandbox/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "durable": False}


def test_a_standard_oauth_client_gets_a_token_and_walks_an_order(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # oauthlib insists on https unless told that plain http is intended (as on loopback).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    session = OAuth2Session(client=BackendApplicationClient(client_id=FIXJE_DEMO[0]))
    token = session.fetch_token(
        f"{base_url}/api/v1/login", client_id=FIXJE_DEMO[0], client_secret=FIXJE_DEMO[1]
    )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600

    product = session.get(f"{base_url}/api/v1/products?pageSize=1").json()["data"][0]
    method = next(
        m for m in session.get(f"{base_url}/api/v1/shipping-methods").json()["data"] if "NL" in m["countries"]
    )
    storefront = session.get(f"{base_url}/api/v1/storefronts").json()["data"][0]
    created = session.post(
        f"{base_url}/api/v1/orders",
        json={
            "reference": "LIVE-1",
            "shippingMethodId": method["shippingMethodId"],
            "storeFrontId": storefront["storeFrontId"],
            "shippingAddress": {
                "lastName": "Jansen",
                "street": "Dorpsstraat",
                "houseNumber": "3",
                "zipCode": "1234 AB",
                "city": "Utrecht",
                "countryCode": "NL",
            },
            "orderItems": [{"sku": product["sku"], "quantity": 2}],
        },
    )
    assert created.status_code == 200, created.text
    order_id = created.json()["orderId"]

    order = session.get(f"{base_url}/api/v1/orders/{order_id}").json()
    assert order["reference"] == "LIVE-1"
    assert order["orderStatus"] == "New"
    assert order["orderItems"][0]["sku"] == product["sku"]
    assert session.get(f"{base_url}/api/v1/orders?pagesize=1").json()["data"][0]["orderId"] == order_id

    as_xml = session.get(f"{base_url}/api/v1/orders/{order_id}", headers={"Accept": "application/xml"})
    assert ET.fromstring(as_xml.content).findtext("reference") == "LIVE-1"


def test_without_a_token_the_server_refuses(base_url: str) -> None:
    response = requests.get(f"{base_url}/api/v1/orders", timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="fixje"'
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"


def test_a_vidaxl_customer_walks_an_order_over_basic_auth(base_url: str) -> None:
    product = requests.get(
        f"{base_url}/api_customer/products.json?limit=1", auth=VIDAXL_DEMO, timeout=5
    ).json()["data"][0]
    created = requests.post(
        f"{base_url}/api_customer/orders.json",
        auth=VIDAXL_DEMO,
        timeout=5,
        json=vidaxl_order_to(BERLIN, (int(product["code"]), 2), customer_order_reference=74160086),
    )
    assert created.status_code == 200, created.text
    order = created.json()["order"]
    assert (order["status_order_id"], order["submitted_at"], order["is_paid"]) == (1, None, False)
    assert created.json()["order_products"][0]["vat_percentage"] == "19.0"

    listed = requests.get(
        f"{base_url}/api_customer/orders.json?id_eq={order['id']}", auth=VIDAXL_DEMO, timeout=5
    )
    assert [o["order"]["customer_order_reference"] for o in listed.json()] == ["74160086"]
    as_xml = requests.get(
        f"{base_url}/api_customers/orders.xml?id_eq={order['id']}", auth=VIDAXL_DEMO, timeout=5
    )
    root = ET.fromstring(as_xml.content)
    assert root.tag == "orders" and root.get("type") == "array"
    assert root.findtext("order/order-products/order-product/product-code") == product["code"]
    as_csv = requests.get(
        f"{base_url}/api_customer/orders.csv?id_eq={order['id']}", auth=VIDAXL_DEMO, timeout=5
    )
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    header, row = as_csv.text.splitlines()
    assert dict(zip(header.split(","), row.split(","), strict=True))["id"] == str(order["id"])


def test_a_disabled_vidaxl_customer_is_refused(base_url: str) -> None:
    response = requests.get(
        f"{base_url}/api_customer/orders.json",
        timeout=5,
        auth=VIDAXL_DISABLED,
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Application"'
    assert response.json() == {"error": "HTTP Basic: Access denied."}
