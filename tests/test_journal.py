"""The journal (`GET /_sandbox/requests`): each API request with its answer, credentials masked,
bodies kept to 4 KiB, the operation, the duration and the fault rule that fired; one entry by its id;
and an order's requests on its dashboard page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.journal import Journal
from sandbox.world.clock import Clock
from tests.helpers import (
    BERLIN,
    FIRST_PRODUCT,
    FIXJE_DEMO,
    VIDAXL_DEMO,
    VIDAXL_ORDERS,
    Partner,
    login_form,
    make_app,
    vidaxl_order_to,
)

FIELDS = {
    "id",
    "time",
    "api",
    "method",
    "path",
    "query",
    "status",
    "credential",
    "operation",
    "durationMs",
    "fault",
    "body",
    "requestHeaders",
    "responseHeaders",
    "responseBody",
}
REQUEST_LOG = re.compile(r'<section class="card wide" id="requests-log">(.*?)</section>', re.DOTALL)
LOGGED = re.compile(
    r'<li data-id="(\d+)" data-api="(\w+)" data-status="(\d+)".*?<code class="request">([^<]*)</code>',
    re.DOTALL,
)


def journal(client: TestClient, query: str = "") -> list[dict[str, Any]]:
    answer = client.get(f"/_sandbox/requests{query}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["requests"]
    return found


def order_log(client: TestClient, api: str, order_id: object) -> list[tuple[int, str, int, str]]:
    """(id, api, status, request line) of each request on the dashboard's page of the order."""
    page = client.get(f"/_sandbox/ui/{api}/orders/{order_id}")
    assert page.status_code == 200, page.text
    found = REQUEST_LOG.search(page.text)
    assert found is not None
    return [
        (int(number), name, int(status), html.unescape(line))
        for number, name, status, line in LOGGED.findall(found.group(1))
    ]


def test_each_entry_holds_the_request_and_its_answer_with_credentials_masked(client: TestClient) -> None:
    signed_in = client.post("/api/v1/login", data=login_form())
    token = signed_in.json()["access_token"]
    listed = client.get(
        "/api/v1/orders?pagesize=1",
        headers={"Authorization": f"Bearer {token}", "Cookie": "session=abc; theme=dark", "X-Api-Key": "k1"},
    )
    vidaxl = client.get(f"{VIDAXL_ORDERS}?id_eq=70001&token=in-the-query", auth=VIDAXL_DEMO)
    answer = client.get("/_sandbox/requests")
    for secret in (token, FIXJE_DEMO[1], VIDAXL_DEMO[1], "abc", "k1", "in-the-query"):
        assert secret not in answer.text
    newest, middle, first = answer.json()["requests"]
    assert set(newest) == set(middle) == set(first) == FIELDS
    for entry in (newest, middle, first):
        assert isinstance(entry["durationMs"], float) and entry["durationMs"] > 0
        assert entry["time"] == "2026-11-02T09:00:00Z" and entry["fault"] is None
    assert {key: first[key] for key in ("id", "api", "method", "path", "query", "status", "credential")} == {
        "id": 1,
        "api": "fixje",
        "method": "POST",
        "path": "/api/v1/login",
        "query": "",
        "status": 200,
        "credential": None,
    }
    assert first["operation"] == "login"
    assert first["body"] == "grant_type=client_credentials&client_id=fixje-demo-client&client_secret=***"
    assert first["requestHeaders"]["content-type"] == "application/x-www-form-urlencoded"
    assert first["responseHeaders"]["cache-control"] == "no-store"
    assert first["responseBody"] == signed_in.text.replace(token, "***")
    assert middle["operation"] == "listOrders" and middle["credential"] == FIXJE_DEMO[0]
    assert middle["requestHeaders"]["authorization"] == "Bearer ***"
    assert middle["requestHeaders"]["cookie"] == "session=***; theme=***"
    assert middle["requestHeaders"]["x-api-key"] == "***"
    assert middle["responseHeaders"]["content-type"] == "application/json; charset=utf-8"
    assert middle["responseHeaders"]["content-length"] == str(len(listed.content))
    assert middle["responseBody"] == listed.text and middle["body"] is None
    assert newest["operation"] == "listOrdersJson" and newest["credential"] == VIDAXL_DEMO[0]
    assert newest["requestHeaders"]["authorization"] == "Basic ***"
    assert newest["query"] == "id_eq=70001&token=***"
    assert newest["responseBody"] == vidaxl.text
    # one entry by its id: the same
    assert client.get("/_sandbox/requests/2").json() == middle
    missing = client.get("/_sandbox/requests/99")
    assert missing.status_code == 404
    assert missing.json() == {"error": "NotFound", "message": "The journal holds no request 99 (any more)."}


def test_a_fault_rule_that_fired_is_named(client: TestClient) -> None:
    for rule in ({"status": 503, "times": 1}, {"latencyMs": 1}, {"status": 500, "times": 1}):
        assert client.post("/_sandbox/faults", json={"api": "vidaxl", **rule}).status_code == 201
    for _ in range(3):
        client.get(VIDAXL_ORDERS, auth=VIDAXL_DEMO)
    shown = [(e["status"], e["fault"]) for e in journal(client)]
    # the first error rule fires first, the delay always; the second error rule once the first is spent
    assert shown == [(200, "fault-2"), (500, "fault-2, fault-3"), (503, "fault-1, fault-2")]
    assert (
        journal(client)[1]["responseBody"]
        == '{"error":"Internal Server Error (a fault rule of the sandbox)."}'
    )


def test_bodies_are_kept_to_their_first_4_kib(client: TestClient) -> None:
    partner = Partner.login(client)
    products = partner.get("/api/v1/products?pageSize=100")
    long_reference = "R" * 5000
    refused = client.post(VIDAXL_ORDERS, json={"customer_order_reference": long_reference}, auth=VIDAXL_DEMO)
    assert len(products.content) > 4096 and refused.status_code in (400, 422)
    entry = journal(client, "?path=/api/v1/products")[0]
    assert entry["responseBody"] == products.content[:4096].decode("utf-8", "replace")
    posted = journal(client, "?api=vidaxl")[0]
    assert posted["body"] == refused.request.content[:4096].decode()


def test_a_pdf_answer_is_not_shown_as_text(client: TestClient) -> None:
    documents = client.get("/api_customer/orders/documents.json", auth=VIDAXL_DEMO).json()
    pdf = documents[0]["url"].removeprefix("http://testserver")
    assert client.get(pdf, auth=VIDAXL_DEMO).headers["content-type"] == "application/pdf"
    entry = journal(client)[0]
    assert (entry["operation"], entry["responseBody"]) == ("getDocumentPdf", None)
    assert entry["responseHeaders"]["content-type"] == "application/pdf"
    assert order_log(client, "vidaxl", documents[0]["order_id"])[0][3] == f"GET {pdf}"


@pytest.mark.parametrize("size", [1, 3])
def test_the_journal_is_bounded_with_its_answers(size: int) -> None:
    with TestClient(make_app(journal_size=size)) as client:
        for _ in range(4):
            client.get("/api/v1/products?pageSize=100")
        runtime: Any = client.app
        assert len(runtime.state.sandbox.journal.entries) == size
        assert [e["id"] for e in journal(client)] == list(range(4, 4 - size, -1))


def test_each_kept_answer_is_its_own_request_s_as_the_journal_turns_over() -> None:
    with TestClient(make_app(journal_size=2)) as client:
        answers = [
            client.get(f"/api_customer/products.json?limit=1&offset={offset}", auth=VIDAXL_DEMO).text
            for offset in range(5)
        ]
        assert len(set(answers)) == 5
        assert [(e["id"], e["responseBody"]) for e in journal(client)] == [(5, answers[4]), (4, answers[3])]
        assert client.get("/_sandbox/requests/3").status_code == 404


def test_an_answer_whose_slot_a_later_entry_took_is_not_shown_as_its_own() -> None:
    """Entries a durable sandbox kept may skip numbers (the control API's are kept elsewhere): two
    of them can fall in one slot of the answers' buffer, and the older then shows none."""
    journal_ = Journal(Clock(datetime(2026, 11, 2, 9, tzinfo=UTC)), 3)
    kept = [
        [
            number,
            "2026-11-02T09:00:00+00:00",
            "vidaxl",
            "GET",
            "/x",
            "",
            200,
            None,
            "",
            "op",
            0.001,
            [],
            [["content-type", "application/json"]],
            f'{{"n":{number}}}',
            None,
            [],
        ]
        for number in (1, 4)
    ]
    journal_.load(kept)
    newer, older = journal_.get(4), journal_.get(1)
    assert newer is not None and newer["responseBody"] == '{"n":4}'
    assert older is not None and older["responseBody"] is None


def vidaxl_order(client: TestClient, reference: str) -> int:
    body = vidaxl_order_to(BERLIN, (FIRST_PRODUCT, 1), customer_order_reference=reference)
    created = client.post(VIDAXL_ORDERS, json=body, auth=VIDAXL_DEMO)
    assert created.status_code == 200, created.text
    order_id: int = created.json()["order"]["id"]
    return order_id


def test_an_order_page_lists_the_requests_that_made_read_or_changed_it(client: TestClient) -> None:
    mine = vidaxl_order(client, "LOG-1")
    other = vidaxl_order(client, "LOG-2")
    client.get(f"{VIDAXL_ORDERS}?id_eq={mine}", auth=VIDAXL_DEMO)
    client.get(f"{VIDAXL_ORDERS}?id_eq={other}", auth=VIDAXL_DEMO)
    client.get(VIDAXL_ORDERS, auth=VIDAXL_DEMO)  # a list names no order
    events = f"/_sandbox/vidaxl/orders/{mine}/events"
    assert client.post(events, json={"event": "submit"}).status_code == 200
    dashboard = {"X-Sandbox-Client": "dashboard"}  # as the dashboard's buttons say
    assert client.post(events, json={"event": "prepare"}, headers=dashboard).status_code == 409  # refused
    assert client.post(f"/_sandbox/vidaxl/orders/{other}/events", json={"event": "cancel"}).status_code == 200
    assert order_log(client, "vidaxl", mine) == [
        (7, "sandbox", 409, f"POST {events}"),
        (6, "sandbox", 200, f"POST {events}"),
        (3, "vidaxl", 200, f"GET {VIDAXL_ORDERS}?id_eq={mine}"),
        (1, "vidaxl", 200, f"POST {VIDAXL_ORDERS}"),
    ]
    assert [number for number, *_ in order_log(client, "vidaxl", other)] == [8, 4, 2]
    # the control API's events are not listed with the APIs' requests, but open by their id
    assert [e["id"] for e in journal(client)] == [5, 4, 3, 2, 1]
    event = client.get("/_sandbox/requests/6").json()
    assert {key: event[key] for key in ("api", "operation", "credential", "body", "status")} == {
        "api": "sandbox",
        "operation": "applyEvent",
        "credential": "control",
        "body": '{"event":"submit"}',
        "status": 200,
    }
    assert client.get("/_sandbox/requests/7").json()["credential"] == "dashboard"
    assert '"previousStatus":"Temporary"' in event["responseBody"]


def test_a_fixje_order_page_lists_its_create_and_its_reads(client: TestClient) -> None:
    partner = Partner.login(client)
    created = partner.post("/api/v1/orders", json=partner.order_body()).json()
    order_id = created["orderId"]
    partner.get(f"/api/v1/orders/{order_id}")
    partner.get(f"/api/v1/orders/{order_id.upper()}")  # the same order
    partner.get("/api/v1/orders")
    shown = order_log(client, "fixje", order_id)
    assert [(status, line) for _, _, status, line in shown] == [
        (200, f"GET /api/v1/orders/{order_id.upper()}"),
        (200, f"GET /api/v1/orders/{order_id}"),
        (200, "POST /api/v1/orders"),
    ]


def test_request_headers_are_kept_to_their_first_8_kib(client: TestClient) -> None:
    client.get(VIDAXL_ORDERS, auth=VIDAXL_DEMO, headers={"X-Big": "b" * 20_000, "X-After": "gone"})
    headers = journal(client)[0]["requestHeaders"]
    assert headers["x-big"].startswith("bbb") and len(headers["x-big"]) < 8192
    assert len("\n".join(f"{name}: {value}" for name, value in headers.items())) == 8192
    assert "x-after" not in headers
