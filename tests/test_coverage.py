"""Contract coverage (GET and DELETE /_sandbox/coverage): a client session that touches a known set
of operations, statuses, formats, filters, pages and transitions gets exactly those counted, and
every other documented item listed as a gap; tenants don't see each other's counts."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox import coverage as coverage_module
from tests.helpers import (
    FIXJE_DEMO,
    VIDAXL_DEMO,
    VIDAXL_ORDERS,
    Json,
    Partner,
    bearer,
    login_form,
    make_app,
    vidaxl_order_body,
)

MISSING_ORDER = "00000000-0000-4000-8000-000000000000"


def coverage(client: TestClient, query: str = "") -> Json:
    response = client.get(f"/_sandbox/coverage{query}")
    assert response.status_code == 200, response.text
    found: Json = response.json()
    return found


def api_of(report: Json, name: str) -> Json:
    found: Json = next(api for api in report["apis"] if api["api"] == name)
    return found


def hit(report: Json, name: str) -> dict[str, dict[str, int]]:
    """Each area's items with hits, and its details, of API `name`: {area: {item: hits}}."""
    return {
        area["area"]: {
            **{item["name"]: item["hits"] for item in area["items"] if item["hits"]},
            **{detail["name"]: detail["hits"] for detail in area["details"]},
        }
        for area in api_of(report, name)["areas"]
    }


def fixje_tenant(client: TestClient) -> tuple[str, str, str]:
    """A new Fixje tenant: its client id, secret and storefront."""
    made = client.post("/_sandbox/tenants", json={"api": "fixje"}).json()
    return made["clientId"], made["clientSecret"], made["storeFrontIds"][0]


def fixje_session(client: TestClient, credentials: tuple[str, str], store_front: str, body: Json) -> str:
    """One Fixje client's session: sign in (a form), page 2 of its orders (by the `pagesize`
    spelling), an order that is not there, a refused order, a placed order; the order's id."""
    partner = Partner(
        client, bearer(client.post("/api/v1/login", data=login_form(credentials)).json()["access_token"])
    )
    assert partner.get("/api/v1/orders?page=2&pagesize=5").status_code == 200
    assert partner.get(f"/api/v1/orders/{MISSING_ORDER}").status_code == 404
    order = {**body, "storeFrontId": store_front}
    refused = partner.post(
        "/api/v1/orders", json={**order, "orderItems": [{**body["orderItems"][0], "quantity": 0}]}
    )
    assert refused.status_code == 400, refused.text
    placed = partner.post("/api/v1/orders", json=order)
    assert placed.status_code == 200, placed.text
    order_id: str = placed.json()["orderId"]
    return order_id


FIXJE_SESSION = {
    "operations": {
        "login 200": 1,
        "listOrders 200": 1,
        "getOrder 404": 1,
        "createOrder 400": 1,
        "createOrder 200": 1,
    },
    "formats": {
        "login sends application/x-www-form-urlencoded": 1,
        "login answers application/json": 1,
        "listOrders answers application/json": 1,
        "createOrder answers application/json": 1,
    },
    "filters": {"listOrders ?page": 1, "listOrders ?pagesize": 1},
    "pagination": {"listOrders past the first page": 1},
    "transitions": {
        "process from New": 1,
        "process: New → Processing by control": 1,
        "cancel from Processing": 1,
        "cancel: Processing → Cancelled by control": 1,
    },
    "errors": {"400": 1, "404": 1, "400 orderItems[].quantity": 1},
}
"""What `fixje_session` and two events of the control API count, area by area."""


@pytest.fixture
def fixje_body(client: TestClient) -> Json:
    """A valid Fixje order of the demo partner; the coverage starts over after finding it."""
    body = Partner.login(client).order_body()
    assert client.delete("/_sandbox/coverage").status_code == 204
    return body


def test_a_session_counts_exactly_what_it_touched_and_lists_the_rest_as_gaps(
    client: TestClient, fixje_body: Json
) -> None:
    client_id, secret, store_front = fixje_tenant(client)
    order_id = fixje_session(client, (client_id, secret), store_front, fixje_body)
    for event in ("process", "cancel"):
        moved = client.post(f"/_sandbox/fixje/orders/{order_id}/events", json={"event": event})
        assert moved.status_code == 200, moved.text

    report = coverage(client, "?api=fixje")
    assert hit(report, "fixje") == FIXJE_SESSION
    fixje = api_of(report, "fixje")
    assert fixje["requests"] == 5
    assert report["filter"] == {"api": "fixje", "tenants": []}
    assert [api["api"] for api in report["apis"]] == ["fixje"]
    assert report["tenants"] == [{"api": "fixje", "tenant": client_id, "requests": 5}]
    for area in fixje["areas"]:
        names = [item["name"] for item in area["items"]]
        covered = [name for name in names if name in FIXJE_SESSION[area["area"]]]
        assert area["gaps"] == [name for name in names if name not in covered]
        assert (area["covered"], area["count"]) == (len(covered), len(names))
        assert area["percent"] == round(100 * len(covered) / len(names), 1)
    assert (fixje["covered"], fixje["count"]) == (
        sum(area["covered"] for area in fixje["areas"]),
        sum(area["count"] for area in fixje["areas"]),
    )
    assert (report["covered"], report["count"], report["percent"]) == (
        fixje["covered"],
        fixje["count"],
        round(100 * fixje["covered"] / fixje["count"], 1),
    )


def test_the_items_are_the_specs_surface(client: TestClient) -> None:
    """Each operation's documented statuses, its formats, its query parameters under each
    spelling, its pages and the lifecycle's transitions, in the spec's order."""
    areas = {area["area"]: area for area in api_of(coverage(client), "fixje")["areas"]}
    names = {area: [item["name"] for item in areas[area]["items"]] for area in areas}
    assert names["operations"][:6] == [
        "login 200",
        "login 400",
        "login 401",
        "login 413",
        "login 415",
        "login 5XX",
    ]
    assert len(names["operations"]) == 39
    assert names["formats"][:5] == [
        "login sends application/x-www-form-urlencoded",
        "login sends multipart/form-data",
        "login sends application/json",
        "login answers application/json",
        "login answers application/xml",
    ]
    assert names["filters"] == [
        "listOrders ?page",
        "listOrders ?pagesize",
        "listOrders ?pageSize",
        *(
            f"{operation} ?{spelling}"
            for operation in ("listProducts", "listShippingMethods", "listStoreFronts")
            for spelling in ("page", "pageSize", "pagesize")
        ),
    ]
    assert names["pagination"] == [
        f"{operation} past the first page"
        for operation in ("listOrders", "listProducts", "listShippingMethods", "listStoreFronts")
    ]
    assert names["transitions"] == [
        "process from New",
        "ship from New",
        "ship from Processing",
        "ship from PartiallyShipped",
        "deliver from Shipped",
        "cancel from New",
        "cancel from Processing",
    ]
    assert names["errors"] == ["400", "401", "404", "413", "415", "429", "5XX"]
    assert all(item["hits"] == 0 for area in areas.values() for item in area["items"])


def test_tenants_do_not_see_each_others_counts(client: TestClient, fixje_body: Json) -> None:
    first, second = fixje_tenant(client), fixje_tenant(client)
    order_id = fixje_session(client, first[:2], first[2], fixje_body)
    client.post(f"/_sandbox/fixje/orders/{order_id}/events", json={"event": "process"})
    partner = Partner(
        client, bearer(client.post("/api/v1/login", data=login_form(second[:2])).json()["access_token"])
    )
    assert partner.get("/api/v1/products", headers={"Accept": "application/xml"}).status_code == 200

    mine = hit(coverage(client, f"?tenant={first[0]}"), "fixje")
    assert mine["operations"] == FIXJE_SESSION["operations"]
    assert mine["transitions"] == {"process from New": 1, "process: New → Processing by control": 1}
    theirs = coverage(client, f"?tenant={second[0]}")
    assert hit(theirs, "fixje") == {
        "operations": {"login 200": 1, "listProducts 200": 1},
        "formats": {
            "login sends application/x-www-form-urlencoded": 1,
            "login answers application/json": 1,
            "listProducts answers application/xml": 1,
        },
        "filters": {},
        "pagination": {},
        "transitions": {},
        "errors": {},
    }
    assert theirs["filter"] == {"api": None, "tenants": [second[0]]}
    assert hit(theirs, "vidaxl") == {area: {} for area in hit(theirs, "vidaxl")}
    both = hit(coverage(client, f"?tenant={first[0]}&tenant={second[0]}"), "fixje")
    assert both["operations"] == {**FIXJE_SESSION["operations"], "login 200": 2, "listProducts 200": 1}
    assert sorted(entry["tenant"] for entry in coverage(client)["tenants"]) == sorted([first[0], second[0]])


def test_a_refused_sign_in_counts_for_the_account_it_names_or_in_the_total_only(client: TestClient) -> None:
    client.delete("/_sandbox/coverage")
    wrong = client.post("/api/v1/login", data=login_form((FIXJE_DEMO[0], "not-the-secret")))
    assert wrong.status_code == 401
    unknown = client.post("/api/v1/login", json=login_form(("nobody", "x")))
    assert unknown.status_code == 401
    assert hit(coverage(client, f"?tenant={FIXJE_DEMO[0]}"), "fixje")["operations"] == {"login 401": 1}
    assert hit(coverage(client), "fixje")["operations"] == {"login 401": 2}
    assert coverage(client)["tenants"] == [{"api": "fixje", "tenant": FIXJE_DEMO[0], "requests": 1}]
    assert api_of(coverage(client), "fixje")["requests"] == 2


def test_vidaxl_spellings_paths_formats_and_messages(client: TestClient) -> None:
    client.delete("/_sandbox/coverage")
    auth = VIDAXL_DEMO
    for path, accept in (
        ("/api_customer/orders?submitted_at_gt_eq=2026-01-01", "application/xml"),
        ("/api_customers/orders.csv?submitted_at_gteq=20260101&status_order_id_eq=1", "*/*"),
        ("/api_customer/products.json?offset=10&limit=5", "*/*"),
    ):
        assert client.get(path, auth=auth, headers={"Accept": accept}).status_code == 200
    refused = client.post(VIDAXL_ORDERS, auth=auth, json=vidaxl_order_body(("999999999", 1)))
    assert refused.status_code == 422, refused.text
    message = refused.json()["error"]
    assert client.get(VIDAXL_ORDERS, auth=(auth[0], "wrong")).status_code == 401

    assert hit(coverage(client, "?api=vidaxl"), "vidaxl") == {
        "operations": {"listOrders 200": 2, "listProducts 200": 1, "createOrder 422": 1, "listOrders 401": 1},
        "formats": {
            "listOrders via GET /api_customer/orders": 1,
            "listOrders via GET /api_customers/orders.csv": 1,
            "listOrders answers application/xml": 1,
            "listOrders answers text/csv": 1,
            "listProducts via GET /api_customer/products.json": 1,
            "listProducts answers application/json": 1,
        },
        "filters": {
            "listOrders ?submitted_at_gt_eq": 1,
            "listOrders ?submitted_at_gteq": 1,
            "listOrders ?status_order_id_eq": 1,
            "listProducts ?offset": 1,
            "listProducts ?limit": 1,
        },
        "pagination": {"listProducts past the first page": 1},
        "transitions": {},
        "errors": {"422": 1, "401": 1, f"422 {message}": 1},
    }


def test_faults_the_schedule_and_scenarios_are_counted(client: TestClient) -> None:
    rule = client.post(
        "/_sandbox/faults", json={"api": "vidaxl", "path": "/api_customer/products*", "status": 503}
    )
    assert rule.status_code == 201
    client.delete("/_sandbox/coverage")
    assert client.get("/api_customer/products", auth=VIDAXL_DEMO).status_code == 503
    played = client.post("/_sandbox/scenarios/refund-after-delivery")
    assert played.status_code == 200, played.text
    counted = hit(coverage(client), "vidaxl")
    assert counted["operations"] == {"listProducts 5XX": 1}
    assert counted["errors"] == {"5XX": 1, f"fault {rule.json()['id']}: 503": 1}
    assert any(name.endswith("by scenario") for name in counted["transitions"])

    order = client.post(VIDAXL_ORDERS, auth=VIDAXL_DEMO, json=vidaxl_order_body(("146400", 1)))
    assert order.status_code == 200, order.text
    paid = client.post(f"/_sandbox/vidaxl/orders/{order.json()['order']['id']}/events", json={"event": "pay"})
    assert paid.status_code == 200, paid.text
    client.delete("/_sandbox/coverage")
    assert client.post("/_sandbox/clock", json={"advance": "P3D"}).status_code == 200
    scheduled = hit(coverage(client, f"?tenant={VIDAXL_DEMO[0]}"), "vidaxl")["transitions"]
    assert scheduled["prepare from Submitted"] >= 1
    assert scheduled["prepare: Submitted → Being Prepared by schedule"] >= 1
    assert all(name.endswith(" by schedule") for name in scheduled if ":" in name)


def test_a_reset_keeps_the_counts_and_delete_starts_over(client: TestClient) -> None:
    client.delete("/_sandbox/coverage")
    client.get("/api_customer/orders.json", auth=VIDAXL_DEMO)
    assert client.post("/_sandbox/reset").status_code == 200
    assert hit(coverage(client), "vidaxl")["operations"] == {"listOrders 200": 1}
    assert client.delete("/_sandbox/coverage").status_code == 204
    report = coverage(client)
    assert (report["covered"], report["tenants"]) == (0, [])
    assert all(api["requests"] == 0 for api in report["apis"])


def test_the_control_api_and_the_start_scenario_are_not_counted() -> None:
    client = TestClient(make_app(scenario="refund-after-delivery"), base_url="http://127.0.0.1:8000")
    client.get("/_sandbox/requests")
    report = coverage(client)
    assert report["covered"] == 0
    assert report["tenants"] == []


def test_a_durable_sandbox_begins_counting_anew(tmp_path: Path) -> None:
    """What a restart replays was counted by the process that made it, not again."""
    data = tmp_path / "sandbox.db"
    with TestClient(make_app(data=data), base_url="http://127.0.0.1:8000") as client:
        order = client.post(VIDAXL_ORDERS, auth=VIDAXL_DEMO, json=vidaxl_order_body(("146400", 1)))
        assert order.status_code == 200
        client.post(f"/_sandbox/vidaxl/orders/{order.json()['order']['id']}/events", json={"event": "pay"})
        assert hit(coverage(client), "vidaxl")["transitions"] != {}
    with sqlite3.connect(data) as db:
        db.execute("DELETE FROM snapshot")  # every change is replayed
    app = make_app(data=data)
    assert app.state.sandbox.resumed == 0
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert coverage(client)["covered"] == 0


def test_bad_filters_are_refused_in_the_control_apis_shape(client: TestClient) -> None:
    response = client.get("/_sandbox/coverage?api=amazon")
    assert response.status_code == 400
    body: Any = response.json()
    assert body["error"] == "BadRequest"
    assert list(body["errors"]) == ["api"]


def test_past_the_most_kept_what_is_new_counts_as_others(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tenant's counts are bounded: past KEYS_KEPT things counted, a new message is "(others)"."""
    monkeypatch.setattr(coverage_module, "KEYS_KEPT", 4)
    client.delete("/_sandbox/coverage")
    messages = []
    for code in range(999991, 999996):
        refused = client.post(VIDAXL_ORDERS, auth=VIDAXL_DEMO, json=vidaxl_order_body((str(code), 1)))
        assert refused.status_code == 422
        messages.append(f"422 {refused.json()['error']}")
    errors = hit(coverage(client), "vidaxl")["errors"]
    assert errors == {"422": 5, **{message: 1 for message in messages[:3]}, "(others)": 2}
