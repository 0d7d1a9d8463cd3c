"""How to: the plugin's fixtures: a fresh tenant per test and the control API."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.pytest_plugin import FixjeTenant, SandboxControl, VidaxlTenant


def test_a_new_partner_starts_with_no_orders(fixje_tenant: FixjeTenant) -> None:
    token = requests.post(
        fixje_tenant.token_url,
        timeout=10,
        data={
            "grant_type": "client_credentials",
            "client_id": fixje_tenant.client_id,
            "client_secret": fixje_tenant.client_secret,
        },
    ).json()["access_token"]

    orders = requests.get(
        f"{fixje_tenant.base_url}/api/v1/orders", timeout=10, headers={"Authorization": f"Bearer {token}"}
    ).json()

    assert orders["totalCount"] == 0


def test_a_paid_order_is_submitted(sandbox_control: SandboxControl, vidaxl_tenant: VidaxlTenant) -> None:
    order: dict[str, Any] = {
        "customer_order_reference": "PO-1",
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
    placed = requests.post(
        f"{vidaxl_tenant.base_url}/api_customer/orders.json", json=order, auth=vidaxl_tenant.auth, timeout=10
    )
    order_id = placed.json()["order"]["id"]

    moved = sandbox_control.apply_event("vidaxl", order_id, "pay")

    assert (moved["previousStatus"], moved["status"]) == ("Temporary", "Submitted")
    listed = requests.get(
        f"{vidaxl_tenant.base_url}/api_customer/orders.json",
        auth=vidaxl_tenant.auth,
        params={"id_eq": order_id},
        timeout=10,
    ).json()
    assert listed[0]["order"]["status_order_id"] == 2
