"""The access log: uvicorn's lines, byte for byte, written in batches."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter

from sandbox.accesslog import BatchedAccessLog, FastAccess, batch_access_log
from tests.helpers import VIDAXL_DEMO
from tests.live import serve

UVICORN_FORMAT = LOGGING_CONFIG["formatters"]["access"]["fmt"]
ACCESS_ARGS = [
    ("127.0.0.1:50000", "GET", "/api/v1/orders?pagesize=10", "1.1", 200),
    ("127.0.0.1:50001", "POST", "/api_customer/orders", "1.1", 422),
    ("[::1]:50002", "DELETE", "/_sandbox/faults/7", "1.1", 204),
    ("127.0.0.1:50003", "GET", "/x", "1.0", 599),  # no reason phrase
    ("127.0.0.1:50004", "GET", "/_sandbox/ui?token=***", "1.1", 303),
]


def record(args: tuple[object, ...]) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )


@pytest.mark.parametrize("colours", [False, True], ids=["plain", "coloured"])
def test_each_line_is_the_one_uvicorn_writes_a_moment_later(colours: bool) -> None:
    uvicorn = AccessFormatter(UVICORN_FORMAT, use_colors=colours)
    stream = io.StringIO()
    log = BatchedAccessLog(stream, uvicorn)

    async def requests_answered() -> None:  # as uvicorn logs: on the event loop
        for args in ACCESS_ARGS:
            log.handle(record(args))
        assert stream.getvalue() == ""
        await asyncio.sleep(0.2)

    asyncio.run(requests_answered())
    assert stream.getvalue() == "".join(f"{uvicorn.format(record(args))}\n" for args in ACCESS_ARGS)
    assert stream.getvalue().startswith("\x1b[32mINFO\x1b[0m:     " if colours else "INFO:     ")


def test_a_burst_is_written_at_once_when_the_buffer_is_full_and_without_a_loop_at_once() -> None:
    stream = io.StringIO()
    log = BatchedAccessLog(stream, AccessFormatter(UVICORN_FORMAT, use_colors=False))

    async def burst() -> None:
        for _ in range(511):
            log.handle(record(ACCESS_ARGS[0]))
        assert stream.getvalue() == ""
        log.handle(record(ACCESS_ARGS[0]))
        assert stream.getvalue().count("\n") == 512

    asyncio.run(burst())
    log.handle(record(ACCESS_ARGS[1]))  # at start or stop, with no loop running
    assert stream.getvalue().count("\n") == 513


def test_it_takes_the_place_of_uvicorns_access_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(logger, "handlers", [])
    uvicorn.Config("sandbox.app:create_app", log_level="info")  # installs uvicorn's logging
    (handler,) = logger.handlers
    batch_access_log()
    (batched,) = logger.handlers
    assert isinstance(batched, BatchedAccessLog) and isinstance(handler, logging.StreamHandler)
    assert (batched.stream, batched.uvicorn) == (handler.stream, handler.formatter)


def test_fast_access_writes_uvicorns_line_with_a_token_masked_and_honours_the_level() -> None:
    """What uvicorn's protocol calls in place of `logger.info`: the same line, no record made."""
    logger = logging.getLogger("tests.accesslog.fast")  # a logger of the manager's, as uvicorn's is
    logger.setLevel(logging.INFO)
    formatter = AccessFormatter(UVICORN_FORMAT, use_colors=False)
    stream = io.StringIO()
    log = BatchedAccessLog(stream, formatter)
    access = FastAccess(logger, log)

    async def requests_answered() -> None:
        for args in ACCESS_ARGS:
            access.info('%s - "%s %s HTTP/%s" %d', *args)
        access.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:50005", "GET", "/_sandbox/ui?x=1&token=abc", "1.1", 303
        )
        logger.setLevel(logging.WARNING)
        access.info('%s - "%s %s HTTP/%s" %d', *ACCESS_ARGS[0])
        await asyncio.sleep(0.2)

    asyncio.run(requests_answered())
    masked = ("127.0.0.1:50005", "GET", "/_sandbox/ui?x=1&token=***", "1.1", 303)
    expected = [f"{formatter.format(record(args))}\n" for args in [*ACCESS_ARGS, masked]]
    assert stream.getvalue() == "".join(expected)


def test_fast_access_is_given_only_for_the_one_batched_handler_and_no_filter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logger = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "filters", [])
    uvicorn.Config("sandbox.app:create_app", log_level="info")
    access = batch_access_log()
    assert isinstance(access, FastAccess) and access.log is logger.handlers[0]
    logger.addFilter(lambda record: True)
    assert batch_access_log() is None
    logger.filters.clear()
    logger.addHandler(logging.NullHandler())
    assert batch_access_log() is None


REQUESTS = re.compile(r'- "GET /(_sandbox/clock|api/v1/orders|_sandbox/ui\?)')


@pytest.mark.live
def test_a_real_server_logs_each_request_within_a_moment() -> None:
    """At the default log level (info) each request has uvicorn's line, the dashboard's `?token=`
    masked, written a moment after the answer (the batch waits 50 ms), not at the next request."""
    with serve("--freeze", "--log-level", "info") as server, requests.Session() as session:
        for path in ("/_sandbox/clock", "/api/v1/orders", "/_sandbox/ui?token=abc&x=1"):
            session.get(f"{server.url}{path}", allow_redirects=False, timeout=5)
        deadline = time.monotonic() + 2
        while len(lines := [line for line in server.log if REQUESTS.search(line)]) < 3:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.02)
    client = r"INFO:     127\.0\.0\.1:\d+ - "
    assert re.fullmatch(rf'{client}"GET /_sandbox/clock HTTP/1\.1" 200 OK\n', lines[0])
    assert re.fullmatch(rf'{client}"GET /api/v1/orders HTTP/1\.1" 401 Unauthorized\n', lines[1])
    assert re.fullmatch(rf'{client}"GET /_sandbox/ui\?token=\*\*\*&x=1 HTTP/1\.1" 200 OK\n', lines[2])
    assert len(lines) == 3


@pytest.mark.live
def test_log_format_json_writes_one_object_a_line_per_api_request() -> None:
    """`--log-format json`: after the banner, standard output holds one JSON object per API request
    (the control API's and the dashboard's requests are not the APIs'), in place of uvicorn's access
    lines."""
    with serve("--freeze", "--log-level", "info", "--log-format", "json") as server:
        with requests.Session() as session:
            session.post(f"{server.url}/_sandbox/faults", json={"api": "vidaxl", "status": 503, "times": 1})
            session.get(f"{server.url}/api/v1/orders", timeout=5)
            session.get(f"{server.url}/api_customer/orders.json", auth=VIDAXL_DEMO, timeout=5)
            session.get(f"{server.url}/_sandbox/clock", timeout=5)
            # journaled for the order's page, but no API request
            session.post(
                f"{server.url}/_sandbox/vidaxl/orders/70001/events", json={"event": "pay"}, timeout=5
            )
        banner = len(server.printed("stdout"))
        deadline = time.monotonic() + 2
        while len(server.printed("stdout")) < banner + 2:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.02)
        time.sleep(0.1)  # nothing more comes
        printed = server.printed("stdout")[banner:]
    lines = [json.loads(line) for line in printed]
    for line in lines:
        assert line.pop("durationMs") >= 0
        logged = datetime.fromisoformat(line.pop("time"))
        assert logged.tzinfo == UTC and abs(datetime.now(UTC) - logged) < timedelta(
            minutes=1
        )  # the wall clock's
    assert lines == [
        {
            "sandboxTime": "2026-11-02T09:00:00Z",
            "id": 1,
            "supplier": "fixje",
            "operation": "listOrders",
            "method": "GET",
            "path": "/api/v1/orders",
            "status": 401,
            "tenant": None,
            "fault": None,
        },
        {
            "sandboxTime": "2026-11-02T09:00:00Z",
            "id": 2,
            "supplier": "vidaxl",
            "operation": "listOrdersJson",
            "method": "GET",
            "path": "/api_customer/orders.json",
            "status": 503,
            "tenant": VIDAXL_DEMO[0],
            "fault": "fault-1",
        },
    ]
