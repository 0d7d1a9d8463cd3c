"""The control API: the virtual clock, and who may use the control API at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from sandbox.errors import BadRequest
from sandbox.world.clock import duration
from tests.helpers import (
    FIRST_PRODUCT,
    FIXJE_DEMO,
    UTRECHT,
    VIDAXL_DEMO,
    Partner,
    bearer,
    login,
    make_app,
    vidaxl_order_to,
)


def test_the_clock_reads_and_moves(client: TestClient) -> None:
    assert client.get("/_sandbox/clock").json() == {"now": "2026-11-02T09:00:00Z", "frozen": True}
    moved = client.post("/_sandbox/clock", json={"advance": "P1DT2H30M"}).json()
    assert (moved["now"], moved["frozen"]) == ("2026-11-03T11:30:00Z", True)
    assert moved["applied"] > 0  # the default schedule moved seeded orders
    assert (
        client.post("/_sandbox/clock", json={"set": "2027-01-01T00:00:00+01:00"}).json()["now"]
        == "2026-12-31T23:00:00Z"
    )


def test_the_clock_drives_what_the_apis_show(client: TestClient) -> None:
    token = login(client)
    client.post("/_sandbox/clock", json={"advance": "PT3599S"})
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.post("/_sandbox/clock", json={"advance": "PT1S"})
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api_customer/orders.json", auth=VIDAXL_DEMO).json() != []
    client.post("/_sandbox/clock", json={"advance": "P2D"})
    assert client.get("/api_customer/orders.json", auth=VIDAXL_DEMO).json() == []


def test_freeze_and_resume() -> None:
    with TestClient(make_app(freeze=False)) as client:
        frozen = client.post("/_sandbox/clock", json={"frozen": True}).json()
        assert frozen["frozen"] is True
        assert client.get("/_sandbox/clock").json() == {"now": frozen["now"], "frozen": True}
        running = client.post("/_sandbox/clock", json={"frozen": False}).json()
        assert running["frozen"] is False
        assert running["now"] >= frozen["now"]


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("PT2H", timedelta(hours=2)),
        ("P1D", timedelta(days=1)),
        ("P1W", timedelta(weeks=1)),
        ("P1DT12H30M", timedelta(days=1, hours=12, minutes=30)),
        ("PT45S", timedelta(seconds=45)),
        ("P2W3D", timedelta(weeks=2, days=3)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert duration(text) == delta


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "2H", "P1M2", "PT1.5H", "-PT1H"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(BadRequest):
        duration(text)


@pytest.mark.parametrize("body", [{}, {"advance": "2 hours"}, {"set": "tomorrow"}, {"frozen": "yes"}])
def test_bad_clock_changes(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/_sandbox/clock", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"
    assert client.get("/_sandbox/clock").json()["now"] == "2026-11-02T09:00:00Z"


# The schema bounds each change (specs/sandbox.yaml ClockChange), so that no single request can
# take the clock out of the years the sandbox keeps.
ADVANCE = "is not valid for advance. An ISO 8601 duration"
SET = "is not valid for set. An RFC 3339 time"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"advance": "P9999999999W"}, "advance", f'The value "P9999999999W" {ADVANCE}'),
        ({"advance": "P3000000D"}, "advance", f'The value "P3000000D" {ADVANCE}'),
        ({"advance": "P1000W"}, "advance", ADVANCE),
        ({"advance": "P10000D"}, "advance", ADVANCE),
        ({"advance": "PT100000H"}, "advance", ADVANCE),
        ({"advance": "PT1000000M"}, "advance", ADVANCE),
        ({"advance": "PT10000000S"}, "advance", ADVANCE),
        ({"advance": "PT\u0662H"}, "advance", ADVANCE),  # an Arabic-Indic two: digits are ASCII
        ({"set": "0001-01-01T00:00:00Z"}, "set", f'The value "0001-01-01T00:00:00Z" {SET}'),
        ({"set": "9999-12-31T23:59:59-01:00"}, "set", SET),
        ({"set": "1970-01-01T00:00:00+01:00"}, "set", SET),  # 1969 in UTC
        ({"set": "8000-01-01T00:00:00Z"}, "set", SET),
        ({"set": "2026-11-02 09:00:00Z"}, "set", SET),
        ({"set": "2026-02-30T00:00:00Z"}, "set", "is not a valid date and time (RFC 3339)"),
    ],
)
def test_the_clock_stays_in_range(
    client: TestClient, body: dict[str, object], field: str, message: str
) -> None:
    response = client.post("/_sandbox/clock", json=body)
    assert response.status_code == 400
    assert message in response.json()["errors"][field][0]
    assert client.get("/_sandbox/clock").json()["now"] == "2026-11-02T09:00:00Z"
    vidaxl = client.get("/api_customer/orders.json", auth=VIDAXL_DEMO)
    assert vidaxl.status_code == 200


@pytest.mark.parametrize(
    ("body", "now"),
    [
        ({"advance": "P999W9999DT99999H999999M9999999S"}, "2086-12-26T04:25:39Z"),
        ({"set": "1971-01-01T00:00:00+23:59"}, "1970-12-31T00:01:00Z"),
        (
            {"set": "7999-12-31T23:59:59.999999-23:59", "advance": "P999W9999DT99999H999999M9999999S"},
            "8060-02-24T19:24:38Z",
        ),
    ],
)
def test_the_largest_changes_the_schema_takes_are_taken(
    client: TestClient, body: dict[str, object], now: str
) -> None:
    response = client.post("/_sandbox/clock", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["now"] == now


def test_a_clock_moved_far_on_refuses_an_advance_past_9000(client: TestClient) -> None:
    """The one refusal the schema cannot foresee: it depends on where the clock stands."""
    client.post("/_sandbox/clock", json={"set": "7999-12-31T00:00:00Z"})
    for _ in range(21):  # 16992 days each
        assert client.post("/_sandbox/clock", json={"advance": "P999W9999D"}).status_code == 200
    assert client.get("/_sandbox/clock").json()["now"] == "8976-12-20T00:00:00Z"
    response = client.post("/_sandbox/clock", json={"advance": "P999W9999D"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "advance": ["The clock must stay between 1970-01-01T00:00:00Z and 9000-01-01T00:00:00Z."]
    }
    assert client.get("/_sandbox/clock").json()["now"] == "8976-12-20T00:00:00Z"


def test_off_loopback_without_a_token_the_control_api_is_closed() -> None:
    with TestClient(make_app(host="0.0.0.0")) as client:
        assert client.get("/_sandbox/health").status_code == 200
        refused = client.get("/_sandbox/clock")
        assert refused.status_code == 403
        assert "--admin-token" in refused.json()["message"]
        assert client.post("/_sandbox/clock", json={"advance": "P1D"}).status_code == 403


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_an_admin_token_is_required_once_set(host: str) -> None:
    with TestClient(make_app(host=host, admin_token="s3cret")) as client:
        assert client.get("/_sandbox/health").status_code == 200
        missing = client.get("/_sandbox/clock")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == 'Bearer realm="sandbox"'
        assert client.get("/_sandbox/clock", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/_sandbox/clock", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_the_journal_records_api_requests(client: TestClient) -> None:
    token = login(client)
    client.get("/api/v1/orders?pagesize=2", headers={"Authorization": f"Bearer {token}"})
    client.post(
        "/api_customer/orders.json",
        json={"order_products": []},
        auth=VIDAXL_DEMO,
    )
    client.get("/api_customer/orders.json", auth=(VIDAXL_DEMO[0], "wrong"))
    client.get("/_sandbox/clock")
    journal = client.get("/_sandbox/requests").json()
    assert journal["total"] == 4
    seen = [(e["api"], e["method"], e["path"], e["status"], e["credential"]) for e in journal["requests"]]
    assert seen == [
        ("vidaxl", "GET", "/api_customer/orders.json", 401, None),
        ("vidaxl", "POST", "/api_customer/orders.json", 400, VIDAXL_DEMO[0]),
        ("fixje", "GET", "/api/v1/orders", 200, FIXJE_DEMO[0]),
        ("fixje", "POST", "/api/v1/login", 200, None),
    ]
    newest_post = journal["requests"][1]
    assert newest_post["body"] == '{"order_products":[]}'
    assert journal["requests"][2]["query"] == "pagesize=2"
    assert journal["requests"][2]["time"] == "2026-11-02T09:00:00Z"
    assert [e["status"] for e in client.get("/_sandbox/requests?status=401").json()["requests"]] == [401]
    assert client.get("/_sandbox/requests?api=fixje&path=/api/v1/login").json()["total"] == 1
    assert client.delete("/_sandbox/requests").status_code == 204
    assert client.get("/_sandbox/requests").json() == {"total": 0, "requests": []}


def test_the_journal_is_bounded() -> None:
    with TestClient(make_app(journal_size=3)) as client:
        for _ in range(5):
            client.get("/api/v1/orders")
        entries = client.get("/_sandbox/requests").json()["requests"]
        assert [e["id"] for e in entries] == [5, 4, 3]


def test_tenants_have_order_books_of_their_own(client: TestClient) -> None:
    first = client.post("/_sandbox/tenants", json={"api": "fixje", "name": "CI job 1"})
    second = client.post("/_sandbox/tenants", json={"api": "fixje"})
    assert first.status_code == second.status_code == 201
    assert first.json()["name"] == "CI job 1" and second.json()["name"] == "Tenant 2"
    tokens = []
    for tenant in (first.json(), second.json()):
        token = login(client, (tenant["clientId"], tenant["clientSecret"]))
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/orders", headers=headers).json()["totalCount"] == 0
        fronts = client.get("/api/v1/storefronts", headers=headers).json()["data"]
        assert [s["storeFrontId"] for s in fronts] == tenant["storeFrontIds"]
        assert client.get("/api/v1/products", headers=headers).json()["totalCount"] == 600
        tokens.append(headers)
    mine = Partner(client, tokens[0])
    body = mine.order_body()
    created = client.post("/api/v1/orders", json=body, headers=tokens[0]).json()
    assert client.get("/api/v1/orders", headers=tokens[0]).json()["totalCount"] == 1
    assert client.get("/api/v1/orders", headers=tokens[1]).json()["totalCount"] == 0
    assert client.get(f"/api/v1/orders/{created['orderId']}", headers=tokens[1]).status_code == 404

    vidaxl = client.post("/_sandbox/tenants", json={"api": "vidaxl"}).json()
    auth = (vidaxl["email"], vidaxl["token"])
    assert client.get("/api_customer/orders.json?submitted_at_gteq=2000-01-01", auth=auth).json() == []
    assert client.get("/api_customer/products.json?limit=1", auth=auth).status_code == 200


def test_a_time_scale_runs_the_clock_faster() -> None:
    from datetime import UTC, datetime

    from sandbox.world.clock import Clock

    ticks = iter([0.0, 10.0])
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC), scale=60, monotonic=lambda: next(ticks))
    assert clock.now() == datetime(2026, 1, 1, 0, 10, tzinfo=UTC)


def seeded_view(client: TestClient) -> list[bytes]:
    """What a client sees of the seeded world (tokens differ; the rest must not)."""
    headers = bearer(login(client))
    return [
        client.get(path, headers=headers).content
        for path in ("/api/v1/orders", "/api/v1/products?pageSize=100", "/api/v1/storefronts")
    ] + [
        client.get(path, auth=VIDAXL_DEMO).content
        for path in (
            "/api_customer/orders.json",
            "/api_customer/products.json?limit=500",
            "/api_customer/orders.xml?submitted_at_gteq=2026-10-01",
        )
    ]


def test_reset_returns_to_the_seeded_state(client: TestClient) -> None:
    with TestClient(make_app()) as fresh:
        seeded = seeded_view(fresh)
    token = login(client)
    partner = Partner(client, bearer(token))
    created = partner.post("/api/v1/orders", json=partner.order_body()).json()["orderId"]
    tenant = client.post("/_sandbox/tenants", json={"api": "vidaxl"}).json()
    client.post(
        "/_sandbox/fixje/orders/" + partner.first("/api/v1/orders")["orderId"] + "/events",
        json={"event": "cancel"},
    )
    client.post("/_sandbox/clock", json={"advance": "P3D"})
    assert seeded_view(client) != seeded

    reset = client.post("/_sandbox/reset")
    assert reset.status_code == 200
    assert reset.json() == {"now": "2026-11-02T09:00:00Z", "frozen": True}
    assert client.get("/_sandbox/requests").json()["total"] == 0
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api_customer/orders.json", auth=(tenant["email"], tenant["token"])).status_code == 401
    assert seeded_view(client) == seeded
    headers = {"Authorization": f"Bearer {login(client)}"}
    assert client.get(f"/api/v1/orders/{created}", headers=headers).status_code == 404
    # and the world works as before: orders, events and the schedule
    again = Partner(client, headers)
    order_id = again.post("/api/v1/orders", json=again.order_body()).json()["orderId"]
    moved = client.post(f"/_sandbox/fixje/orders/{order_id}/events", json={"event": "process"})
    assert moved.status_code == 200
    assert client.post("/_sandbox/clock", json={"advance": "PT23H"}).json()["applied"] > 0


def busy(client: TestClient) -> None:
    """Change a little of everything: orders, events, a tenant, the clock."""
    partner = Partner.login(client)
    order_id = partner.post("/api/v1/orders", json=partner.order_body()).json()["orderId"]
    sku = partner.get(f"/api/v1/orders/{order_id}").json()["orderItems"][0]["sku"]
    client.post(f"/_sandbox/fixje/orders/{order_id}/events", json={"event": "ship", "items": {sku: 1}})
    client.post("/_sandbox/tenants", json={"api": "vidaxl"})
    client.post("/_sandbox/scenarios/two-parcels")
    client.post(
        "/api_customer/orders.json", auth=VIDAXL_DEMO, json=vidaxl_order_to(UTRECHT, (FIRST_PRODUCT, 1000))
    )
    client.post("/_sandbox/clock", json={"advance": "PT5H"})


def test_export_import_export_gives_the_same_bytes(client: TestClient) -> None:
    busy(client)
    exported = client.get("/_sandbox/state")
    assert exported.status_code == 200
    assert exported.json()["format"] == "supplier-sandbox/1"
    with TestClient(make_app()) as other:
        assert other.get("/_sandbox/state").content != exported.content
        imported = other.put(
            "/_sandbox/state", content=exported.content, headers={"content-type": "application/json"}
        )
        assert imported.status_code == 200, imported.text
        assert other.get("/_sandbox/state").content == exported.content
        # what the APIs show is the same too (a token of its own, the same orders)
        assert seeded_view(other) == seeded_view(client)


def test_a_state_from_elsewhere_is_refused_and_changes_nothing(client: TestClient) -> None:
    before = client.get("/_sandbox/state").content
    state = client.get("/_sandbox/state").json()
    for bad, status in (
        ({**state, "seed": 7}, 409),
        ({**state, "format": "other/1"}, 400),
        ({**state, "fixje": {"partners": "nope"}}, 400),
        ({**state, "fixje": {**state["fixje"], "traces": [1]}}, 400),
    ):
        response = client.put("/_sandbox/state", json=bad)
        assert response.status_code == status, response.text
    assert client.get("/_sandbox/state").content == before
