"""End to end against a real `sandbox serve` process (uvicorn) over a socket."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from tests.conftest import DEMO


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as process:
        yield from serving(process)


def serving(process: subprocess.Popen[str]) -> Iterator[str]:
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(8)]
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", banner[0])
        assert found, banner
        assert "client_id=fixje-demo-client  client_secret=fixje-demo-secret" in "".join(banner)
        url = f"http://127.0.0.1:{found.group(1)}"
        for _ in range(200):
            try:
                if requests.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_health(base_url: str) -> None:
    response = requests.get(f"{base_url}/_sandbox/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_standard_oauth_client_gets_a_token_and_walks_an_order(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # oauthlib insists on https unless told that plain http is intended (as on loopback).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    session = OAuth2Session(client=BackendApplicationClient(client_id=DEMO[0]))
    token = session.fetch_token(f"{base_url}/api/v1/login", client_id=DEMO[0], client_secret=DEMO[1])
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600

    product = session.get(f"{base_url}/api/v1/products?pageSize=1").json()["data"][0]
    method = next(m for m in session.get(f"{base_url}/api/v1/shipping-methods").json()["data"]
                  if "NL" in m["countries"])
    storefront = session.get(f"{base_url}/api/v1/storefronts").json()["data"][0]
    created = session.post(f"{base_url}/api/v1/orders", json={
        "reference": "LIVE-1",
        "shippingMethodId": method["shippingMethodId"],
        "storeFrontId": storefront["storeFrontId"],
        "shippingAddress": {"lastName": "Jansen", "street": "Dorpsstraat", "houseNumber": "3",
                            "zipCode": "1234 AB", "city": "Utrecht", "countryCode": "NL"},
        "orderItems": [{"sku": product["sku"], "quantity": 2}],
    })
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
