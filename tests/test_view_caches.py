"""The views each API keeps of the orders it showed are bounded: past the bound they are all made
afresh, and every answer stays what a fresh sandbox answers."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from sandbox.fixje import api as fixje_api
from sandbox.vidaxl import api as vidaxl_api
from tests.helpers import VIDAXL_DEMO, VIDAXL_ORDERS, basic, bearer, login, make_app, ok, runtime

BOUND = 3


def fixje_answers(client: TestClient) -> list[bytes]:
    headers = bearer(login(client))
    listed = ok(client.get("/api/v1/orders?page=1&pagesize=8", headers=headers))["data"]
    return [client.get(f"/api/v1/orders/{order['orderId']}", headers=headers).content for order in listed]


def vidaxl_answers(client: TestClient) -> list[bytes]:
    headers = {"Authorization": basic(*VIDAXL_DEMO)}
    listed = ok(client.get(f"{VIDAXL_ORDERS}?submitted_at_gteq=2000-01-01", headers=headers))
    return [
        client.get(f"{VIDAXL_ORDERS}?id_eq={order['order']['id']}", headers=headers).content
        for order in listed[:8]
    ]


def test_fixje_keeps_at_most_its_bound_of_order_views(monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(make_app()) as fresh:
        expected = fixje_answers(fresh)
    monkeypatch.setattr(fixje_api, "VIEWS_KEPT", BOUND)
    with TestClient(make_app()) as client:
        for _ in range(2):  # made, then some kept and some made afresh
            assert fixje_answers(client) == expected
        assert 0 < len(runtime(client).apis["fixje"]._views) <= BOUND  # type: ignore[attr-defined]


def test_vidaxl_keeps_at_most_its_bound_of_list_views(monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(make_app()) as fresh:
        expected = vidaxl_answers(fresh)
    monkeypatch.setattr(vidaxl_api, "VIEWS_KEPT", BOUND)
    with TestClient(make_app()) as client:
        for _ in range(2):
            assert vidaxl_answers(client) == expected
        assert 0 < len(runtime(client).apis["vidaxl"]._listed) <= BOUND  # type: ignore[attr-defined]
