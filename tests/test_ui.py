"""The dashboard under /_sandbox/ui: its pages, filters and paging, the access rule, the order
timeline and its causes, the API answers it shows, and the live feed (server-sent events)."""

from __future__ import annotations

import asyncio
import csv
import html
import io
import json
import re
import signal
import time
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pytest
import requests
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.types import Message

from sandbox import report
from sandbox.fixje.statuses import OrderStatus
from sandbox.ui import badges
from sandbox.ui.dashboard import Dashboard
from sandbox.vidaxl.statuses import StatusOrder
from tests.helpers import (
    BERLIN,
    FIRST_PRODUCT,
    FIXJE_DEMO,
    FIXJE_OTHER,
    VIDAXL_DEMO,
    VIDAXL_OTHER,
    Customer,
    Partner,
    http_scope,
    make_app,
    runtime,
    vidaxl_order_to,
)
from tests.live import serve
from tests.test_report import gaps
from tests.test_report import rows as area_table

UI = "/_sandbox/ui"
NEW_VIDAXL_ORDER = vidaxl_order_to(BERLIN, (FIRST_PRODUCT, 2), customer_order_reference="UI-1")
TIMELINE = re.compile(
    r'<li data-at="([^"]+)" data-event="([^"]+)" data-cause="([^"]+)"\s+data-status="([^"]+)"'
)
ANSWER = re.compile(
    r'<div class="answer" data-answer="(\w+)"[^>]*>\s*<p><code>([^<]*)</code>'
    r'.*?<pre id="answer-\d+"[^>]*>(.*?)</pre>',
    re.DOTALL,
)
BUTTON = re.compile(r'<button type="button" class="[^"]*" data-event="(\w+)"')
ROW = re.compile(r'<tr data-order-id="([^"]+)">.*?<span class="badge [^"]+">([^<]+)</span>', re.DOTALL)


def timeline(page: str) -> list[tuple[str, str, str, str]]:
    """(time, event, cause, status) of each step of an order page's timeline."""
    return [(at, event, cause, html.unescape(status)) for at, event, cause, status in TIMELINE.findall(page)]


def answers(page: str) -> dict[str, tuple[str, str]]:
    """The order as each API request returns it, on the order page: label -> (request, text)."""
    return {
        label: (html.unescape(request), html.unescape(text)) for label, request, text in ANSWER.findall(page)
    }


def rows(page: str) -> list[tuple[str, str]]:
    """(order id, status) of each row of the orders table."""
    return [(order_id, html.unescape(status)) for order_id, status in ROW.findall(page)]


def same_xml(one: str, other: str) -> bool:
    return ET.canonicalize(one, strip_text=True) == ET.canonicalize(other, strip_text=True)


def place_vidaxl(client: TestClient, **changes: Any) -> int:
    response = client.post(
        "/api_customer/orders.json", json={**NEW_VIDAXL_ORDER, **changes}, auth=VIDAXL_DEMO
    )
    assert response.status_code == 200, response.text
    order_id: int = response.json()["order"]["id"]
    return order_id


def event(client: TestClient, api: str, order_id: object, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/_sandbox/{api}/orders/{order_id}/events", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# pages


def test_the_root_points_to_the_dashboard(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, UI)


def test_the_overview_shows_urls_credentials_counts_clock_and_controls(client: TestClient) -> None:
    response = client.get(UI)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    for text in (
        "http://testserver/api/v1",
        "POST http://testserver/api/v1/login",
        "http://testserver/api_customer",
        "http://testserver/_sandbox",
        *FIXJE_DEMO,
        *VIDAXL_DEMO,
        "2026-11-02T09:00:00Z",
        'data-advance="PT1H"',
        'data-advance="P1D"',
        'data-advance="P1W"',
        "data-freeze",
        "data-reset",
        "data-faults",
        '<option value="partial-shipment"',
    ):
        assert text in page, text
    # the demo partner's 24 seeded orders, by status, and a tenant once there is one
    start = page.index(f'data-account="{FIXJE_DEMO[0]}"')
    end = page.index(f'data-account="{FIXJE_OTHER[0]}"')
    demo = page[start:end]
    counts = dict(re.findall(r'data-status="(\w+)">\w+ <b>(\d+)</b>', demo))
    assert sum(map(int, counts.values())) == 24
    assert set(counts) <= {str(status) for status in OrderStatus}
    tenant = client.post("/_sandbox/tenants", json={"api": "vidaxl", "name": "CI job 7"}).json()
    assert f'data-account="{tenant["email"]}"' in client.get(UI).text


def test_the_templates_are_made_for_the_first_page() -> None:
    """The dashboard's templates (jinja2) are not made at the start, only when the first page is
    asked for; that page is whole."""
    app = make_app()
    dashboard: Dashboard = app.state.dashboard
    assert "templates" not in vars(dashboard)
    with TestClient(app) as client:
        response = client.get(UI)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert f'data-account="{FIXJE_DEMO[0]}"' in response.text and response.text.rstrip().endswith(
            "</html>"
        )
        assert "templates" in vars(dashboard)
        assert client.get(f"{UI}/orders?api=fixje").status_code == 200


def test_the_dashboard_is_not_in_the_journal(client: TestClient) -> None:
    for path in (UI, f"{UI}/orders", f"{UI}/live", f"{UI}/coverage"):
        assert client.get(path).status_code == 200
    assert client.get("/_sandbox/requests").json()["total"] == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ("fixje", FIXJE_DEMO[0])),
        (f"?api=fixje&account={FIXJE_OTHER[0]}", ("fixje", FIXJE_OTHER[0])),
        (f"?api=vidaxl&account={VIDAXL_OTHER[0]}", ("vidaxl", VIDAXL_OTHER[0])),
        ("?api=vidaxl", ("vidaxl", VIDAXL_DEMO[0])),
        ("?api=nope&account=nobody", ("fixje", FIXJE_DEMO[0])),
    ],
)
def test_the_orders_page_shows_one_api_and_account(
    client: TestClient, query: str, expected: tuple[str, str]
) -> None:
    page = client.get(f"{UI}/orders{query}").text
    found = re.search(
        r'id="orders-table" class="card" data-live data-api="(\w+)" data-account="([^"]+)"', page
    )
    assert found is not None and found.groups() == expected


def test_orders_are_newest_first_and_paged(app: Starlette, client: TestClient) -> None:
    demo = app.state.sandbox.worlds["fixje"].partner_by_client(FIXJE_DEMO[0])
    newest_first = [o.id for o in reversed(app.state.sandbox.worlds["fixje"].orders.of(demo.id))]
    first = client.get(f"{UI}/orders?api=fixje&account={FIXJE_DEMO[0]}").text
    second = client.get(f"{UI}/orders?api=fixje&account={FIXJE_DEMO[0]}&page=2").text
    assert [order_id for order_id, _ in rows(first)] == newest_first[:20]
    assert [order_id for order_id, _ in rows(second)] == newest_first[20:]
    assert "page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert "page 2 of 2" in second and 'rel="prev"' in second
    assert rows(client.get(f"{UI}/orders?api=fixje&account={FIXJE_DEMO[0]}&page=99").text) == rows(second)


@pytest.mark.parametrize("status", ["Delivered", "Processing", "Cancelled"])
def test_orders_filter_by_status(client: TestClient, status: str) -> None:
    params = {"api": "fixje", "account": FIXJE_DEMO[0], "status": status}
    page = client.get(f"{UI}/orders", params=params).text
    listed = rows(page)
    assert listed and {shown for _, shown in listed} == {status}
    assert f'data-total="{len(listed)}"' in page


def test_orders_filter_by_reference(client: TestClient) -> None:
    place_vidaxl(client, customer_order_reference="ACME-77")
    place_vidaxl(client, customer_order_reference="acme-78")
    place_vidaxl(client, customer_order_reference="OTHER-1")
    params = {"api": "vidaxl", "account": VIDAXL_DEMO[0], "reference": "Acme"}
    page = client.get(f"{UI}/orders", params=params).text
    assert len(rows(page)) == 2
    assert "acme-78" in page and "ACME-77" in page and "OTHER-1" not in page
    combined = client.get(
        f"{UI}/orders",
        params={"api": "vidaxl", "account": VIDAXL_DEMO[0], "reference": "acme", "status": "Sent"},
    ).text
    assert rows(combined) == []


def test_an_unknown_order_is_a_404_page(client: TestClient) -> None:
    for path in (f"{UI}/fixje/orders/nope", f"{UI}/vidaxl/orders/123", f"{UI}/other/orders/1"):
        response = client.get(path)
        assert response.status_code == 404
        assert "No such order" in response.text


# the timeline


def test_a_vidaxl_order_page_shows_the_timeline_and_the_api_answers(client: TestClient) -> None:
    order_id = place_vidaxl(client)
    event(client, "vidaxl", order_id, {"event": "pay"})
    client.post("/_sandbox/clock", json={"advance": "PT1H"})
    event(
        client,
        "vidaxl",
        order_id,
        {"event": "ship", "trackingNumbers": ["JVGL01", "JVGL02"], "carrier": "DHL"},
    )
    page = client.get(f"{UI}/vidaxl/orders/{order_id}").text
    assert timeline(page) == [
        ("2026-11-02T09:00:00Z", "place", "api", "Temporary"),
        ("2026-11-02T09:00:00Z", "pay", "control", "Submitted"),
        ("2026-11-02T10:00:00Z", "ship", "control", "Sent"),
    ]
    assert "DHL JVGL01, JVGL02" in page
    assert BUTTON.findall(page) == ["refund", "replace"]

    shown = answers(page)
    assert [(label, request) for label, (request, _) in shown.items()] == [
        ("JSON", f"GET /api_customer/orders.json?id_eq={order_id}"),
        ("XML", f"GET /api_customer/orders.xml?id_eq={order_id}"),
        ("CSV", f"GET /api_customer/orders.csv?id_eq={order_id}"),
    ]
    api = f"/api_customer/orders.{{}}?id_eq={order_id}"
    assert json.loads(shown["JSON"][1]) == client.get(api.format("json"), auth=VIDAXL_DEMO).json()
    as_xml = client.get(api.format("xml"), auth=VIDAXL_DEMO).content
    assert same_xml(shown["XML"][1], as_xml.decode())
    assert shown["CSV"][1] == client.get(api.format("csv"), auth=VIDAXL_DEMO).text
    listed = next(csv.DictReader(io.StringIO(shown["CSV"][1])))
    assert (listed["status_order_id"], listed["shipping_tracking"]) == ("5", "JVGL01,JVGL02")


def test_a_vidaxl_order_with_only_a_country_on_the_order_shows_each_line_address(client: TestClient) -> None:
    code = FIRST_PRODUCT
    line = {
        "name": "Mette Hansen",
        "address": "Vestergade 12",
        "city": "Aarhus C",
        "postal_code": "8000",
        "country": "DK",
        "email": "mette@example.dk",
        "phone": "+4512345678",
    }
    order_id = place_vidaxl(
        client,
        addressbook={"country": "DK"},
        order_products=[{"product_code": code, "quantity": 1, "addressbook": line}],
    )
    event(client, "vidaxl", order_id, {"event": "pay"})
    event(client, "vidaxl", order_id, {"event": "ship", "trackingNumbers": ["JVGL05"], "carrier": "DHL"})
    event(client, "vidaxl", order_id, {"event": "replace", "trackingNumber": "JVGL06"})
    response = client.get(f"{UI}/vidaxl/orders/{order_id}")
    assert response.status_code == 200
    page = response.text
    addresses = re.findall(r"<address>(.*?)</address>", page, re.DOTALL)
    # the order's own addressbook holds only the country; the line's is the whole address
    assert addresses == [
        "DK<br>",
        "Mette Hansen<br>Vestergade 12<br>8000 Aarhus C<br>DK<br>+4512345678<br>mette@example.dk<br>",
    ]
    for text in ("8000 Aarhus C", "mette@example.dk", "Standard delivery", "JVGL06", "replacement JVGL06"):
        assert text in page, text


def test_a_fixje_order_page_shows_each_parcel_and_the_api_answers(client: TestClient) -> None:
    partner = Partner.login(client)
    body = partner.order_body(orderItems=[{"sku": "FX100001", "quantity": 3}], reference="UI-FX")
    order_id = partner.post("/api/v1/orders", json=body).json()["orderId"]
    event(
        client,
        "fixje",
        order_id,
        {"event": "ship", "items": {"FX100001": 1}, "trackingNumber": "3SUIONE", "carrier": "PostNL"},
    )
    event(client, "fixje", order_id, {"event": "ship", "items": {"FX100001": 1}, "trackingNumber": "3SUITWO"})
    page = client.get(f"{UI}/fixje/orders/{order_id}").text
    assert [(step, cause, status) for _, step, cause, status in timeline(page)] == [
        ("place", "api", "New"),
        ("ship", "control", "PartiallyShipped"),
        ("ship", "control", "PartiallyShipped"),
    ]
    assert "PostNL 3SUIONE: 1 x FX100001" in page and "PostNL 3SUITWO: 1 x FX100001" in page
    # the ship form offers what is left
    assert 'data-key="FX100001" min="0" max="1" value="1"' in page
    shown = answers(page)
    api = partner.get(f"/api/v1/orders/{order_id}")
    assert json.loads(shown["JSON"][1]) == api.json()
    as_xml = partner.get(f"/api/v1/orders/{order_id}", headers={"accept": "application/xml"}).content
    assert same_xml(shown["XML"][1], as_xml.decode())


def test_the_timeline_names_every_cause(client: TestClient, app: Starlette) -> None:
    sandbox = app.state.sandbox
    seeded = next(o for o in sandbox.worlds["fixje"].orders.placed if o.status == OrderStatus.DELIVERED)
    assert [(c.event, c.cause, c.previous, c.status) for c in seeded.history] == [
        ("place", "seed", None, "New"),
        ("process", "seed", "New", "Processing"),
        ("ship", "seed", "Processing", "Shipped"),
        ("deliver", "seed", "Shipped", "Delivered"),
    ]
    assert [c.at for c in seeded.history] == sorted(c.at for c in seeded.history)
    assert seeded.history[-1].at <= sandbox.clock.start
    refunded = next(o for o in sandbox.worlds["vidaxl"].orders.placed if o.status is StatusOrder.REFUNDED)
    assert [c.event for c in refunded.history] == ["place", "pay", "ship", "refund"]
    assert [c.at for c in refunded.history] == sorted(c.at for c in refunded.history)

    partner = Partner.login(client)
    order_id = partner.post("/api/v1/orders", json=partner.order_body()).json()["orderId"]
    client.post("/_sandbox/clock", json={"advance": "PT3H"})  # the schedule: New -> Processing after 2 h
    page = client.get(f"{UI}/fixje/orders/{order_id}").text
    assert timeline(page) == [
        ("2026-11-02T09:00:00Z", "place", "api", "New"),
        ("2026-11-02T11:00:00Z", "process", "schedule", "Processing"),
    ]

    played = client.post("/_sandbox/scenarios/partial-shipment").json()
    page = client.get(f"{UI}/fixje/orders/{played['orders']['order']['orderId']}").text
    assert [(step, cause) for _, step, cause, _ in timeline(page)] == [
        ("place", "scenario"),
        ("process", "scenario"),
        ("ship", "scenario"),
        ("ship", "scenario"),
    ]


def test_a_refused_event_leaves_the_timeline_as_it_was(client: TestClient, app: Starlette) -> None:
    order_id = place_vidaxl(client)
    for refused in ("ship", "refund"):
        response = client.post(f"/_sandbox/vidaxl/orders/{order_id}/events", json={"event": refused})
        assert response.status_code == 409
    assert [c.event for c in app.state.sandbox.worlds["vidaxl"].orders.find(order_id).history] == ["place"]


def test_the_timeline_is_part_of_the_state(client: TestClient) -> None:
    order_id = place_vidaxl(client)
    event(client, "vidaxl", order_id, {"event": "pay"})
    state = client.get("/_sandbox/state")
    exported = next(o for o in state.json()["vidaxl"]["orders"] if o["id"] == order_id)
    assert exported["history"] == [
        {
            "at": "2026-11-02T09:00:00+00:00",
            "previous": None,
            "status": "Temporary",
            "event": "place",
            "cause": "api",
            "detail": None,
        },
        {
            "at": "2026-11-02T09:00:00+00:00",
            "previous": "Temporary",
            "status": "Submitted",
            "event": "pay",
            "cause": "control",
            "detail": None,
        },
    ]
    with TestClient(make_app()) as other:
        assert (
            other.put(
                "/_sandbox/state", content=state.content, headers={"content-type": "application/json"}
            ).status_code
            == 200
        )
        assert timeline(other.get(f"{UI}/vidaxl/orders/{order_id}").text) == timeline(
            client.get(f"{UI}/vidaxl/orders/{order_id}").text
        )


# contract coverage

HOSTILE_CODE = "<script>alert(1)</script>"


def exercise(client: TestClient) -> None:
    """The demo partner logs in and reads a second page of products; the second vidaXL customer
    lists its orders and sends an order whose product code is HOSTILE_CODE (422); the demo
    customer reads the products."""
    assert Partner.login(client).get("/api/v1/products?page=2").status_code == 200
    assert Customer(client).get("/api_customer/products.json").status_code == 200
    other = Customer(client, VIDAXL_OTHER)
    assert other.get("/api_customer/orders.json").status_code == 200
    refused = other.post(
        "/api_customer/orders.json", json={"order_products": [{"product_code": HOSTILE_CODE, "quantity": 1}]}
    )
    assert refused.status_code == 422, refused.text


def area_rows(found: dict[str, Any]) -> list[tuple[str, ...]]:
    """The rows the areas tables should have for the report `found`: each area, then all of them."""
    expected = []
    for api in found["apis"]:
        total = {**api, "area": "", "title": "All areas", "gaps": [None] * (api["count"] - api["covered"])}
        for area in [*api["areas"], total]:
            shown = (area["covered"], area["count"], area["percent"], f"{area['percent']:.1f}%")
            expected.append((area["area"], area["title"], *map(str, shown), str(len(area["gaps"]))))
    return expected


def covered(page: str) -> dict[tuple[str, str], str]:
    """(api, area) -> the covered count the page shows."""
    found = {}
    for api, section in re.findall(
        r'<section class="card coverage-api" id="[^"]+" data-api="(\w+)">(.*?)</table>', page, re.DOTALL
    ):
        found.update(
            {
                (api, area): count
                for area, count in re.findall(
                    r'<tr data-area="(\w+)">.*?data-covered>(\d+)<', section, re.DOTALL
                )
            }
        )
    return found


def test_the_coverage_page_shows_each_api_its_areas_percentages_and_gaps(client: TestClient) -> None:
    exercise(client)
    found = client.get("/_sandbox/coverage").json()
    page = client.get(f"{UI}/coverage").text
    assert area_table(page) == area_rows(found)
    assert gaps(page) == [
        (area["title"], area["gaps"]) for api in found["apis"] for area in api["areas"] if area["gaps"]
    ]
    counts = covered(page)
    assert (
        counts[("fixje", "operations")],
        counts[("fixje", "pagination")],
        counts[("vidaxl", "operations")],
    ) == ("2", "1", "3")
    total = f'<span class="percent" data-percent="{found["percent"]}">{found["percent"]:.1f}%</span>'
    assert f'<section class="card" id="coverage-total">\n    <p class="big">{total}</p>' in page
    assert '<a href="/_sandbox/ui/coverage" aria-current="page">Coverage</a>' in page
    assert '<button type="button" class="danger" data-clear-coverage>' in page
    assert '<a href="/_sandbox/coverage">as JSON</a>' in page
    # the 422's message names what the client sent, escaped
    assert HOSTILE_CODE not in page
    message = "422 Could not create order: product &lt;script&gt;alert(1)&lt;/script&gt; does not exist"
    assert f'<tr class="detail"><td><code>{message}</code></td><td class="num">1</td></tr>' in page


def test_the_tenant_filter_keeps_only_that_tenant(client: TestClient) -> None:
    exercise(client)
    page = client.get(f"{UI}/coverage", params={"tenant": VIDAXL_OTHER[0]}).text
    found = client.get("/_sandbox/coverage", params={"tenant": VIDAXL_OTHER[0]}).json()
    assert area_table(page) == area_rows(found)
    counts = covered(page)
    assert {count for (api, _), count in counts.items() if api == "fixje"} == {"0"}
    assert counts[("vidaxl", "operations")] == "2"
    options = re.findall(
        r'<option value="([^"]*)"( selected)?>', page.split("data-tenants>")[1].split("</select>")[0]
    )
    assert options == [("", ""), (FIXJE_DEMO[0], ""), (VIDAXL_DEMO[0], ""), (VIDAXL_OTHER[0], " selected")]
    assert "(vidaXL, 2 requests)</option>" in page
    assert f'<a href="/_sandbox/coverage?tenant={VIDAXL_OTHER[0].replace("@", "%40")}">as JSON</a>' in page
    # and one API
    page = client.get(f"{UI}/coverage", params={"api": "fixje"}).text
    assert [row[0] for row in area_table(page)] == [area["area"] for area in found["apis"][0]["areas"]] + [""]
    assert '<option value="fixje" selected>' in page


def test_the_html_report_has_the_dashboards_tables(client: TestClient) -> None:
    """One template for both: the same report gives the same tables, and the same stylesheet."""
    exercise(client)
    page = client.get(f"{UI}/coverage").text
    document = report.document(client.get("/_sandbox/coverage").json())

    def tables(html: str) -> str:
        return html[html.index('<section class="card coverage-api"') : html.rindex("</section>")]

    assert tables(page) == tables(document)
    assert '<link rel="stylesheet" href="/_sandbox/ui/coverage.css">' in page
    styles = client.get(f"{UI}/coverage.css")
    assert (styles.status_code, styles.headers["content-type"]) == (200, "text/css; charset=utf-8")
    assert styles.text == report.STYLESHEET.read_text() and styles.text in document


# the access rule


def test_off_loopback_without_a_token_the_dashboard_is_closed() -> None:
    with TestClient(make_app(host="0.0.0.0")) as client:
        response = client.get(UI)
        assert response.status_code == 403
        assert "--admin-token" in response.text
        assert client.get(f"{UI}/events").status_code == 403
        assert client.get(f"{UI}/orders?token=anything").status_code == 403
        assert client.get(f"{UI}/coverage").status_code == 403


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_with_an_admin_token_the_browser_shows_it_once(host: str) -> None:
    with TestClient(make_app(host=host, admin_token="s3cret")) as client:
        asked = client.get(f"{UI}/orders?api=vidaxl")
        assert asked.status_code == 401
        assert 'name="next" value="/_sandbox/ui/orders?api=vidaxl"' in asked.text
        assert client.get(f"{UI}/events").status_code == 401
        assert client.get(f"{UI}/orders?token=wrong").status_code == 401

        entered = client.get(f"{UI}/orders?api=vidaxl&token=s3cret", follow_redirects=False)
        assert entered.status_code == 303
        assert entered.headers["location"] == "/_sandbox/ui/orders?api=vidaxl"
        cookie = entered.headers["set-cookie"]
        assert cookie.startswith("sandbox_admin=s3cret;")
        parts = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "path=/_sandbox", "samesite=strict"} <= parts
        # the cookie opens the dashboard, and the control API its page calls
        assert client.get(f"{UI}/orders?api=vidaxl").status_code == 200
        assert client.get("/_sandbox/clock").status_code == 200
        assert client.post("/_sandbox/clock", json={"advance": "PT1H"}).status_code == 200
        client.cookies.clear()
        assert client.get("/_sandbox/clock").status_code == 401
        assert client.get(UI, headers={"Authorization": "Bearer s3cret"}).status_code == 200


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def login_form(client: TestClient) -> str:
    """Open the login form (the browser keeps its cookie); its CSRF token."""
    page = client.get(f"{UI}/live")
    assert page.status_code == 401
    found = CSRF.search(page.text)
    assert found and client.cookies.get("sandbox_csrf") == found.group(1)
    return found.group(1)


def test_the_login_form_sets_the_cookie() -> None:
    with TestClient(make_app(host="0.0.0.0", admin_token="s3cret")) as client:
        csrf = login_form(client)
        wrong = client.post(f"{UI}/login", data={"token": "nope", "next": f"{UI}/live", "csrf": csrf})
        assert wrong.status_code == 401
        assert "That is not the admin token." in wrong.text
        csrf = CSRF.search(wrong.text).group(1)  # type: ignore[union-attr]
        right = client.post(
            f"{UI}/login",
            data={"token": "s3cret", "next": f"{UI}/live", "csrf": csrf},
            follow_redirects=False,
        )
        assert (right.status_code, right.headers["location"]) == (303, f"{UI}/live")
        assert client.get(f"{UI}/live").status_code == 200


@pytest.mark.parametrize("csrf", [None, "", "forged"])
def test_a_login_without_the_forms_own_token_is_refused(csrf: str | None) -> None:
    """A form posted from another page has no token of the sandbox's login form, or another."""
    with TestClient(make_app(admin_token="s3cret")) as client:
        login_form(client)
        data = {"token": "s3cret", "next": UI, **({} if csrf is None else {"csrf": csrf})}
        response = client.post(f"{UI}/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "The form expired or came from another page" in response.text
        assert "sandbox_admin" not in response.headers.get("set-cookie", "")
        assert client.get(f"{UI}/live").status_code == 401


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/api/v1/orders", "", "/_sandbox/ui//evil.example"]
)
def test_the_login_goes_only_to_the_dashboard(target: str) -> None:
    with TestClient(make_app(admin_token="s3cret")) as client:
        response = client.post(
            f"{UI}/login",
            data={"token": "s3cret", "next": target, "csrf": login_form(client)},
            follow_redirects=False,
        )
        assert (response.status_code, response.headers["location"]) == (303, UI)


@pytest.mark.parametrize(
    "path", [UI, f"{UI}/orders", f"{UI}/live", f"{UI}/coverage", f"{UI}/login", "/docs", "/docs/fixje"]
)
def test_pages_may_not_be_framed_and_run_only_the_sandboxs_scripts(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    parts = response.headers["content-security-policy"].split(";")
    policy = dict(part.strip().split(" ", 1) for part in parts)
    assert (policy["frame-ancestors"], policy["script-src"], policy["style-src"], policy["default-src"]) == (
        "'none'",
        "'self'",
        "'self'",
        "'self'",
    )
    # and nothing inline for the policy to refuse
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|<style|\sstyle=", response.text)


def test_the_badge_colours_are_a_stylesheet_of_their_own(client: TestClient) -> None:
    response = client.get(f"{UI}/badges.css")
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.text == badges.stylesheet()
    assert '<link rel="stylesheet" href="/_sandbox/ui/badges.css">' in client.get(UI).text


# status badges


def test_every_status_has_a_colour_of_its_own_readable_in_white() -> None:
    statuses = {str(s) for s in OrderStatus} | {s.label for s in StatusOrder}
    assert set(badges.COLOURS) == statuses
    assert len(set(badges.COLOURS.values())) == len(statuses)
    for status, colour in badges.COLOURS.items():
        assert badges.contrast(colour, "#ffffff") >= 4.5, status
    assert badges.css_class("Awaiting Payment") == "status-awaiting-payment"
    assert ".status-partiallyshipped { background: #b45309; }" in badges.stylesheet()


# the live feed


def read_events(chunks: Any, wanted: int) -> list[tuple[str, Any]]:
    """The next `wanted` events (kind, data) of a stream, or those that came within 5 s (the
    stream pings often enough to look at the time: see `quick`)."""
    found: list[tuple[str, Any]] = []
    buffer = ""
    deadline = time.monotonic() + 5
    for chunk in chunks:
        if time.monotonic() > deadline:
            break
        buffer += chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            fields = dict(
                line.split(": ", 1)
                for line in block.splitlines()
                if ": " in line and not line.startswith(":")
            )
            if "event" in fields:
                found.append((fields["event"], json.loads(fields["data"])))
        if len(found) >= wanted:
            return found
    return found


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streams that ping every 0.2 s, so that a test waiting for an event that never comes ends."""
    monkeypatch.setattr("sandbox.ui.feed.TICK", 0.05)
    monkeypatch.setattr("sandbox.ui.feed.PING", 0.2)


@pytest.mark.usefixtures("quick")
def test_the_stream_sends_requests_and_order_changes_as_they_happen(
    app: Starlette, client: TestClient
) -> None:
    dashboard: Dashboard = app.state.dashboard
    journal = app.state.sandbox.journal
    assert (
        journal.listeners == [] and app.state.sandbox.worlds["vidaxl"].orders.watchers == []
    )  # nobody listens
    with client.stream("GET", f"{UI}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        chunks = stream.iter_text()
        assert read_events(chunks, 1) == [("clock", {"now": "2026-11-02T09:00:00Z", "frozen": True})]
        assert len(journal.listeners) == 1
        order_id = place_vidaxl(client)
        placed = read_events(chunks, 2)
        assert placed[0] == (
            "order",
            {
                "api": "vidaxl",
                "orderId": str(order_id),
                "account": VIDAXL_DEMO[0],
                "reference": "UI-1",
                "status": "Temporary",
                "url": f"{UI}/vidaxl/orders/{order_id}",
                "change": {
                    "at": "2026-11-02T09:00:00Z",
                    "previous": None,
                    "status": "Temporary",
                    "event": "place",
                    "cause": "api",
                    "detail": None,
                },
            },
        )
        assert placed[1][0] == "request"
        assert {k: placed[1][1][k] for k in ("api", "method", "path", "status", "credential")} == {
            "api": "vidaxl",
            "method": "POST",
            "path": "/api_customer/orders.json",
            "status": 200,
            "credential": VIDAXL_DEMO[0],
        }
        event(client, "vidaxl", order_id, {"event": "pay"})
        kind, paid = read_events(chunks, 1)[0]
        assert (kind, paid["change"]["event"], paid["change"]["cause"], paid["status"]) == (
            "order",
            "pay",
            "control",
            "Submitted",
        )
        # a reset replaces the worlds: the stream says so and follows the new ones
        client.post("/_sandbox/reset")
        assert read_events(chunks, 1)[0] == ("reset", {"now": "2026-11-02T09:00:00Z", "frozen": True})
        place_vidaxl(client, customer_order_reference="AFTER")
        assert read_events(chunks, 1)[0][1]["reference"] == "AFTER"
    # the client went: nothing listens any more
    deadline = time.monotonic() + 5
    while dashboard.feed.streams and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dashboard.feed.streams == set()
    assert journal.listeners == [] and app.state.sandbox.worlds["vidaxl"].orders.watchers == []


def run_stream(app: Starlette, until: Any) -> list[bytes]:
    """Call the event stream as a server would; `until(app, sent, receive_queue)` drives it."""

    async def main() -> list[bytes]:
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        sent: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return await inbox.get()

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body":
                sent.append(message.get("body", b""))

        task = asyncio.create_task(app(http_scope("GET", f"{UI}/events"), receive, send))
        while not sent:
            await asyncio.sleep(0.01)
        await until(app, sent, inbox)
        await asyncio.wait_for(task, 5)
        return sent

    return asyncio.run(main())


def test_the_stream_ends_when_the_client_goes(app: Starlette) -> None:
    async def leave(app: Starlette, sent: list[bytes], inbox: asyncio.Queue[dict[str, Any]]) -> None:
        await inbox.put({"type": "http.disconnect"})

    run_stream(app, leave)
    assert app.state.dashboard.feed.streams == set()
    assert app.state.sandbox.journal.listeners == []


def test_the_stream_ends_when_the_server_stops(app: Starlette) -> None:
    async def stop(app: Starlette, sent: list[bytes], inbox: asyncio.Queue[dict[str, Any]]) -> None:
        app.state.dashboard.close()

    sent = run_stream(app, stop)
    assert sent[0].startswith(b"retry: 2000\n\nevent: clock\n")
    assert sent[-1] == b""  # the body ended
    assert app.state.dashboard.feed.streams == set()


@pytest.mark.live
def test_sandbox_serve_stops_promptly_with_a_stream_open() -> None:
    with serve() as server, requests.get(f"{server.url}{UI}/events", stream=True, timeout=10) as stream:
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 2000"
        started = time.monotonic()
        server.send_signal(signal.SIGINT)
        rest = list(lines)  # the server ends the stream: this returns
        assert server.wait(timeout=10) in (0, -signal.SIGINT)  # uvicorn re-raises the signal
    assert time.monotonic() - started < 3  # not uvicorn's 3 s cut-off: the stream ended by itself
    assert "event: clock" in rest


ITEM_ROW = re.compile(r"<tr>((?:<td>[^<]*</td>)+)</tr>")


def test_a_fixje_order_page_shows_its_backordered_lines(client: TestClient) -> None:
    played = client.post("/_sandbox/scenarios/backorder").json()["orders"]["order"]
    page = client.get(f"{UI}/fixje/orders/{played['orderId']}").text
    world = runtime(client).worlds["fixje"]
    backordered = next(o for o in world.orders.placed if str(o.id) == played["orderId"]).lines[0].backordered
    assert backordered > 0  # the scenario asks for more than the warehouse holds
    assert "<th>Backorder</th>" in page
    cells = [re.findall(r"<td>([^<]*)</td>", row) for row in ITEM_ROW.findall(page)]
    assert [row[0] for row in cells] == ["FX100002"]
    assert cells[0][-1] == f"{backordered} backordered"


WARNINGS = re.compile(r'<section class="card warn" id="warnings".*?<ul>(.*?)</ul>', re.DOTALL)


def test_a_fixje_order_page_shows_the_warnings_its_creation_answered_with(client: TestClient) -> None:
    partner = Partner.login(client)
    body = partner.order_body(reference="PO-WARN")
    body["orderItems"][0]["price"] = 0.01
    created = partner.post("/api/v1/orders", json=body).json()
    again = partner.post("/api/v1/orders", json=partner.order_body(reference="PO-WARN")).json()
    assert len(created["creationWarnings"]) == 1 and len(again["creationWarnings"]) == 1

    for answer in (created, again):
        page = client.get(f"{UI}/fixje/orders/{answer['orderId']}").text
        shown = [html.unescape(item) for item in re.findall(r"<li>([^<]*)</li>", WARNINGS.findall(page)[0])]
        assert shown == answer["creationWarnings"]
    exported = client.get("/_sandbox/state").json()
    orders = {order["id"]: order for order in exported["fixje"]["orders"]}
    assert orders[again["orderId"]]["warnings"] == again["creationWarnings"]
    assert client.put("/_sandbox/state", json=exported).status_code == 200  # and back: kept
    page = client.get(f"{UI}/fixje/orders/{again['orderId']}").text
    assert html.unescape(WARNINGS.findall(page)[0]).count("already exists") == 1
    unwarned = next(order["id"] for order in exported["fixje"]["orders"] if not order["warnings"])
    assert 'id="warnings"' not in client.get(f"{UI}/fixje/orders/{unwarned}").text


def test_an_event_from_the_dashboards_buttons_is_credited_to_it(client: TestClient) -> None:
    order_id = place_vidaxl(client)
    path = f"/_sandbox/vidaxl/orders/{order_id}/events"
    assert (
        client.post(path, json={"event": "pay"}, headers={"X-Sandbox-Client": "dashboard"}).status_code == 200
    )
    assert (
        client.post(path, json={"event": "prepare"}, headers={"X-Sandbox-Client": "a script"}).status_code
        == 200
    )
    page = client.get(f"{UI}/vidaxl/orders/{order_id}").text
    assert [(step, cause) for _, step, cause, _ in timeline(page)] == [
        ("place", "api"),
        ("pay", "dashboard"),
        ("prepare", "control"),
    ]
    exported = client.get("/_sandbox/state").json()["vidaxl"]["orders"]
    history = next(order for order in exported if order["id"] == order_id)["history"]
    assert [change["cause"] for change in history] == ["api", "dashboard", "control"]
    assert client.put("/_sandbox/state", json=client.get("/_sandbox/state").json()).status_code == 200


def test_the_search_finds_orders_of_both_apis_by_their_numbers(client: TestClient) -> None:
    played = client.post("/_sandbox/scenarios/two-parcels").json()["orders"]
    vidaxl, fixje = played["vidaxl"]["orderId"], played["fixje"]["orderId"]
    order_number = str(300000000 + int(vidaxl))
    for text, api, order_id in (
        (vidaxl, "vidaxl", vidaxl),
        (order_number, "vidaxl", vidaxl),
        ("jvglscnparcel02", "vidaxl", vidaxl),  # a tracking number, in any case
        ("scn-delivered", "fixje", fixje),  # a reference
        (fixje.upper(), "fixje", fixje),
        ("3SSCNDELIVER01", "fixje", fixje),
    ):
        found = client.get(f"{UI}/search", params={"q": f" {text} "}, follow_redirects=False)
        assert (found.status_code, found.headers["location"]) == (303, f"{UI}/{api}/orders/{order_id}"), text

    world = runtime(client).worlds["vidaxl"]
    codes = Counter(line.product.code for order in world.orders.placed for line in order.lines)
    code = codes.most_common(1)[0][0]  # a product of several orders: a list
    by_sku = client.get(f"{UI}/search", params={"q": code})
    assert by_sku.status_code == 200
    listed = ROW.findall(by_sku.text)
    with_it = [o for o in reversed(world.orders.placed) if any(line.product.code == code for line in o.lines)]
    assert len(with_it) > 1
    assert [order_id for order_id, _ in listed] == [str(o.id) for o in with_it]
    assert f'data-found="{len(with_it)}"' in by_sku.text

    nothing = client.get(f"{UI}/search", params={"q": "<no such order>"})
    assert nothing.status_code == 200
    assert 'data-found="0"' in nothing.text and "&lt;no such order&gt;" in nothing.text
    assert ROW.findall(nothing.text) == []
    assert (
        'name="q" maxlength="200" placeholder="Order id, reference, tracking no., SKU"' in client.get(UI).text
    )
