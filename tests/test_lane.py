"""The app's `Lane`: an API's operation is answered straight, past Starlette's middleware and
router, and answers exactly what the long way answers, for every kind of request that reaches it
or passes it by."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from starlette.routing import Router
from starlette.testclient import TestClient

from sandbox.app import SandboxApp, create_app
from sandbox.suppliers import SUPPLIERS
from tests.helpers import TEST_SETTINGS
from tests.toy import api
from tests.toy.supplier import TOY
from tests.toy.world import view

KEY = {"X-Toy-Key": "toy-demo-key"}
VIDAXL = {"Authorization": "Basic " + base64.b64encode(b"demo@vidaxl.sandbox:vidaxl-demo-token").decode()}
FIXJE_LOGIN = {
    "grant_type": "client_credentials",
    "client_id": "fixje-demo-client",
    "client_secret": "fixje-demo-secret",
}
ORDER = {"sku": "TOY-002", "quantity": 2}

# (method, path, headers, JSON body): answered the same with the lane and the long way
REQUESTS: list[tuple[str, str, dict[str, str], Any]] = [
    ("GET", "/toy/v1/orders/1", KEY, None),  # a path with a parameter
    ("HEAD", "/toy/v1/orders/1", KEY, None),
    ("GET", "/toy/v1/orders", KEY, None),  # a path without
    ("POST", "/toy/v1/orders", KEY, ORDER),
    ("POST", "/toy/v1/orders", KEY, {"sku": "TOY-002", "quantity": 11}),  # refused by the spec
    ("GET", "/toy/v1/orders/x", KEY, None),  # a parameter of the wrong type
    ("GET", "/toy/v1/orders/1", {}, None),  # no key
    ("DELETE", "/toy/v1/orders/1", KEY, None),  # a method the path has not: 405
    ("GET", "/toy/v1/orders/", KEY, None),  # a trailing slash: Starlette's redirect
    ("GET", "/toy/v1/orders/1/more", KEY, None),  # no operation's path: 404
    ("GET", "/toy/v1/orders/1", {**KEY, "Host": "attacker.example"}, None),  # 421
    ("GET", "/api_customer/orders.json?submitted_at_gteq=2000-01-01", VIDAXL, None),
    ("GET", "/api_customer/orders.xml?id_eq=1", VIDAXL, None),
    ("GET", "/_sandbox/toy/orders", {}, None),  # the control API: never the lane's
]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths Starlette's router was asked to answer."""
    routed: list[str] = []
    original = Router.__call__

    async def counting(self: Router, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            routed.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(Router, "__call__", counting)
    return routed


def client_of(lane: bool, **options: Any) -> TestClient:
    app = create_app(TEST_SETTINGS, (*SUPPLIERS, TOY))
    assert isinstance(app, SandboxApp)
    if not lane:
        app.lane = None
    return TestClient(app, follow_redirects=False, **options)


def answers(lane: bool) -> Iterator[tuple[int, list[tuple[str, str]], bytes]]:
    with client_of(lane) as client:
        client.post("/api/v1/login", data=FIXJE_LOGIN)
        for method, path, headers, body in REQUESTS:
            response = client.request(method, path, headers=headers, json=body)
            yield response.status_code, sorted(response.headers.items()), response.content


def test_every_request_is_answered_as_the_long_way_answers_it(counted: list[str]) -> None:
    assert list(answers(lane=True)) == list(answers(lane=False))


def test_an_operation_is_answered_without_starlettes_router(counted: list[str]) -> None:
    with client_of(lane=True) as client:
        assert client.get("/toy/v1/orders/1", headers=KEY).status_code == 200
        assert client.post("/toy/v1/orders", headers=KEY, json=ORDER).status_code == 201
        assert client.get("/api_customer/orders.json", headers=VIDAXL).status_code == 200
        assert counted == []
        for path in ("/toy/v1/orders/", "/_sandbox/health"):
            client.get(path, headers=KEY)
        client.delete("/toy/v1/orders/1", headers=KEY)
    assert counted == ["/toy/v1/orders/", "/_sandbox/health", "/toy/v1/orders/1"]


def test_a_handler_that_fails_answers_500_in_the_apis_shape_and_tells_the_server(
    monkeypatch: pytest.MonkeyPatch, counted: list[str]
) -> None:
    """As Starlette's ServerErrorMiddleware: the error page, then the error raised to the server
    (uvicorn logs it); a broken reply under `check_responses` names what broke."""
    monkeypatch.setattr(api, "view", lambda order: {**view(order), "quantity": "1"})
    with client_of(lane=True, raise_server_exceptions=False) as client:
        broken = client.get("/toy/v1/orders/1", headers=KEY)
    assert broken.status_code == 500
    assert broken.json()["error"].startswith("getOrder 200 application/json: ")
    assert "quantity" in broken.json()["error"]
    with client_of(lane=True) as client, pytest.raises(AssertionError, match="getOrder 200"):
        client.get("/toy/v1/orders/1", headers=KEY)
    assert counted == []


def test_the_schedule_catches_up_before_an_operation_answers(counted: list[str]) -> None:
    """The clock moved on (here without the control API, which catches up itself): the next
    request through the lane sees the orders the schedule has moved since (Submitted orders are
    prepared after 2 hours, or a few cancelled after 1)."""
    with client_of(lane=True) as client:
        listed = client.get("/api_customer/orders.json?submitted_at_gteq=2000-01-01", headers=VIDAXL).json()
        submitted = [o["order"]["id"] for o in listed if o["order"]["status_order_name"] == "Submitted"]
        assert len(submitted) == 2
        client.app.state.sandbox.clock.advance(timedelta(hours=3))  # type: ignore[attr-defined]
        now = [client.get(f"/api_customer/orders?id_eq={id}", headers=VIDAXL).json() for id in submitted]
    assert [o[0]["order"]["status_order_name"] for o in now] == ["Being Prepared", "Being Prepared"]
    assert counted == []
