"""Benchmark the sandbox against the ceiling of its own stack (Starlette on one uvicorn worker).

What it measures, in one run:

* start-up: `sandbox serve` is spawned on a free port and timed from the spawn to the first 200
  of GET /_sandbox/health (polled every 5 ms); repeated --startup-runs times, median and max;
* throughput and latency, with wrk (2 threads, 32 connections, --duration, --latency), of
  Fixje's GET one order, GET a products page of 100 and POST an order, and vidaXL's GET one order
  (`id_eq`), GET a products page of 100, GET orders list (the default 24-hour window) and POST an
  order: against the sandbox and against bench/ceiling.py, a bare Starlette app that answers the
  same paths with the bytes the sandbox gave (captured at the start of the run), in turn, --rounds
  times each; the best run on each is shown (what a run loses to the rest of this shared machine
  only ever slows it: one 10-second run each moved the ratios by up to 15 points from run to run).
* flat cost (--flat-orders, default 100,000; 0 leaves it out): two sandboxes of the default fixtures
  (with a vidaXL schedule that submits a Temporary order after a day, and no Fixje schedule), one
  holding 100 orders of each demo account, the other filled with wrk's POSTs (each with a
  reference of its own; the POSTs' p99 per run as the store grows) to --flat-orders, with 1,000
  tenants per API and a Fixje token each; the clock moved on two days in both, a probe order
  placed; then each of the vidaXL filters (`id_eq`, reference, status, a range of days, a day, the
  24-hour default) and Fixje's GET one order and login on both stores, the same answer from each,
  the best of three 3-second wrk runs: the ratio of their costs must be within 20% of 1;
* large lists (bench/large.py): memory and health checks while 50,000 orders are listed.

Targets for the sandbox (issue 13): GET one order (both APIs) at least 70% of the ceiling's
requests per second, the products pages and POSTs at least 50%, the vidaXL list 50%; p99 under
10 ms for GETs and 15 ms for POSTs at 32 connections; start-up to first 200 under 0.6 s (checked on
the slowest start).

Both servers are started with the package's harness, `sandbox.process.ServerProcess`.
Run it with `make bench` or `.venv/bin/python bench/run.py [--duration 5s] [--rounds 3] [--startup-runs 5]`.
It needs `wrk` (Debian: `apt-get install -y wrk`) and installs it itself when run as root.
It prints a table and writes the same figures to bench/results/latest.json. It exits 0 when the
figures were measured, even when a target fails; non-zero when the benchmark could not run or a
run saw non-2xx answers or socket errors (its figures are then not trustworthy).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import AS_USERS_RUN, VIDAXL_AUTH, fixje_order, vidaxl_order
from large import ORDERS as LIST_ORDERS
from large import large_lists
from memory import MeasureError, Memory, measure_memory
from memory import report as memory_report
from memory import results_json as memory_json

from sandbox.process import ServerError, ServerProcess
from sandbox.resources import read_yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "latest.json"
CEILING = BENCH / "ceiling.py"
CEILING_ENV = "BENCH_CEILING_RESPONSES"  # read by bench/ceiling.py
HOST = "127.0.0.1"
API = "/api/v1"
CLIENT_ID = "fixje-demo-client"
CLIENT_SECRET = "fixje-demo-secret"
THREADS = 2
CONNECTIONS = 32
POLL_INTERVAL = 0.005
READY_TIMEOUT = 30.0
STARTUP_TARGET_S = 0.6
PRODUCTS_PAGE = 100
VIDAXL_LIST = "/api_customer/orders.json"
VIDAXL_CREATE = "/api_customer/orders.json"
VIDAXL_ONE = "/api_customer/orders"
"""vidaXL's list without a suffix (JSON too), so that the ceiling routes it apart from the .json one."""
VIDAXL_PRODUCTS = "/api_customer/products.json"


class BenchError(Exception):
    """The benchmark itself could not run."""


# --- what is measured ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    max_p99_ms: float
    min_ratio: float | None = None

    def describe(self) -> str:
        p99 = f"p99<{self.max_p99_ms:g}ms"
        return p99 if self.min_ratio is None else f">={self.min_ratio:.0%} of ceiling, {p99}"

    def met(self, ratio: float, p99_ms: float) -> bool:
        return p99_ms < self.max_p99_ms and (self.min_ratio is None or ratio >= self.min_ratio)


@dataclass(frozen=True)
class Case:
    """One benchmarked request: its concrete path, the route the ceiling answers it on, and its
    body (None for a GET)."""

    key: str
    label: str
    method: str
    path: str
    route: str
    target: Target
    body: bytes | None = None
    auth: str = ""
    """The Authorization header; empty: the Fixje bearer token."""


@dataclass(frozen=True)
class Captured:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class WrkResult:
    requests_per_sec: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: dict[str, int]

    def problems(self) -> list[str]:
        found = [f"{self.non_2xx} non-2xx/3xx responses"] if self.non_2xx else []
        errors = {kind: n for kind, n in self.socket_errors.items() if n}
        if errors:
            found.append("socket errors " + ", ".join(f"{k} {n}" for k, n in errors.items()))
        return found


@dataclass
class Row:
    """One request on both servers: the best of its rounds on each."""

    case: Case
    sandbox: WrkResult
    ceiling: WrkResult
    rounds: tuple[list[WrkResult], list[WrkResult]] = field(default_factory=lambda: ([], []))
    """Every run on the sandbox, and on the ceiling."""
    problems: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        ceiling = self.ceiling.requests_per_sec
        return self.sandbox.requests_per_sec / ceiling if ceiling else 0.0

    @property
    def result(self) -> str:
        if self.problems:
            return "INVALID"
        return "PASS" if self.case.target.met(self.ratio, self.sandbox.p99_ms) else "FAIL"


@dataclass(frozen=True)
class Startup:
    runs_s: list[float]

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s)

    @property
    def max_s(self) -> float:
        return max(self.runs_s)

    @property
    def result(self) -> str:
        return "PASS" if self.max_s < STARTUP_TARGET_S else "FAIL"


# --- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def sandbox_process() -> ServerProcess:
    """`python -m sandbox serve` on a free port (its banner names it), ready once
    /_sandbox/health answers 200, polled every POLL_INTERVAL."""
    return ServerProcess.sandbox(*AS_USERS_RUN, timeout=READY_TIMEOUT, poll=POLL_INTERVAL, cwd=ROOT)


def ceiling_process(canned: Path, ready: str) -> ServerProcess:
    """bench/ceiling.py on a free port with the sandbox's answers in `canned`, ready once `ready`
    answers 200."""
    port = free_port()
    return ServerProcess(
        [sys.executable, str(CEILING), "--host", HOST, "--port", str(port)],
        url=f"http://{HOST}:{port}",
        ready=ready,
        name="the ceiling",
        timeout=READY_TIMEOUT,
        poll=POLL_INTERVAL,
        cwd=ROOT,
        env={CEILING_ENV: str(canned)},
    )


def measure_startup(runs: int) -> Startup:
    """Spawn-to-first-200 of GET /_sandbox/health, `runs` times."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with sandbox_process():
            times.append(time.perf_counter() - started)
    return Startup(times)


# --- the sandbox's API --------------------------------------------------------------------------


class Client:
    """The setup calls, with urllib."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "application/json",
        auth: str = "",
    ) -> Captured:
        headers = {"Accept": "application/json"}
        if auth or self.token:
            headers["Authorization"] = auth or f"Bearer {self.token}"
        if body is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Captured(response.status, response.headers.get("content-type", ""), response.read())
        except urllib.error.HTTPError as error:
            return Captured(error.code, error.headers.get("content-type", ""), error.read())
        except (urllib.error.URLError, OSError) as error:
            raise BenchError(f"{method} {path}: {error}") from error

    def ok(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "application/json",
        auth: str = "",
    ) -> Captured:
        reply = self.call(method, path, body, content_type, auth)
        if reply.status != 200:
            raise BenchError(
                f"{method} {path} answered {reply.status}: {reply.body[:500].decode('utf-8', 'replace')}"
            )
        return reply

    def json(self, path: str, auth: str = "") -> Any:
        return json.loads(self.ok("GET", path, auth=auth).body)

    def login(self) -> str:
        form = (f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}").encode()
        reply = self.ok("POST", f"{API}/login", form, "application/x-www-form-urlencoded")
        self.token = json.loads(reply.body)["access_token"]
        return self.token


def order_body(client: Client) -> bytes:
    """A valid POST /api/v1/orders body from what the sandbox lists."""
    try:
        return fixje_order(client.json)
    except (KeyError, IndexError, StopIteration) as error:
        raise BenchError(f"cannot build an order body from the sandbox's lists: {error!r}") from error


def vidaxl_order_body(client: Client) -> bytes:
    """A valid POST /api_customer/orders.json body: an active product in stock, to NL."""
    return vidaxl_order(lambda path: client.json(path, VIDAXL_AUTH))


def make_cases(client: Client) -> list[Case]:
    try:
        order_id = client.json(f"{API}/orders?page=1&pagesize=100")["data"][0]["orderId"]
    except (KeyError, IndexError) as error:
        raise BenchError(f"the sandbox lists no order to fetch: {error!r}") from error
    try:
        vidaxl_id = client.json(f"{VIDAXL_LIST}?submitted_at_gteq=2000-01-01", VIDAXL_AUTH)[0]["order"]["id"]
    except (KeyError, IndexError, TypeError) as error:
        raise BenchError(f"the demo customer lists no vidaXL order to fetch: {error!r}") from error
    one = Target(max_p99_ms=10, min_ratio=0.7)
    pages = Target(max_p99_ms=10, min_ratio=0.5)
    posts = Target(max_p99_ms=15, min_ratio=0.5)
    return [
        Case(
            "get_order",
            "GET one order",
            "GET",
            f"{API}/orders/{order_id}",
            f"{API}/orders/{{orderId}}",
            one,
        ),
        Case(
            "get_products",
            f"GET products page of {PRODUCTS_PAGE}",
            "GET",
            f"{API}/products?page=1&pageSize={PRODUCTS_PAGE}",
            f"{API}/products",
            pages,
        ),
        Case(
            "post_order",
            "POST an order",
            "POST",
            f"{API}/orders",
            f"{API}/orders",
            posts,
            order_body(client),
        ),
        Case(
            "vidaxl_get_order",
            "vidaXL GET one order",
            "GET",
            f"{VIDAXL_ONE}?id_eq={vidaxl_id}",
            VIDAXL_ONE,
            one,
            auth=VIDAXL_AUTH,
        ),
        Case(
            "vidaxl_products",
            f"vidaXL GET products page of {PRODUCTS_PAGE}",
            "GET",
            f"{VIDAXL_PRODUCTS}?limit={PRODUCTS_PAGE}",
            VIDAXL_PRODUCTS,
            pages,
            auth=VIDAXL_AUTH,
        ),
        # vidaXL: the list before the POST, which fills the list's 24-hour window
        Case(
            "vidaxl_list", "vidaXL GET orders list", "GET", VIDAXL_LIST, VIDAXL_LIST, pages, auth=VIDAXL_AUTH
        ),
        Case(
            "vidaxl_post",
            "vidaXL POST an order",
            "POST",
            VIDAXL_CREATE,
            VIDAXL_CREATE,
            posts,
            vidaxl_order_body(client),
            VIDAXL_AUTH,
        ),
    ]


def capture(client: Client, cases: list[Case]) -> dict[str, Captured]:
    """The sandbox's answer to each case; each must be a 200."""
    captured = {case.key: client.ok(case.method, case.path, case.body, auth=case.auth) for case in cases}
    products = json.loads(captured["get_products"].body)["data"]
    if len(products) != PRODUCTS_PAGE:
        raise BenchError(f"the products page holds {len(products)} products, not {PRODUCTS_PAGE}")
    return captured


def write_canned(path: Path, cases: list[Case], captured: dict[str, Captured]) -> None:
    data = {
        case.key: {
            "method": case.method,
            "route": case.route,
            "content_type": captured[case.key].content_type,
            "body": captured[case.key].body.decode("utf-8"),
        }
        for case in cases
    }
    path.write_text(json.dumps(data), encoding="utf-8")


def check_ceiling(base: str, token: str, cases: list[Case], captured: dict[str, Captured]) -> None:
    """The ceiling gives back the sandbox's bytes for every case."""
    client = Client(base)
    client.token = token
    for case in cases:
        reply = client.ok(case.method, case.path, case.body, auth=case.auth)
        if reply.body != captured[case.key].body:
            raise BenchError(f"the ceiling's answer to {case.label} differs from the sandbox's")


# --- wrk ----------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The path of wrk; installed with apt-get when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is not on PATH; it is Debian's package wrk: apt-get install -y wrk", file=sys.stderr)
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise BenchError("wrk is missing: install it with `sudo apt-get install -y wrk`, then run again")
    print("running as root, installing it: apt-get update && apt-get install -y wrk", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        try:
            subprocess.run(command, env=env, check=True, stdout=sys.stderr)
        except (OSError, subprocess.CalledProcessError) as error:
            raise BenchError(f"could not install wrk ({' '.join(command)}): {error}") from error
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get installed wrk but it is still not on PATH")
    return found


def lua_string(text: str) -> str:
    """`text` as a Lua long-bracket string literal."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def lua_script(case: Case, token: str) -> str:
    lines = [
        f"wrk.method = {lua_string(case.method)}",
        f'wrk.headers["Authorization"] = {lua_string(case.auth or "Bearer " + token)}',
        'wrk.headers["Accept"] = "application/json"',
    ]
    if case.body is not None:
        lines += [
            f"wrk.body = {lua_string(case.body.decode('utf-8'))}",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    return "\n".join(lines) + "\n"


TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
RPS = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.MULTILINE)
P99 = re.compile(r"^\s*99(?:\.0+)?%\s+([\d.]+)([a-z]+)\s*$", re.MULTILINE)
TOTAL = re.compile(r"^\s*(\d+) requests in ", re.MULTILINE)
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(output: str) -> WrkResult:
    rps, p99, total = RPS.search(output), P99.search(output), TOTAL.search(output)
    if not (rps and p99 and total) or p99.group(2) not in TIME_UNITS_MS:
        raise BenchError(f"cannot read wrk's output:\n{output}")
    non_2xx = NON_2XX.search(output)
    sockets = SOCKET_ERRORS.search(output)
    errors = [int(n) for n in sockets.groups()] if sockets else [0, 0, 0, 0]
    return WrkResult(
        requests_per_sec=float(rps.group(1)),
        p99_ms=float(p99.group(1)) * TIME_UNITS_MS[p99.group(2)],
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=dict(zip(("connect", "read", "write", "timeout"), errors, strict=True)),
    )


def run_wrk(wrk: str, base: str, case: Case, script: Path, duration: str, seconds: int) -> WrkResult:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration}",
        "--latency",
        "-s",
        str(script),
        base + case.path,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk did not finish: {' '.join(command)}") from error
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].strip() if (done.stdout or done.stderr) else ""


DURATION = re.compile(r"^(\d+)([smh]?)$")


def duration_seconds(duration: str) -> int:
    """wrk's duration (10, 10s, 2m, 1h) in seconds."""
    found = DURATION.match(duration)
    if not found or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"not a wrk duration: {duration!r} (e.g. 10s, 1m)")
    return int(found.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[found.group(2)]


def wrk_duration(text: str) -> str:
    duration_seconds(text)
    return text


# --- flat cost: the same requests with 100 and with 100,000 orders ------------------------------

FLAT_SMALL = 100
FLAT_LARGE = 100_000
"""Orders of the demo accounts (the vidaXL customer and the Fixje partner) in the two stores."""
FLAT_TENANTS = 1_000
"""Tenants per API in the large store, each Fixje tenant logged in once (a token each)."""
FLAT_ROUNDS = 3
FLAT_DURATION = "3s"
FLAT_TOLERANCE = 0.2
FLAT_CHUNK_S = 5
FLAT_CHUNK_MIN_S = 3
"""The shortest fill run: in a run of a second the slow first answers of 32 new connections are
1 % of all, and its p99 is theirs (the store may end a few thousand orders past its size)."""
"""The longest wrk run of a fill; each is one row of the growth table."""
FLAT_PROBE = "flat-probe"
"""The reference of the order placed last in both stores, which the one-order cases ask for."""
FLAT_ADVANCE = "P2D"
"""How far the clock moves after the fill: the filled orders leave the 24-hour list, and the
schedule submits them (the bench's fixtures add Temporary -> submit after a day), so that they
have a day of submission outside the date range asked for."""
LOGIN_FORM = f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"


@dataclass
class FlatRow:
    """One request against both stores: the best of FLAT_ROUNDS wrk runs on each."""

    case: Case
    small: WrkResult
    large: WrkResult
    answer: str
    problems: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """The cost (time per request) with FLAT_LARGE orders over that with FLAT_SMALL."""
        return (
            self.small.requests_per_sec / self.large.requests_per_sec if self.large.requests_per_sec else 0.0
        )

    @property
    def result(self) -> str:
        if self.problems:
            return "INVALID"
        return "PASS" if abs(self.ratio - 1) <= FLAT_TOLERANCE else "FAIL"


@dataclass(frozen=True)
class Growth:
    """One wrk run of POSTs while the large store fills."""

    api: str
    orders_before: int
    result: WrkResult

    @property
    def verdict(self) -> str:
        return "PASS" if self.result.p99_ms < 15 and not self.result.problems() else "FAIL"


@dataclass
class Flat:
    rows: list[FlatRow]
    growth: list[Growth]
    seconds: dict[str, float]
    """How long each step took: the fills, the clock's advance (the schedule's moves), the tenants."""
    orders: dict[str, int] = field(default_factory=dict)
    """The demo accounts' orders at the end, by API (vidaXL's counted from wrk's answers: about)."""


def flat_fixtures(work: Path) -> Path:
    """The default fixtures, with the vidaXL schedule submitting a Temporary order after a day and
    no Fixje schedule (which would ship and deliver every filled order on the clock's advance)."""
    data = read_yaml((ROOT / "fixtures" / "default.yaml").read_text(encoding="utf-8"))
    data["schedule"] = {
        "fixje": [],
        "vidaxl": [*data["schedule"]["vidaxl"], {"from": "Temporary", "after": "P1D", "event": "submit"}],
    }
    path = work / "flat-fixtures.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return path


def flat_lua(case: Case, token: str, content_type: str = "", unique: str = "") -> str:
    """lua_script's, with `content_type`; with `unique`, each request's `"bench"` reference is
    `"<unique>-<thread>-<number>"` instead."""
    script = lua_script(case, token)
    if content_type:
        script += f'wrk.headers["Content-Type"] = {lua_string(content_type)}\n'
    if unique and case.body is not None:
        head, tail = case.body.decode("utf-8").split('"bench"', 1)
        script += (
            f"local head, tail = {lua_string(head)}, {lua_string(tail)}\n"
            "local threads, number = 0, 0\n"
            "function setup(thread) threads = threads + 1; thread:set('tag', threads) end\n"
            "function request()\n"
            "  number = number + 1\n"
            f"  local body = head .. '\"{unique}-' .. tag .. '-' .. number .. '\"' .. tail\n"
            "  return wrk.format(nil, nil, nil, body)\n"
            "end\n"
        )
    return script


def flat_fill(
    wrk: str, server: ServerProcess, case: Case, token: str, count: int, work: Path
) -> list[Growth]:
    """POST `case` (each with a reference of its own) until about `count` orders were placed, in wrk
    runs of FLAT_CHUNK_MIN_S to FLAT_CHUNK_S seconds, each a row of the growth table."""
    grown: list[Growth] = []
    placed, run = 0, 0
    while placed < count:
        run += 1
        script = work / f"fill-{case.key}-{run}.lua"
        script.write_text(flat_lua(case, token, unique=f"flat-{run}"), encoding="utf-8")
        rate = grown[-1].result.requests_per_sec if grown else 0.0
        left = round((count - placed) / rate) if rate else FLAT_CHUNK_S
        seconds = max(FLAT_CHUNK_MIN_S, min(FLAT_CHUNK_S, left))
        print(f"  fill {case.label}: {placed:,} orders, wrk {seconds}s ...", file=sys.stderr, flush=True)
        result = run_wrk(wrk, server.url, case, script, f"{seconds}s", seconds)
        server.check()
        grown.append(Growth(case.label, placed, result))
        placed += result.requests - result.non_2xx
        if result.requests == result.non_2xx:
            raise BenchError(f"the fill of {case.label} placed nothing: {result.problems()}")
    return grown


def flat_call(client: Client, method: str, path: str, body: dict[str, Any], timeout: float = 120) -> Any:
    """A control-API call that may take long (the clock's advance moves every filled order)."""
    request = urllib.request.Request(
        client.base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError) as error:
        raise BenchError(f"{method} {path}: {error}") from error


def flat_store(wrk: str, server: ServerProcess, orders: int, tenants: int, work: Path) -> Flat:
    """Fill a started sandbox: the demo accounts' orders up to `orders`, `tenants` tenants per API,
    the clock on by FLAT_ADVANCE, then one probe order each with the reference FLAT_PROBE."""
    client = Client(server.url)
    token = client.login()
    posts = [
        Case(
            "fixje_fill", "Fixje POST an order", "POST", f"{API}/orders", "", Target(15), order_body(client)
        ),
        Case(
            "vidaxl_fill",
            "vidaXL POST an order",
            "POST",
            VIDAXL_CREATE,
            "",
            Target(15),
            vidaxl_order_body(client),
            VIDAXL_AUTH,
        ),
    ]
    growth: list[Growth] = []
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    for post, seeded in zip(posts, flat_seeded(client), strict=True):
        started = time.perf_counter()
        if orders - seeded > 1000:
            grown = flat_fill(wrk, server, post, token, orders - seeded, work)
            growth += grown
            counts[post.key] = seeded + sum(g.result.requests for g in grown)
        else:
            for number in range(orders - seeded):
                body = post.body.replace(b'"bench"', f'"flat-{number}"'.encode()) if post.body else None
                client.ok("POST", post.path, body, auth=post.auth)
            counts[post.key] = max(orders, seeded)
        seconds[f"fill {post.key}"] = time.perf_counter() - started
    started = time.perf_counter()
    for number in range(tenants):
        for api in ("fixje", "vidaxl"):
            made = flat_call(client, "POST", "/_sandbox/tenants", {"api": api, "name": f"Flat {number}"})
            if api == "fixje":
                form = f"grant_type=client_credentials&client_id={made['clientId']}"
                form += f"&client_secret={made['clientSecret']}"
                client.ok("POST", f"{API}/login", form.encode(), "application/x-www-form-urlencoded")
    if tenants:
        seconds["tenants"] = time.perf_counter() - started
    started = time.perf_counter()
    flat_call(client, "POST", "/_sandbox/clock", {"advance": FLAT_ADVANCE})
    seconds["clock advance"] = time.perf_counter() - started
    client.login()  # the token expired on the way
    for post in posts:
        body = post.body.replace(b'"bench"', f'"{FLAT_PROBE}"'.encode()) if post.body else None
        client.ok("POST", post.path, body, auth=post.auth)
    fixje = int(client.json(f"{API}/orders?page=1&pageSize=1")["totalCount"])
    vidaxl = counts["vidaxl_fill"] + 1  # wrk counts the answers it read: a few more may have come
    return Flat([], growth, seconds, {"Fixje": fixje, "vidaXL": vidaxl})


def flat_seeded(client: Client) -> tuple[int, int]:
    """The demo accounts' orders before the fill: Fixje's partner, vidaXL's customer."""
    fixje = client.json(f"{API}/orders?page=1&pageSize=1")["totalCount"]
    vidaxl = sum(
        len(client.json(f"{VIDAXL_LIST}?status_order_id_eq={status}", VIDAXL_AUTH)) for status in range(1, 10)
    )
    return int(fixje), vidaxl


def flat_cases(client: Client) -> list[Case]:
    """The requests whose cost must not grow with the store, as the probe's store names them."""
    day = datetime.fromisoformat(client.json("/_sandbox/clock")["now"]).date()
    first, last = day - timedelta(days=22), day - timedelta(days=3)  # the seeded days, before the fill
    vidaxl_id = client.json(f"{VIDAXL_LIST}?customer_order_reference_eq={FLAT_PROBE}", VIDAXL_AUTH)[0][
        "order"
    ]["id"]
    fixje = client.json(f"{API}/orders?page=1&pageSize=1")["data"][0]
    if fixje["reference"] != FLAT_PROBE:
        raise BenchError(f"the newest Fixje order is not the probe: {fixje['reference']}")
    any_ = Target(0)
    vidaxl = [
        ("vidaxl_id", "vidaXL id_eq (Basic auth: credential, order by id)", f"?id_eq={vidaxl_id}"),
        (
            "vidaxl_reference",
            "vidaXL customer_order_reference_eq",
            f"?customer_order_reference_eq={FLAT_PROBE}",
        ),
        ("vidaxl_status", "vidaXL status_order_id_eq (Sent)", "?status_order_id_eq=5"),
        (
            "vidaxl_dates",
            "vidaXL submitted_at from .. to",
            f"?submitted_at_gteq={first}&submitted_at_lteq={last}",
        ),
        ("vidaxl_day", "vidaXL submitted_at on a day", f"?submitted_at_castedeq={last}"),
        ("vidaxl_default", "vidaXL list, last 24 hours", ""),
    ]
    return [
        Case(key, label, "GET", f"{VIDAXL_ONE}{query}", "", any_, auth=VIDAXL_AUTH)
        for key, label, query in vidaxl
    ] + [
        Case(
            "fixje_order",
            "Fixje GET one order (token, order by id)",
            "GET",
            f"{API}/orders/{fixje['orderId']}",
            "",
            any_,
        ),
        Case(
            "fixje_login", "Fixje login (credential)", "POST", f"{API}/login", "", any_, LOGIN_FORM.encode()
        ),
    ]


def flat_answer(client: Client, case: Case) -> str:
    """What the answer holds: the number of orders of a vidaXL list, else its status."""
    content = "application/x-www-form-urlencoded" if case.key == "fixje_login" else "application/json"
    reply = client.ok(case.method, case.path, case.body, content, auth=case.auth)
    data = json.loads(reply.body)
    return f"{len(data)} orders" if isinstance(data, list) else "200"


def bench_flat(wrk: str, work: Path, large: int = FLAT_LARGE) -> Flat:
    """Two sandboxes of the bench's fixtures, one filled to FLAT_SMALL orders, the other to `large`
    (the POSTs' p99 as it grows) with tenants and tokens; then each case in turn on both, the best
    of FLAT_ROUNDS runs of each."""
    fixtures = flat_fixtures(work)
    with sandbox_flat(fixtures) as small_server, sandbox_flat(fixtures) as large_server:
        small = flat_store(wrk, small_server, FLAT_SMALL, 0, work)
        filled = flat_store(wrk, large_server, large, FLAT_TENANTS, work)
        clients = []
        for server in (small_server, large_server):
            client = Client(server.url)
            client.login()
            clients.append(client)
        cases = [flat_cases(client) for client in clients]
        for server, case, client in zip(
            (small_server, large_server), [c[0] for c in cases], clients, strict=True
        ):
            script = work / "flat-warm-up.lua"
            script.write_text(flat_lua(case, client.token), encoding="utf-8")
            run_wrk(wrk, server.url, case, script, "1s", 1)  # whatever the fill left to do, done
        time.sleep(2)  # each server idle for a moment: its garbage collector's whole collection
        rows = []
        for small_case, large_case in zip(*cases, strict=True):
            runs: list[list[WrkResult]] = [[], []]
            answers = [
                flat_answer(c, case) for c, case in zip(clients, (small_case, large_case), strict=True)
            ]
            for _ in range(FLAT_ROUNDS):
                for index, (server, case, client) in enumerate(
                    zip((small_server, large_server), (small_case, large_case), clients, strict=True)
                ):
                    content = "application/x-www-form-urlencoded" if case.key == "fixje_login" else ""
                    script = work / f"flat-{case.key}-{index}.lua"
                    script.write_text(flat_lua(case, client.token, content), encoding="utf-8")
                    print(
                        f"  wrk {case.label} @ {'small' if not index else 'large'} ...",
                        file=sys.stderr,
                        flush=True,
                    )
                    runs[index].append(
                        run_wrk(wrk, server.url, case, script, FLAT_DURATION, duration_seconds(FLAT_DURATION))
                    )
                    server.check()
            best = [max(results, key=lambda r: r.requests_per_sec) for results in runs]
            row = FlatRow(small_case, best[0], best[1], answers[0])
            if answers[0] != answers[1]:
                row.problems.append(f"the answers differ: {answers[0]} and {answers[1]}")
            for name, results in zip(("small", "large"), runs, strict=True):
                row.problems += [f"{name}: {p}" for result in results for p in result.problems()]
            rows.append(row)
    seconds = {**{f"small {k}": v for k, v in small.seconds.items()}, **filled.seconds}
    orders = {
        f"{api} {size}": n
        for size, store in (("small", small), ("large", filled))
        for api, n in store.orders.items()
    }
    return Flat(rows, filled.growth, seconds, orders)


def sandbox_flat(fixtures: Path) -> ServerProcess:
    return ServerProcess.sandbox(
        *AS_USERS_RUN, "--fixtures", str(fixtures), timeout=READY_TIMEOUT, poll=POLL_INTERVAL, cwd=ROOT
    )


def flat_report(flat: Flat, large: int) -> str:
    lines = [
        "",
        f"flat cost: {FLAT_SMALL:,} vs {large:,} orders of the demo accounts ({FLAT_TENANTS:,} tenants "
        f"per API and as many Fixje tokens in the large store); best of {FLAT_ROUNDS} x {FLAT_DURATION}; "
        f"cost ratio = req/s with {FLAT_SMALL:,} over req/s with {large:,}, target 1 +-{FLAT_TOLERANCE:.0%}",
    ]
    table = [
        [
            "request",
            "answer",
            f"req/s {FLAT_SMALL:,}",
            f"req/s {large:,}",
            "cost ratio",
            "p99",
            "p99 large",
            "result",
        ]
    ]
    table += [
        [
            row.case.label,
            row.answer,
            f"{row.small.requests_per_sec:,.0f}",
            f"{row.large.requests_per_sec:,.0f}",
            f"{row.ratio:.2f}",
            f"{row.small.p99_ms:.2f} ms",
            f"{row.large.p99_ms:.2f} ms",
            row.result,
        ]
        for row in flat.rows
    ]
    lines += flat_table(table, numeric={2, 3, 4, 5, 6})
    lines += ["", f"POST while the store grows to {large:,} orders (target p99 < 15 ms):"]
    growth = [["request", "orders before", "req/s", "p99", "result"]]
    growth += [
        [
            g.api,
            f"{g.orders_before:,}",
            f"{g.result.requests_per_sec:,.0f}",
            f"{g.result.p99_ms:.2f} ms",
            g.verdict,
        ]
        for g in flat.growth
    ]
    lines += flat_table(growth, numeric={1, 2, 3})
    lines.append(
        "orders at the end: " + ", ".join(f"{store} {count:,}" for store, count in flat.orders.items())
    )
    lines.append("took: " + ", ".join(f"{step} {took:.1f} s" for step, took in flat.seconds.items()))
    for row in flat.rows:
        lines += [f"!! {row.case.label}: {problem}" for problem in row.problems]
    return "\n".join(lines)


def flat_table(table: list[list[str]], numeric: set[int]) -> list[str]:
    """`table` (its first line the header) as text, the columns in `numeric` aligned right."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def flat_json(flat: Flat, large: int) -> dict[str, Any]:
    return {
        "orders": [FLAT_SMALL, large],
        "tenants_large": FLAT_TENANTS,
        "rounds": FLAT_ROUNDS,
        "duration": FLAT_DURATION,
        "tolerance": FLAT_TOLERANCE,
        "requests": [
            {
                "key": row.case.key,
                "request": row.case.label,
                "path": row.case.path,
                "answer": row.answer,
                "small": asdict(row.small),
                "large": asdict(row.large),
                "cost_ratio": round(row.ratio, 4),
                "problems": row.problems,
                "result": row.result,
            }
            for row in flat.rows
        ],
        "growth": [
            {"request": g.api, "orders_before": g.orders_before, **asdict(g.result), "result": g.verdict}
            for g in flat.growth
        ],
        "seconds": {step: round(took, 2) for step, took in flat.seconds.items()},
        "orders_at_end": flat.orders,
    }


# --- the run ------------------------------------------------------------------------------------


def bench_requests(wrk: str, duration: str, rounds: int, work: Path) -> list[Row]:
    """Start the sandbox, capture its answers, start the ceiling on them, and run wrk on both."""
    with sandbox_process() as sandbox:
        client = Client(sandbox.url)
        token = client.login()
        cases = make_cases(client)
        captured = capture(client, cases)
        canned = work / "responses.json"
        write_canned(canned, cases, captured)
        with ceiling_process(canned, cases[0].path) as ceiling:
            check_ceiling(ceiling.url, token, cases, captured)
            return [bench_case(wrk, duration, rounds, work, case, token, sandbox, ceiling) for case in cases]


def bench_case(
    wrk: str,
    duration: str,
    rounds: int,
    work: Path,
    case: Case,
    token: str,
    sandbox: ServerProcess,
    ceiling: ServerProcess,
) -> Row:
    """`rounds` wrk runs on each server, in turn; the row holds the best of each (what a run
    loses to the rest of the machine only ever slows it)."""
    script = work / f"{case.key}.lua"
    script.write_text(lua_script(case, token), encoding="utf-8")
    runs: tuple[list[WrkResult], list[WrkResult]] = ([], [])
    for round_ in range(1, rounds + 1):  # taken in turn, so that a busy spell of the machine slows both
        for server, results in zip((sandbox, ceiling), runs, strict=True):
            print(
                f"  wrk {case.label} @ {server.name} ({duration}, {round_} of {rounds}) ...",
                file=sys.stderr,
                flush=True,
            )
            results.append(run_wrk(wrk, server.url, case, script, duration, duration_seconds(duration)))
            server.check()
    best = [max(results, key=lambda r: r.requests_per_sec) for results in runs]
    row = Row(case, best[0], best[1], rounds=(runs[0], runs[1]))
    for server, results in zip((sandbox, ceiling), runs, strict=True):
        row.problems += [f"{server.name}: {problem}" for result in results for problem in result.problems()]
    return row


def report(rows: list[Row], startup: Startup) -> str:
    header = [
        "request",
        "sandbox req/s",
        "ceiling req/s",
        "ratio",
        "sandbox p99",
        "ceiling p99",
        "target (sandbox)",
        "result",
    ]
    table = [header] + [
        [
            row.case.label,
            f"{row.sandbox.requests_per_sec:,.0f}",
            f"{row.ceiling.requests_per_sec:,.0f}",
            f"{row.ratio:.0%}",
            f"{row.sandbox.p99_ms:.2f} ms",
            f"{row.ceiling.p99_ms:.2f} ms",
            row.case.target.describe(),
            row.result,
        ]
        for row in rows
    ]
    lines = flat_table(table, numeric={1, 2, 3, 4, 5})
    lines += [
        "",
        f"start-up to first 200, {len(startup.runs_s)} starts: median {startup.median_s:.3f} s, "
        f"max {startup.max_s:.3f} s; target < {STARTUP_TARGET_S:g} s (on max): {startup.result}",
    ]
    for row in rows:
        lines += [f"!! {row.case.label}: {problem}" for problem in row.problems]
    return "\n".join(lines)


def source_state() -> dict[str, Any]:
    """The commit measured, and whether the working tree differed from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "sandbox", "specs", "fixtures"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    except OSError:
        return {}
    return {"commit": head.stdout.strip(), "uncommitted_changes": bool(dirty.stdout.strip())}


def results_json(rows: list[Row], startup: Startup, duration: str, rounds: int, wrk: str) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": source_state(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "note": "wrk and both servers share this machine",
        },
        "wrk": {
            "version": wrk_version(wrk),
            "threads": THREADS,
            "connections": CONNECTIONS,
            "duration": duration,
            "rounds": rounds,
        },
        "startup": {
            "runs_s": [round(t, 4) for t in startup.runs_s],
            "median_s": round(startup.median_s, 4),
            "max_s": round(startup.max_s, 4),
            "target_s": STARTUP_TARGET_S,
            "judged_on": "max",
            "result": startup.result,
        },
        "requests": [
            {
                "key": row.case.key,
                "request": row.case.label,
                "method": row.case.method,
                "path": row.case.path,
                "sandbox": asdict(row.sandbox),
                "ceiling": asdict(row.ceiling),
                "rounds": {
                    "sandbox_rps": [round(r.requests_per_sec, 1) for r in row.rounds[0]],
                    "ceiling_rps": [round(r.requests_per_sec, 1) for r in row.rounds[1]],
                },
                "ratio": round(row.ratio, 4),
                "target": asdict(row.case.target),
                "problems": row.problems,
                "result": row.result,
            }
            for row in rows
        ],
    }


# --- memory (bench/memory.py) ---------------------------------------------------------------------


def memory_step(orders: int) -> Memory | None:
    """RSS after start and bytes per stored order, token and tenant, on a sandbox of their own."""
    if orders <= 0:
        return None
    print(f"memory: {orders:,} orders per API ...", file=sys.stderr, flush=True)
    return measure_memory(orders, tenants=max(1, orders // 2))


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py", description="Benchmark the sandbox against a bare Starlette ceiling."
    )
    parser.add_argument(
        "--duration", type=wrk_duration, default="5s", help="wrk's duration of each run (default 5s)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs of each request on each server, in turn; the best of each is shown (default 3)",
    )
    parser.add_argument(
        "--startup-runs", type=int, default=5, help="how many times start-up is measured (default 5)"
    )
    parser.add_argument(
        "--memory-orders",
        type=int,
        default=10_000,
        help="POSTs per API (and logins) bench/memory.py measures over (default 10000; 0: skip)",
    )
    parser.add_argument(
        "--flat-orders",
        type=int,
        default=FLAT_LARGE,
        help=f"orders of the large store of the flat-cost checks (default {FLAT_LARGE:,}; 0: no checks)",
    )
    parser.add_argument(
        "--list-orders",
        type=int,
        default=LIST_ORDERS,
        help=f"orders of the large lists bench/large.py streams (default {LIST_ORDERS:,}; 0: skip)",
    )
    arguments = parser.parse_args(argv)
    if arguments.startup_runs < 1:
        parser.error("--startup-runs must be at least 1")
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    return arguments


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        wrk = ensure_wrk()
        print(f"start-up: {arguments.startup_runs} runs ...", file=sys.stderr, flush=True)
        startup = measure_startup(arguments.startup_runs)
        memory = memory_step(arguments.memory_orders)
        with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as work:
            rows = bench_requests(wrk, arguments.duration, arguments.rounds, Path(work))
            large = arguments.flat_orders
            flat = bench_flat(wrk, Path(work), large) if large else None
        lists = ""
        if arguments.list_orders:
            print(f"large lists: {arguments.list_orders:,} orders ...", file=sys.stderr, flush=True)
            lists = large_lists(arguments.list_orders)
    except (BenchError, ServerError, MeasureError, RuntimeError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print(report(rows, startup))
    figures = results_json(rows, startup, arguments.duration, arguments.rounds, wrk)
    if memory is not None:
        print(memory_report(memory))
        figures["memory"] = memory_json(memory)
    if flat is not None:
        print(flat_report(flat, large))
        figures["flat"] = flat_json(flat, large)
    if lists:
        print(f"\n{lists}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    if any(row.problems for row in rows):
        print(
            "bench: some runs saw errors (see !! above); their figures are not trustworthy", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
