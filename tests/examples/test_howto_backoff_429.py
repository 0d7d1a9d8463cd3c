"""How to: back off when the supplier's rate limit answers 429 (vidaXL allows 1 request a second)."""

from __future__ import annotations

import time
from typing import Any

import requests

from sandbox.pytest_plugin import SandboxControl, VidaxlTenant


def get_json(session: requests.Session, url: str, attempts: int = 3) -> Any:
    """GET; on 429 wait as long as Retry-After says, then try again."""
    for attempt in range(attempts):
        response = session.get(url, timeout=10)
        if response.status_code != 429 or attempt == attempts - 1:
            break
        time.sleep(float(response.headers["Retry-After"]))
    response.raise_for_status()
    return response.json()


def test_the_second_call_within_a_second_waits_and_then_succeeds(
    sandbox_control: SandboxControl, vidaxl_tenant: VidaxlTenant
) -> None:
    sandbox_control.set_rate_limits(enabled=True, vidaxl={"requests": 1, "per": "PT1S"})
    base = vidaxl_tenant.base_url

    with requests.Session() as session:
        session.auth = vidaxl_tenant.auth
        started = time.monotonic()
        products = get_json(session, f"{base}/api_customer/products.json?limit=1")
        orders = get_json(session, f"{base}/api_customer/orders.json")
        waited = time.monotonic() - started

    assert len(products["data"]) == 1
    assert orders == []
    assert waited >= 1.0
    calls = sandbox_control.journal(credential=vidaxl_tenant.email)
    assert [(entry["path"], entry["status"]) for entry in calls] == [
        ("/api_customer/products.json", 200),
        ("/api_customer/orders.json", 429),
        ("/api_customer/orders.json", 200),
    ]
