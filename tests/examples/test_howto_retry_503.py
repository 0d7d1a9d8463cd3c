"""How to: retry an order when the supplier answers 503 for a moment."""

from __future__ import annotations

import time
from typing import Any

import requests

from sandbox.pytest_plugin import SandboxControl, VidaxlTenant


def place_order(
    session: requests.Session, base_url: str, order: dict[str, Any], attempts: int = 4, backoff: float = 0.1
) -> dict[str, Any]:
    """POST a vidaXL order; on 502, 503 or 504 wait 0.1 s, 0.2 s, 0.4 s and try again."""
    for attempt in range(attempts):
        response = session.post(f"{base_url}/api_customer/orders.json", json=order, timeout=10)
        if response.status_code not in (502, 503, 504) or attempt == attempts - 1:
            break
        time.sleep(backoff * 2**attempt)
    response.raise_for_status()
    placed: dict[str, Any] = response.json()["order"]
    return placed


ORDER = {
    "customer_order_reference": "PO-503",
    "addressbook": {
        "address": "Hauptstrasse 5",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
        "name": "Jonas Weber",
        "phone": "+49 30 1234567",
    },
    "order_products": [{"product_code": "146400", "quantity": 1}],
}


def test_two_503s_then_the_third_try_places_one_order(
    sandbox_control: SandboxControl, vidaxl_tenant: VidaxlTenant
) -> None:
    sandbox_control.add_fault(
        "vidaxl",
        method="POST",
        path="/api_customer/orders*",
        credential=vidaxl_tenant.email,
        status=503,
        times=2,
    )

    with requests.Session() as session:
        session.auth = vidaxl_tenant.auth
        order = place_order(session, vidaxl_tenant.base_url, ORDER)
        stored = session.get(f"{vidaxl_tenant.base_url}/api_customer/orders.json", timeout=10).json()

    assert [entry["order"]["id"] for entry in stored] == [order["id"]]
    posts = sandbox_control.journal(method="POST", credential=vidaxl_tenant.email)
    assert [entry["status"] for entry in posts] == [503, 503, 200]
