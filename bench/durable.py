"""The cost of durable state (issue 14): a sandbox with `--data` against one in memory, and the
start-up of a durable sandbox that holds many orders.

* Throughput: Fixje's GET one order and POST an order, vidaXL's GET one order (`id_eq`) and POST
  an order, with wrk (2 threads, 32 connections, --duration, --latency) on both sandboxes in turn,
  --rounds times each, the best of each shown. Targets: POSTs keep at least 70% of the in-memory
  requests per second, GETs 95%.
* Start-up: a database filled with --orders orders (half per API, placed through the app in
  process, each committed as a running sandbox commits it), then `sandbox serve --data` timed from
  the spawn to the first 200 of GET /_sandbox/health. Target: under 2 s at 100,000 orders.

Run it by hand: `.venv/bin/python bench/durable.py [--duration 5s] [--rounds 3] [--orders 100000]`.
It needs `wrk`, as bench/run.py does."""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import AS_USERS_RUN, VIDAXL_AUTH, fixje_order, vidaxl_order
from compare import compare, table
from run import POLL_INTERVAL, READY_TIMEOUT, ROOT, ensure_wrk, wrk_duration

from sandbox.app import create_app
from sandbox.process import ServerProcess
from sandbox.settings import Settings

CASES = {"get_order": 0.95, "post_order": 0.70, "vidaxl_get_order": 0.95, "vidaxl_post": 0.70}
"""The requests compared, and the share of the in-memory throughput each must keep."""
STARTUP_TARGET_S = 2.0
ORDERS = 100_000


def throughput(wrk: str, duration: str, rounds: int, work: Path) -> list[dict[str, Any]]:
    """Each case on the sandbox in memory and on a durable one, in turn; the best of each."""
    memory = ServerProcess.sandbox(*AS_USERS_RUN, timeout=READY_TIMEOUT, poll=POLL_INTERVAL, cwd=ROOT)
    durable = ServerProcess.sandbox(
        *AS_USERS_RUN,
        "--data",
        str(work / "throughput.db"),
        timeout=READY_TIMEOUT,
        poll=POLL_INTERVAL,
        cwd=ROOT,
    )
    with memory, durable:
        return compare(wrk, duration, rounds, work, (("in memory", memory), ("durable", durable)), CASES)


def fill(data: Path, orders: int) -> float:
    """A database holding `orders` orders placed through the app in process; the seconds it took."""
    app = create_app(Settings(data=data, data_reset=True, log_level="warning"))
    runtime = app.state.sandbox

    async def call(method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> Any:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path.split("?")[0],
            "raw_path": path.split("?")[0].encode(),
            "query_string": path.partition("?")[2].encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000"), *headers],
            "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000),
        }
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        await app(scope, receive, send)
        if sent[0]["status"] != 200:
            raise RuntimeError(f"{method} {path}: {sent[0]['status']}")
        return json.loads(b"".join(m.get("body", b"") for m in sent[1:]))

    form = b"grant_type=client_credentials&client_id=fixje-demo-client&client_secret=fixje-demo-secret"
    login = asyncio.run(
        call("POST", "/api/v1/login", [(b"content-type", b"application/x-www-form-urlencoded")], form)
    )
    fixje = [(b"authorization", f"Bearer {login['access_token']}".encode())]
    vidaxl = [(b"authorization", VIDAXL_AUTH.encode())]
    fixje_body = fixje_order(lambda path: asyncio.run(call("GET", path, fixje)))
    vidaxl_body = vidaxl_order(lambda path: asyncio.run(call("GET", path, vidaxl)))
    json_type = [(b"content-type", b"application/json")]

    async def place() -> None:
        for number in range(orders // 2):
            await call("POST", "/api/v1/orders", fixje + json_type, fixje_body)
            await call("POST", "/api_customer/orders.json", vidaxl + json_type, vidaxl_body)
            if number and number % 10_000 == 0:
                print(f"  filled {2 * number:,} orders ...", file=sys.stderr, flush=True)

    started = time.perf_counter()
    asyncio.run(place())
    took = time.perf_counter() - started
    runtime.store.close(runtime.clock, runtime.settings.journal_size, runtime.snapshot)  # as a clean stop
    return took


def startup(data: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with ServerProcess.sandbox(*AS_USERS_RUN, "--data", str(data), timeout=120, poll=0.005, cwd=ROOT):
            times.append(time.perf_counter() - started)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/durable.py", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("--duration", type=wrk_duration, default="5s")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--orders", type=int, default=ORDERS, help="orders of the start-up's database (0: skip)"
    )
    parser.add_argument("--startup-runs", type=int, default=3)
    arguments = parser.parse_args(argv)
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="sandbox-durable-") as work:
        rows = throughput(wrk, arguments.duration, arguments.rounds, Path(work))
        print("\n" + table(rows, "in memory", "durable"))
        if arguments.orders:
            data = Path(work) / "startup.db"
            took = fill(data, arguments.orders)
            size = sum(path.stat().st_size for path in Path(work).glob("startup.db*"))
            times = startup(data, arguments.startup_runs)
            verdict = "PASS" if max(times) < STARTUP_TARGET_S else "FAIL"
            print(
                f"\nstart-up with {arguments.orders:,} orders ({size / 1e6:.0f} MB, filled in {took:.0f} s), "
                f"from the snapshot of a clean stop: {', '.join(f'{t:.2f}' for t in times)} s "
                f"(target < {STARTUP_TARGET_S:g} s: {verdict})"
            )
            with sqlite3.connect(data) as db:
                db.execute("DELETE FROM snapshot")  # as after kill -9 with no clean stop before
            crashed = startup(data, 1)
            print(f"the same after a crash with no snapshot, every change replayed: {crashed[0]:.2f} s")
    return 1 if any(row["result"] == "INVALID" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
