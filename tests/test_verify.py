"""`sandbox verify`, the drift check: run through the command line against a second sandbox process
whose answers are changed on purpose (tests/drift_server.py), or against a plain `sandbox serve`
(no drift); the comparison itself on answers made by hand; the pacing on a fake clock; the generic
code with the toy supplier, called in process."""

from __future__ import annotations

import itertools
import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.app import create_app
from sandbox.cli import main
from sandbox.drift import (
    Answer,
    compare,
    compare_shapes,
    csv_header,
    header_differences,
    json_shape,
    xml_shape,
)
from sandbox.probes import Probe, Probes
from sandbox.process import ServerProcess
from sandbox.resources import spec_path
from sandbox.settings import Settings
from sandbox.spec.loader import load_spec
from sandbox.suppliers import SUPPLIERS
from sandbox.verify import AppTransport, Pacer, Request, verify
from tests.drift_server import Drift
from tests.helpers import FIXJE_DEMO, VIDAXL_DEMO
from tests.toy.supplier import TOY

ROOT = Path(__file__).resolve().parents[1]
Outcome = tuple[int, str, str]
"""A run's exit status, what it printed and what it printed on stderr."""

CREDENTIALS = {
    "fixje": {"client_id": FIXJE_DEMO[0], "client_secret": FIXJE_DEMO[1]},
    "vidaxl": {"email": VIDAXL_DEMO[0], "token": VIDAXL_DEMO[1]},
}
"""The default fixtures' first accounts, which a sandbox process started from them accepts."""

CHANGES: list[dict[str, Any]] = [
    {"path": "/api/v1/login", "drop-header": "Cache-Control"},
    {"path": "/api/v1/orders", "rename": ["data[].reference", "ref"]},
    {"path": "/api/v1/orders/*", "replace": ["orderStatus>", "state>"]},
    {"path": "/api/v1/products", "set": ["data[].sku", 0]},
    {"path": "/api/v1/storefronts", "status": 503},
    # a redirect is reported, not followed (which would carry the credentials elsewhere)
    {"path": "/api/v1/shipping-methods", "status": 302, "add-header": ["Location", "/api/v1/storefronts"]},
    {"path": "/api_customer/orders.json", "rename": ["[].order.order_number", "order_no"]},
    {"path": "/api_customer/orders.xml", "replace": ["order-number", "order-no"]},
    {"path": "/api_customer/orders.csv", "replace": ["order_number,", "order_no,"]},
    {"path": "/api_customer/products.json", "set": ["data[].code", 146400]},
    {"path": "/api_customer/products.json", "set": ["data[].created_at", "02/11/2026"]},
    {"path": "/api_customer/products.xml", "status": 503},
]
"""What the drifted sandbox changes: a field renamed, a number where a string was, another status,
a header left out, a redirect, an XML element and a CSV column renamed, a date in another format."""

REPORTED = {
    "fixje": {
        "login": [("header", "Cache-Control", "absent", "present")],
        "orders": [
            ("schema", "data[].reference", "The reference field is required. (and 9 more like it)", None),
            ("extra", "data[].ref", "string", None),
            ("missing", "data[].reference", None, "string"),
        ],
        "order": [],
        "order-xml": [("missing", "Order/orderStatus", None, "text"), ("extra", "Order/state", "text", None)],
        "products": [
            ("schema", "data[].sku", "Expected a string, got an integer: 0. (and 9 more like it)", None),
            ("type", "data[].sku", "integer", "string"),
        ],
        "shipping-methods": [("status", "", 302, 200), ("undocumented", "", 302, None)],
        "storefronts": [
            ("status", "", 503, 200),
            ("undocumented", "", "application/json", None),
        ],
    },
    "vidaxl": {
        "orders-json": [
            (
                "schema",
                "[].order.order_number",
                "The order_number field is required. (and 3 more like it)",
                None,
            ),
            ("extra", "[].order.order_no", "string", None),
            ("missing", "[].order.order_number", None, "string"),
        ],
        "orders-xml": [
            ("extra", "orders/order/order-no", "text", None),
            ("missing", "orders/order/order-number", None, "text"),
        ],
        "orders-csv": [("extra", "order_no", "column", None), ("missing", "order_number", None, "column")],
        "order": [
            ("schema", "[].order.order_number", "The order_number field is required.", None),
            ("extra", "[].order.order_no", "string", None),
            ("missing", "[].order.order_number", None, "string"),
        ],
        "products-json": [
            (
                "schema",
                "data[].code",
                "Expected a string, got an integer: 146400. (and 9 more like it)",
                None,
            ),
            (
                "schema",
                "data[].created_at",
                'The value "02/11/2026" is not a valid date and time (RFC 3339). (and 9 more like it)',
                None,
            ),
            ("type", "data[].code", "integer", "string"),
            ("format", "data[].created_at", "text", "date-time"),
        ],
        "products-xml": [("status", "", 503, 200), ("undocumented", "", "application/xml", None)],
        "products-csv": [],
    },
}
"""Each call's differences as `--json` reports them: (kind, path, real, sandbox)."""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    code = main(["verify", *args])
    out, err = capsys.readouterr()
    return code, out, err


def options(api: str, url: str) -> list[str]:
    """`SUPPLIER --base-url URL` and the credentials as options."""
    given = [api, "--base-url", url]
    for name, value in CREDENTIALS[api].items():
        given += ["--" + name.replace("_", "-"), value]
    return given


def differences(call: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    return [(d["kind"], d["path"], d["real"], d["sandbox"]) for d in call["differences"]]


def drift_server(changes: list[dict[str, Any]]) -> ServerProcess:
    """tests/drift_server.py with `changes`, from the checkout's root (where `tests` is a package)."""
    command = [sys.executable, "-m", "tests.drift_server", json.dumps(changes)]
    return ServerProcess(command, name="the drifted sandbox", cwd=ROOT)


@pytest.fixture(scope="module")
def same() -> Iterator[ServerProcess]:
    """A plain `sandbox serve` of the same build and the default fixtures."""
    with ServerProcess.sandbox() as server:
        yield server


@pytest.fixture(scope="module")
def drifted() -> Iterator[ServerProcess]:
    with drift_server(CHANGES) as server:
        yield server


# --- against a second sandbox process -------------------------------------------------------------


@pytest.mark.live
@pytest.mark.parametrize("api", ["fixje", "vidaxl"])
def test_a_sandbox_of_the_same_build_shows_no_drift(
    api: str, same: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *options(api, same.url), "--json")
    assert code == 0, out + err
    report = json.loads(out)
    assert (report["supplier"], report["baseUrl"], report["result"], report["error"]) == (
        api,
        same.url,
        "same",
        None,
    )
    assert report["summary"] == {"calls": 7, "same": 7, "drift": 0, "skipped": 0}
    assert [call["name"] for call in report["calls"]] == list(REPORTED[api])
    for call in report["calls"]:
        assert (call["verdict"], call["differences"], call["real"]) == ("same", [], call["sandbox"])
    secret = list(CREDENTIALS[api].values())[1]
    assert secret not in out + err


@pytest.mark.live
@pytest.mark.parametrize("api", ["fixje", "vidaxl"])
def test_each_difference_is_reported_exactly(
    api: str, drifted: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *options(api, drifted.url), "--json")
    assert code == 1, out + err
    report = json.loads(out)
    assert report["result"] == "drift" and report["exitCode"] == 1
    assert {call["name"]: differences(call) for call in report["calls"]} == REPORTED[api]
    drifts = sum(1 for changes in REPORTED[api].values() if changes)
    assert report["summary"] == {"calls": 7, "same": 7 - drifts, "drift": drifts, "skipped": 0}
    status = next(
        call for call in report["calls"] if call["verdict"] == "drift" and call["real"]["status"] == 503
    )
    assert status["notes"] == ["the statuses differ, so the bodies were not compared"]


@pytest.mark.parametrize("api", ["fixje", "vidaxl"])
def test_each_difference_is_reported_exactly_in_process(api: str) -> None:
    """The same changes to an app called in process: what `make check` runs of it."""
    supplier = next(supplier for supplier in SUPPLIERS if supplier.name == api)
    with AppTransport(Drift(create_app(Settings()), CHANGES)) as real:
        report = verify(supplier, "https://drifted.test", CREDENTIALS[api], real=real)
    assert report.exit_code == 1
    assert {call.probe.name: differences(call.json()) for call in report.calls} == REPORTED[api]


@pytest.mark.live
def test_the_table_shows_each_call_with_its_differences_under_it(
    drifted: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *options("fixje", drifted.url))
    assert code == 1
    lines = out.splitlines()
    assert (
        lines[0]
        == f"sandbox verify fixje: {drifted.url} against the sandbox 0.1.0 (fixtures default.yaml, seed 42)"
    )
    assert lines[2].split() == ["CALL", "OPERATION", "REQUEST", "REAL", "SANDBOX", "VERDICT"]
    start = lines.index(next(line for line in lines if line.startswith("products ")))
    request = "GET /api/v1/products?page=1&pageSize=10"
    assert lines[start].split() == ["products", "listProducts", *request.split(), "200", "200", "drift"]
    assert lines[start + 1 : start + 3] == [
        "    schema        data[].sku: Expected a string, got an integer: 0. (and 9 more like it)",
        "    type          data[].sku: real integer, sandbox string",
    ]
    assert lines[-2:] == [
        "7 calls: 1 same, 6 drifted, 0 skipped.",
        "Drift: the real service differs from the spec or the sandbox (exit status 1).",
    ]


@pytest.mark.live
def test_an_empty_list_leaves_its_items_uncompared_and_is_no_drift(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with drift_server([{"path": "/api/v1/orders", "set": ["data", []]}]) as server:
        code, out, err = run(capsys, *options("fixje", server.url), "--json")
    assert code == 0, out + err
    calls = {call["name"]: call for call in json.loads(out)["calls"]}
    assert (calls["orders"]["verdict"], calls["orders"]["notes"]) == (
        "same",
        ["data: empty or null in the real answer, so the sandbox's content of it was not compared"],
    )
    for name in ("order", "order-xml"):
        assert (calls[name]["verdict"], calls[name]["real"], calls[name]["notes"]) == (
            "skipped",
            None,
            ["skipped: it needs order_id, which the real answer to orders did not give"],
        )


@pytest.mark.live
@pytest.mark.parametrize("api", ["fixje", "vidaxl"])
def test_refused_credentials_end_the_check_with_status_2(
    api: str, same: ServerProcess, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secret from the environment, never shown, not even in the JSON."""
    wrong = "wrong-Secret-4711"
    first, second = CREDENTIALS[api]
    monkeypatch.setenv("SANDBOX_VERIFY_BASE_URL", same.url)
    monkeypatch.setenv(f"SANDBOX_VERIFY_{first.upper()}", CREDENTIALS[api][first])
    monkeypatch.setenv(f"SANDBOX_VERIFY_{second.upper()}", wrong)
    code, out, err = run(capsys, api, "--json")
    assert code == 2
    call = {"fixje": "login", "vidaxl": "orders-json"}[api]
    message = f"the service refused the credentials (401 to {call})"
    assert err == f"sandbox verify {api}: {message}\n"
    report = json.loads(out)
    assert (report["result"], report["exitCode"], report["error"], report["calls"]) == (
        "error",
        2,
        message,
        [],
    )
    assert wrong not in out + err


@pytest.mark.live
def test_a_pause_spaces_the_requests_when_asked(
    same: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    """On loopback requests go at once unless `--pause` says otherwise: 7 calls, 6 pauses."""
    began = time.monotonic()
    assert run(capsys, *options("vidaxl", same.url))[0] == 0
    assert time.monotonic() - began < 6 * 1.0
    began = time.monotonic()
    assert run(capsys, *options("vidaxl", same.url), "--pause", "0.3")[0] == 0
    assert time.monotonic() - began >= 6 * 0.3


def test_a_service_that_does_not_answer_ends_the_check_with_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out, err = run(capsys, *options("vidaxl", f"http://127.0.0.1:{port}"))
    assert (code, out) == (2, "")
    # after the warning that the token was given on the command line
    assert err.splitlines()[-1].startswith(
        f"sandbox verify vidaxl: no answer from http://127.0.0.1:{port}: [Errno "
    )
    assert err.endswith("Connection refused\n")
    assert VIDAXL_DEMO[1] not in err


# --- the command line -----------------------------------------------------------------------------


def test_help_lists_the_suppliers_and_their_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["verify", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for supplier in SUPPLIERS:
        listed = ", ".join(c.option for c in supplier.probes.credentials)
        assert f"  {supplier.name:<10} {listed}  ({supplier.title})" in out
    assert "  fixje      --client-id, --client-secret  (Fixje Partner Web API)" in out
    assert "  vidaxl     --email, --token  (vidaXL customer API)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["vidaxl", "--email", "a@b.c", "--token", "t"], "give the service's address with --base-url"),
        (
            ["vidaxl", "--base-url", "ftp://x", "--email", "a", "--token", "t"],
            "must be an http:// or https://",
        ),
        (
            ["vidaxl", "--base-url", "https://u:p@x", "--email", "a", "--token", "t"],
            "must not hold credentials",
        ),
        (
            ["vidaxl", "--base-url", "ftp://u:p@x:0x", "--email", "a", "--token", "t"],
            "must not hold credentials",
        ),
        (
            ["vidaxl", "--base-url", "http://[::1", "--email", "a", "--token", "t"],
            "is not a URL: Invalid IPv6 URL",
        ),
        (["vidaxl", "--base-url", "https://x:99999", "--email", "a", "--token", "t"], "Port out of range"),
        (["vidaxl", "--base-url", "https://x/?a=1", "--email", "a", "--token", "t"], "no query or fragment"),
        (["vidaxl", "--base-url", "https://x", "--token", "t"], "give --email (or SANDBOX_VERIFY_EMAIL)"),
        (
            ["fixje", "--base-url", "https://x", "--client-id", "c"],
            "give --client-secret (or SANDBOX_VERIFY_CLIENT_SECRET)",
        ),
        (
            ["vidaxl", "--base-url", "https://example.com", "--email", "a", "--token", "t", "--pause", "0.5"],
            "--pause must be at least 1 s off loopback: never more than 1 request a second",
        ),
    ],
)
def test_wrong_options_are_refused_with_status_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BASE_URL", "EMAIL", "TOKEN", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(f"SANDBOX_VERIFY_{name}", raising=False)
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert message in err.splitlines()[-1]
    assert "Traceback" not in err and "u:p@" not in err  # a URL's credentials are not shown


@pytest.mark.parametrize("value", ["-1", "nan", "61", "soon"])
def test_a_pause_out_of_range_is_refused(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["verify", "vidaxl", "--base-url", "http://127.0.0.1:1", "--pause", value])
    assert done.value.code == 2
    assert "argument --pause" in capsys.readouterr().err


def test_a_secret_on_the_command_line_is_warned_of(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "vidaxl", "--base-url", "ftp://x", "--email", "a", "--token", "t0k3n-value")
    assert code == 2
    assert err.splitlines()[0] == (
        "sandbox: warning: --token on the command line can be read by other users (ps); "
        "prefer SANDBOX_VERIFY_TOKEN"
    )


def test_a_drift_check_only_reads() -> None:
    with pytest.raises(ValueError, match="the drift check only reads: cancel is a POST"):
        Probes((), (Probe("cancel", "cancelOrder", "/orders/1/cancel", method="POST"),), dict, dict)


# --- pacing ---------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_the_pacer_lets_one_request_go_per_interval() -> None:
    clock = FakeClock()
    pacer = Pacer(1.0, clock, clock.sleep)
    starts = []
    for work in (0.0, 0.25, 1.5, 0.0):
        pacer.wait()
        starts.append(clock.now)
        clock.now += work  # the request's own time counts toward the pause
    assert clock.slept == [1.0, 0.75]  # none after a request that took longer than the pause
    assert [round(b - a, 6) for a, b in itertools.pairwise(starts)] == [1.0, 1.0, 1.5]


# --- the comparison -------------------------------------------------------------------------------


def shapes_differ(
    real: Any, sandbox: Any, schema: Any = None
) -> tuple[list[tuple[str, str, Any, Any]], list[str]]:
    found, notes = compare_shapes(json_shape(real, schema), json_shape(sandbox, schema))
    return [(d.kind, d.path, d.real, d.sandbox) for d in found], notes


@pytest.mark.parametrize(
    ("real", "sandbox", "expected"),
    [
        ({"a": 1, "b": "x"}, {"a": 2, "b": "y"}, []),
        ({"a": 1}, {"a": 1, "b": {"c": 1}}, [("missing", "b", None, "object")]),  # not b.c as well
        ({"a": 1, "z": [1]}, {"a": 1}, [("extra", "z", "array", None)]),
        ({"d": {"x": 1}}, {"d": [{"x": 1}]}, [("type", "d", "object", "array")]),  # not d.x, d[], d[].x
        ({"a": "1"}, {"a": 1}, [("type", "a", "string", "integer")]),
        ({"a": 1}, {"a": 1.5}, []),  # one JSON number
        ({"a": None}, {"a": "x"}, []),  # null goes with any type
        ([{"a": None}, {"a": True}], [{"a": "x"}], [("type", "[].a", "boolean", "string")]),
        ({"t": "2026-11-02 09:00"}, {"t": "2026-11-02T09:00:00Z"}, [("format", "t", "text", "date-time")]),
        ({"m": "95,97"}, {"m": "95.97"}, [("format", "m", "text", "decimal")]),
        ({"m": ""}, {"m": "95.97"}, []),  # an empty text has no format
        ({"d": "2026-11-02", "e": "a@b.nl"}, {"d": "2026-11-02", "e": "x@y.com"}, []),
    ],
)
def test_json_shapes_compare_types_formats_and_fields(real: Any, sandbox: Any, expected: list[Any]) -> None:
    assert shapes_differ(real, sandbox)[0] == expected


def test_what_an_empty_list_holds_is_a_note_not_a_difference() -> None:
    found, notes = shapes_differ({"data": []}, {"data": [{"id": 1}]})
    assert (found, notes) == (
        [],
        ["data: empty or null in the real answer, so the sandbox's content of it was not compared"],
    )
    found, notes = shapes_differ({"data": [{"id": 1}]}, {"data": None})
    assert (found, notes) == (
        [],
        ["data: empty or null in the sandbox's answer, so the real content of it was not compared"],
    )
    assert shapes_differ({"data": []}, {"data": []}) == (
        [],
        ["data: empty in both answers, so its items were not compared"],
    )


def test_the_keys_of_a_map_the_spec_declares_are_not_fields() -> None:
    schema = {"properties": {"items": {"type": "object", "additionalProperties": {"type": "integer"}}}}
    assert shapes_differ({"items": {"SKU-1": 2}}, {"items": {"SKU-9": 1}}, schema) == ([], [])
    assert shapes_differ({"items": {"SKU-1": "2"}}, {"items": {"SKU-9": 1}}, schema)[0] == [
        ("type", "items.*", "string", "integer")
    ]
    # without the spec's word they are fields
    assert [kind for kind, *_ in shapes_differ({"items": {"SKU-1": 2}}, {"items": {"SKU-9": 1}})[0]] == [
        "extra",
        "missing",
    ]


def test_xml_compares_element_paths_and_their_types() -> None:
    real = (
        b'<orders type="array"><order><id type="integer">1</id><total type="float">1.5</total>'
        b"<note/></order></orders>"
    )
    sandbox = (
        b'<orders type="array"><order><id type="integer">2</id><total type="decimal">2.5</total>'
        b'<note nil="true"/><sent>x</sent></order></orders>'
    )
    found, _ = compare_shapes(xml_shape(real), xml_shape(sandbox))
    assert [(d.kind, d.path, d.real, d.sandbox) for d in found] == [
        ("missing", "orders/order/sent", None, "text"),
        ("type", "orders/order/total", "float", "decimal"),
    ]


def test_csv_compares_the_header_row() -> None:
    assert csv_header(b"\xef\xbb\xbfid,name\r\n1,x\r\n") == ["id", "name"]
    assert [(d.kind, d.path) for d in header_differences(["id", "nom"], ["id", "name"])] == [
        ("extra", "nom"),
        ("missing", "name"),
    ]
    (order,) = header_differences(["name", "id"], ["id", "name"])
    assert (order.kind, order.real, order.sandbox) == ("column-order", "name,id", "id,name")


def test_an_answer_is_checked_against_its_spec_and_its_media_type() -> None:
    op = load_spec(spec_path("fixje")).operation("listShippingMethods")
    good = b'{"statusCode":"OK","totalCount":0,"data":[]}'
    sandbox = Answer(200, {"content-type": "application/json; charset=utf-8"}, good)
    html = Answer(200, {"content-type": "text/html"}, b"<html></html>")
    found, notes = compare(op, html, sandbox)
    assert [(d.kind, d.real, d.sandbox) for d in found] == [
        ("media-type", "text/html", "application/json"),
        ("undocumented", "text/html", None),
    ]
    assert notes == ["the media types differ, so the bodies were not compared"]
    broken = Answer(200, {"content-type": "application/json"}, b'{"statusCode":"OK","totalCount":0,"data":[')
    assert [(d.kind, d.message) for d in compare(op, broken, sandbox)[0]] == [
        ("body", "the real answer is not JSON: Expecting value: line 1 column 43 (char 42)")
    ]
    moved = Answer(302, {"location": "https://elsewhere"}, b"")
    assert [(d.kind, d.real, d.message) for d in compare(op, moved, sandbox)[0]] == [
        ("status", 302, "status: real 302, sandbox 200"),
        ("undocumented", 302, "listShippingMethods documents no 302 answer"),
    ]


def test_a_documented_header_is_compared_with_the_sandboxs() -> None:
    """A header the spec documents is a difference when one answer has it and the other not."""
    op = load_spec(spec_path("fixje")).operation("login")
    body = b'{"access_token":"x","token_type":"Bearer","expires_in":3600}'
    bare = Answer(200, {"content-type": "application/json"}, body)
    kept = Answer(200, {"content-type": "application/json", "cache-control": "no-store"}, body)
    assert compare(op, bare, bare) == ([], [])
    assert [(d.kind, d.path, d.real, d.sandbox, d.message) for d in compare(op, kept, bare)[0]] == [
        (
            "header",
            "Cache-Control",
            "present",
            "absent",
            "header Cache-Control (documented for 200): the real service sends it, the sandbox does not",
        )
    ]


def test_what_the_sign_in_gives_is_masked_too() -> None:
    """The access token of a Fixje login is as secret as the credentials: here the real service puts it
    where the spec wants "Bearer", and the schema's message would quote it."""
    fixje = next(supplier for supplier in SUPPLIERS if supplier.name == "fixje")
    tokens: list[str] = []
    with AppTransport(create_app(Settings())) as app:

        def leaky(request: Request) -> Answer:
            answer = app(request)
            if request.target == "/api/v1/login":
                body = json.loads(answer.body)
                tokens.append(body["access_token"])
                body["token_type"] = body["access_token"]
                answer = Answer(answer.status, answer.headers, json.dumps(body).encode())
            return answer

        report = verify(fixje, "https://fixje.test", CREDENTIALS["fixje"], real=leaky)
    assert [(d.kind, d.path) for d in report.calls[0].differences] == [("schema", "token_type")]
    assert 'The value \\"***\\" must be \\"Bearer\\".' in report.json()
    assert tokens and tokens[0] not in report.text() + report.json()


# --- the generic code, with a supplier of the tests' own ------------------------------------------


def test_the_toy_supplier_is_checked_by_its_own_probes() -> None:
    """Nothing in the check knows a supplier: the toy's calls, credentials and sign-in are its own."""
    suppliers = (*SUPPLIERS, TOY)
    key = {"key": "toy-demo-key"}
    with AppTransport(create_app(Settings(), suppliers)) as real:
        report = verify(TOY, "http://toy.test", key, real=real, suppliers=suppliers)
    assert (report.exit_code, [(c.probe.name, c.verdict) for c in report.calls]) == (
        0,
        [("orders", "same"), ("order", "same")],
    )
    changed = [{"path": "/toy/v1/orders/1", "set": ["quantity", "toy-demo-key"]}]
    with AppTransport(Drift(create_app(Settings(), suppliers), changed)) as real:
        report = verify(TOY, "http://toy.test", key, real=real, suppliers=suppliers)
    assert report.exit_code == 1
    assert [(d.kind, d.path) for d in report.calls[1].differences] == [
        ("schema", "quantity"),
        ("type", "quantity"),
    ]
    # the key is masked wherever it would show, even in a message that quotes the answer
    assert "toy-demo-key" not in report.text() + report.json()
    assert 'Expected an integer, got a string: \\"***\\".' in report.json()
