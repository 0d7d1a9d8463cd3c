"""Lists of any length: the vidaXL order and document lists are made as they are sent, whole up to
a chunk's size and in chunks beyond it, with the same bytes either way, each item checked against
the spec; over a real server a long list streams to a slow reader while the health check answers."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.resources import read_yaml, spec_path
from sandbox.spec import router
from sandbox.spec.loader import load_spec
from sandbox.spec.router import ResponseContractError
from sandbox.spec.xmlcodec import xml_writer
from sandbox.vidaxl import api, tabular, views
from sandbox.vidaxl.world import Order
from tests.helpers import VIDAXL_DEMO, Customer, basic, make_app, runtime, vidaxl_world
from tests.live import Server, serve

ROOT = Path(__file__).resolve().parent.parent
EVERY_DAY = {"submitted_at_gteq": "2000-01-01"}
LISTS = [
    ("/api_customer/orders.json", EVERY_DAY, {}),
    ("/api_customer/orders.xml", EVERY_DAY, {}),
    ("/api_customer/orders.csv", EVERY_DAY, {}),
    ("/api_customers/orders", EVERY_DAY, {"Accept": "application/xml"}),
    ("/api_customer/orders", {}, {}),  # the last 24 hours
    ("/api_customer/orders.xml", {"id_eq": "1"}, {}),  # none
    ("/api_customer/orders/documents", {}, {}),
    ("/api_customer/orders/documents.xml", {}, {}),
]


def fixtures_with(directory: Path, orders: int) -> Path:
    """The default fixtures with `orders` orders per vidaXL customer."""
    text = (ROOT / "fixtures" / "default.yaml").read_text(encoding="utf-8")
    path = directory / f"orders-{orders}.yaml"
    path.write_text(
        text.replace("orders_per_customer: 16", f"orders_per_customer: {orders}"), encoding="utf-8"
    )
    assert read_yaml(path.read_text(encoding="utf-8"))["vidaxl"]["orders_per_customer"] == orders
    return path


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app whose demo customer has 300 orders: about 225 submitted, 1 MB of JSON."""
    fixtures = fixtures_with(tmp_path_factory.mktemp("fixtures"), 300)
    with TestClient(make_app(fixtures=fixtures)) as client:
        yield client


def expected(path: str, answer: bytes, parsed: Any) -> bytes:
    """What the whole list's views, rendered at once as the writers render any reply, give."""
    spec = load_spec(spec_path("vidaxl"))
    if path.endswith(".csv"):
        return tabular.to_csv(tabular.order_rows(parsed), tabular.order_columns(spec))
    operation = next(op for op in spec.operations if op.path == path.split("?")[0] and op.method == "GET")
    schema = operation.responses["200"]["application/xml" if b"<?xml" in answer[:10] else "application/json"]
    if b"<?xml" in answer[:10]:
        return xml_writer(spec).document(parsed, schema.schema)
    return router.json_bytes(parsed)


@pytest.mark.parametrize(("path", "params", "headers"), LISTS, ids=[f"{p} {q}" for p, q, _ in LISTS])
@pytest.mark.parametrize(
    ("chunk", "seconds", "whole"),
    [(1, router.CHUNK_SECONDS, False), (10**9, 0.0, True)],
    ids=["an item a chunk", "an item a slice of time"],
)
def test_a_list_has_the_same_bytes_whole_or_in_chunks(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    chunk: int,
    seconds: float,
    whole: bool,
) -> None:
    """The default seed's lists fit in a chunk: sent whole, with a Content-Length. Made an item at a
    time (a chunk of one byte; or no time between two turns of the event loop, still whole), the
    answer has the same bytes, which are those of the views rendered at once."""
    before = client.get(path, params=params, headers=headers, auth=VIDAXL_DEMO)
    assert before.status_code == 200
    assert before.headers["content-length"] == str(len(before.content))
    monkeypatch.setattr(router, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(router, "CHUNK_SECONDS", seconds)
    after = client.get(path, params=params, headers=headers, auth=VIDAXL_DEMO)
    assert (after.status_code, after.headers["content-type"]) == (200, before.headers["content-type"])
    assert ("content-length" in after.headers) is whole
    assert after.content == before.content
    json_answer = client.get(
        path.replace(".xml", ".json").replace(".csv", ".json"), params=params, auth=VIDAXL_DEMO
    )
    assert after.content == expected(path, after.content, json_answer.json())


@pytest.mark.parametrize("path", ["orders.json", "orders.xml", "orders.csv"])
def test_a_long_list_is_sent_in_chunks(large: TestClient, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """Past 256 KiB a list is sent in chunks, without a Content-Length, with the bytes of the whole."""
    streamed = large.get(f"/api_customer/{path}", params=EVERY_DAY, auth=VIDAXL_DEMO)
    assert streamed.status_code == 200
    assert "content-length" not in streamed.headers
    assert len(streamed.content) > router.CHUNK_BYTES
    monkeypatch.setattr(router, "CHUNK_BYTES", 10**9)
    whole = large.get(f"/api_customer/{path}", params=EVERY_DAY, auth=VIDAXL_DEMO)
    assert whole.headers["content-length"] == str(len(whole.content))
    assert streamed.content == whole.content


def test_a_long_list_keeps_the_views_of_its_first_orders_only(large: TestClient) -> None:
    """A list keeps the views of its first 100 orders (clients ask for the newest again); the
    others are made as they are sent and let go."""
    listed = large.get("/api_customer/orders.json", params=EVERY_DAY, auth=VIDAXL_DEMO).json()
    assert len(listed) > 2 * api.KEPT
    vidaxl: Any = runtime(large).apis["vidaxl"]
    assert len(vidaxl._listed) <= api.KEPT
    assert set(vidaxl._listed) == {item["order"]["id"] for item in listed[: len(vidaxl._listed)]}


def test_a_streamed_list_has_its_rate_limit_headers_and_its_journal_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The headers a rate limit adds and the journal's entry are those of any answer."""
    with TestClient(make_app(rate_limits=True)) as client:
        monkeypatch.setattr(router, "CHUNK_BYTES", 1)
        listed = client.get("/api_customer/orders.xml", params=EVERY_DAY, auth=VIDAXL_DEMO)
        assert listed.status_code == 200
        assert "content-length" not in listed.headers
        assert (listed.headers["x-ratelimit-limit"], listed.headers["x-ratelimit-remaining"]) == ("1", "0")
        journal = client.get("/_sandbox/requests", params={"api": "vidaxl"}).json()["requests"]
        seen = [(e["method"], e["path"], e["query"], e["status"], e["credential"]) for e in journal]
        assert seen == [
            ("GET", "/api_customer/orders.xml", "submitted_at_gteq=2000-01-01", 200, VIDAXL_DEMO[0])
        ]


@pytest.mark.parametrize("path", ["orders.json", "orders.xml"])
def test_each_item_of_a_streamed_list_is_checked_against_the_spec(
    monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """With `check_responses` (the tests) a streamed list's every item is checked against the
    array's item schema: an order that breaks the spec, the last of the list, is caught."""
    broken = views.listed

    def listed(order: Order) -> dict[str, Any]:
        view = broken(order)
        if order.id == oldest:
            view["order"]["status_order_id"] = str(view["order"]["status_order_id"])
        return view

    with TestClient(make_app()) as client:
        customer = Customer(client).account()
        oldest = next(o.id for o in vidaxl_world(client).orders.of(customer.key) if o.submitted_at)
        monkeypatch.setattr(views, "listed", listed)
        monkeypatch.setattr(router, "CHUNK_BYTES", 1)
        media = "application/json" if path.endswith("json") else "application/xml"
        item = rf"listOrders(Json|Xml) 200 {media} item: .*status_order_id"
        with pytest.raises(ResponseContractError, match=item):
            client.get(f"/api_customer/{path}", params=EVERY_DAY, auth=VIDAXL_DEMO)


XML_LISTS = [
    (
        ROOT / "tests" / "toy" / "toy.yaml",  # the plain writer
        {"type": "array", "items": {"$ref": "#/components/schemas/Order"}},
        [{"id": 1, "quantity": 2, "note": "a <b> & c"}, {"id": 2, "quantity": None, "extra": [1, 2]}],
    ),
    (
        spec_path("vidaxl"),  # Rails' writer
        {"$ref": "#/components/schemas/OrderList"},
        [{"order": {"id": 1, "order_products": [{"order_product": {"id": 3}}]}}, {"other": True}],
    ),
]


@pytest.mark.parametrize(("spec", "schema", "items"), XML_LISTS, ids=["plain", "rails"])
@pytest.mark.parametrize("count", [0, 1, 2])
def test_an_xml_list_is_its_start_each_item_and_its_end(
    spec: Path, schema: dict[str, Any], items: list[Any], count: int
) -> None:
    """What a streamed XML list is made of gives the bytes of the document of the whole list."""
    writer = xml_writer(load_spec(spec))
    head, item, tail = writer.listing(schema)
    made = head + b"".join(item(value) for value in items[:count]) + tail
    assert made == writer.document(items[:count], schema)


def slow_read(host: str, port: int, path: str, until: float) -> tuple[bytes, int]:
    """GET `path` and read its answer slowly (16 KiB every 10 ms) until `until`: its head, and how
    many bytes came."""
    with socket.create_connection((host, port)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        credentials = basic(*VIDAXL_DEMO)
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {credentials}\r\n\r\n".encode()
        )
        sock.settimeout(0.1)
        start, count = b"", 0
        while time.monotonic() < until:
            try:
                data = sock.recv(16384)
            except TimeoutError:
                continue
            start, count = start or data, count + len(data)
            if not data or data.endswith(b"\r\n0\r\n\r\n"):  # closed, or the last chunk
                break
            time.sleep(0.01)
        return start.partition(b"\r\n\r\n")[0], count


@pytest.fixture(scope="module")
def large_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server whose demo customer has 1,000 orders (about 750 submitted; 1.4 to 6 MB)."""
    with serve("--fixtures", str(fixtures_with(tmp_path_factory.mktemp("fixtures"), 1000))) as server:
        yield server


@pytest.mark.live
@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
def test_health_answers_while_a_long_list_streams_to_a_slow_reader(large_server: Server, fmt: str) -> None:
    """While a long list goes to a client that reads slowly, each health check is answered within
    100 ms (built whole, the XML list of 750 orders held the event loop for 2.5 s)."""
    path = f"/api_customer/orders.{fmt}?submitted_at_gteq=2000-01-01"
    host, port = large_server.host, large_server.port
    found: dict[str, Any] = {}
    until = time.monotonic() + 1.5
    reader = threading.Thread(target=lambda: found.update(answer=slow_read(host, port, path, until)))
    reader.start()
    waits = []
    time.sleep(0.05)
    while reader.is_alive():
        connection = http.client.HTTPConnection(host, port, timeout=5)
        started = time.perf_counter()
        connection.request("GET", "/_sandbox/health")
        answer = connection.getresponse()
        assert (answer.status, json.loads(answer.read())) == (200, {"status": "ok", "durable": False})
        waits.append(time.perf_counter() - started)
        connection.close()
        time.sleep(0.02)
    head, count = found["answer"]
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\ntransfer-encoding: chunked" in head.lower()
    assert count > 1_000_000
    assert len(waits) >= 20
    assert max(waits) < 0.1, sorted(waits)[-5:]
