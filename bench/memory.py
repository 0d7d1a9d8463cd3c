"""The sandbox's memory, measured from outside on a `sandbox serve` process of its own (Linux: the
resident set size in /proc/PID/status):

* RSS after start: at the first 200 of GET /_sandbox/health;
* bytes per stored order, each API: the growth of RSS over `orders` POSTs of one order (one line,
  the same body each time, as bench/run.py posts) divided by `orders`, after WARM POSTs have
  filled the journal (which keeps 1,000 requests) and warmed what the path keeps;
* bytes per token: over `orders` Fixje logins, 100 for each of `orders / 100` tenants (a client
  holds at most 100 live tokens);
* bytes per tenant, each API: over `tenants` POST /_sandbox/tenants.

Before each reading the server is left idle for SETTLE seconds, so that its idle sweep has
collected (sandbox/collector.py). Targets (issue 13): RSS after start under 80 MiB, a stored order
under 1.5 KB; tokens and tenants have none. Run by `bench/run.py` (`--memory-orders`, 0 to skip),
or alone: `.venv/bin/python bench/memory.py [--orders 10000]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from common import AS_USERS_RUN, FIXJE_DEMO, VIDAXL_AUTH, fixje_order, vidaxl_order

from sandbox.process import ServerError, ServerProcess

ROOT = Path(__file__).resolve().parent.parent
RSS_TARGET_MIB = 80.0
ORDER_TARGET_B = 1500.0
WARM = 1100
"""POSTs before the orders are counted: the journal keeps the last 1,000 requests."""
SETTLE = 1.3
"""Seconds idle before each reading: the server sweeps after one idle second."""
TOKENS_PER_TENANT = 100


class MeasureError(Exception):
    """The memory could not be measured."""


@dataclass(frozen=True)
class Memory:
    rss_after_start_mib: float
    fixje_order_b: float
    vidaxl_order_b: float
    token_b: float
    fixje_tenant_b: float
    vidaxl_tenant_b: float
    orders: int
    tenants: int

    @property
    def results(self) -> dict[str, str]:
        def judged(ok: bool) -> str:
            return "PASS" if ok else "FAIL"

        return {
            "rss_after_start": judged(self.rss_after_start_mib < RSS_TARGET_MIB),
            "fixje_order": judged(self.fixje_order_b < ORDER_TARGET_B),
            "vidaxl_order": judged(self.vidaxl_order_b < ORDER_TARGET_B),
        }


class Connection:
    """One kept-alive HTTP/1.1 connection to the server."""

    def __init__(self, host: str, port: int) -> None:
        self.http = http.client.HTTPConnection(host, port, timeout=30)

    def call(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, bytes]:
        self.http.request(method, path, body=body, headers=dict(headers or {}))
        response = self.http.getresponse()
        return response.status, response.read()

    def ok(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        status, data = self.call(method, path, body, headers)
        if status not in (200, 201):
            raise MeasureError(f"{method} {path} answered {status}: {data[:300].decode('utf-8', 'replace')}")
        return json.loads(data)

    def login(self, client_id: str, secret: str) -> str:
        form = f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}".encode()
        reply = self.ok("POST", "/api/v1/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        token: str = reply["access_token"]
        return token

    def tenant(self, api: str) -> dict[str, Any]:
        tenant: dict[str, Any] = self.ok("POST", "/_sandbox/tenants", json.dumps({"api": api}).encode(), JSON)
        return tenant


JSON = {"Content-Type": "application/json"}


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError as error:
        raise MeasureError(f"cannot read the server's RSS (Linux only): {error}") from error
    raise MeasureError("no VmRSS in /proc/PID/status")


def settled_kib(pid: int) -> int:
    time.sleep(SETTLE)
    return rss_kib(pid)


def growth_b(pid: int, times: int, once: Any) -> float:
    """Bytes of RSS each call of `once` leaves behind, over `times` calls."""
    before = settled_kib(pid)
    for _ in range(times):
        once()
    return (settled_kib(pid) - before) * 1024 / times


def per_order(
    pid: int, conn: Connection, path: str, body: bytes, headers: dict[str, str], orders: int
) -> float:
    def post() -> None:
        conn.ok("POST", path, body, {**headers, **JSON})

    for _ in range(WARM):
        post()
    return growth_b(pid, orders, post)


def per_token(pid: int, conn: Connection, tokens: int) -> float:
    tenants = [conn.tenant("fixje") for _ in range(max(1, tokens // TOKENS_PER_TENANT))]
    logins = iter([(t["clientId"], t["clientSecret"]) for t in tenants for _ in range(TOKENS_PER_TENANT)])
    return growth_b(pid, len(tenants) * TOKENS_PER_TENANT, lambda: conn.login(*next(logins)))


def measure_memory(orders: int = 10_000, tenants: int = 5_000) -> Memory:
    """Start a sandbox of its own and measure it (see the module's docstring)."""
    with ServerProcess.sandbox(*AS_USERS_RUN, timeout=30, poll=0.005, cwd=ROOT) as server:
        pid = server.pid
        started = rss_kib(pid) / 1024
        conn = Connection(server.host, server.port)
        fixje = {"Authorization": f"Bearer {conn.login(*FIXJE_DEMO)}"}
        body = fixje_order(lambda path: conn.ok("GET", path, headers=fixje))
        fixje_b = per_order(pid, conn, "/api/v1/orders", body, fixje, orders)
        vidaxl = {"Authorization": VIDAXL_AUTH}
        body = vidaxl_order(lambda path: conn.ok("GET", path, headers=vidaxl))
        vidaxl_b = per_order(pid, conn, "/api_customer/orders.json", body, vidaxl, orders)
        token_b = per_token(pid, conn, orders)
        fixje_tenant = growth_b(pid, tenants, lambda: conn.tenant("fixje"))
        vidaxl_tenant = growth_b(pid, tenants, lambda: conn.tenant("vidaxl"))
        server.check()
    return Memory(started, fixje_b, vidaxl_b, token_b, fixje_tenant, vidaxl_tenant, orders, tenants)


def report(memory: Memory) -> str:
    results = memory.results
    return "\n".join(
        [
            f"memory: RSS after start {memory.rss_after_start_mib:.1f} MiB; target < {RSS_TARGET_MIB:g} MiB: "
            f"{results['rss_after_start']}",
            f"  a stored order (RSS over {memory.orders:,} POSTs): Fixje {memory.fixje_order_b:,.0f} B "
            f"({results['fixje_order']}), vidaXL {memory.vidaxl_order_b:,.0f} B ({results['vidaxl_order']}); "
            f"target < {ORDER_TARGET_B:,.0f} B",
            f"  a token (over {memory.orders // TOKENS_PER_TENANT * TOKENS_PER_TENANT:,} logins) "
            f"{memory.token_b:,.0f} B; a tenant (over {memory.tenants:,} each) Fixje "
            f"{memory.fixje_tenant_b:,.0f} B, vidaXL {memory.vidaxl_tenant_b:,.0f} B; no target",
        ]
    )


def results_json(memory: Memory) -> dict[str, Any]:
    return {
        **{key: round(value, 1) for key, value in asdict(memory).items() if isinstance(value, float)},
        "orders": memory.orders,
        "tenants": memory.tenants,
        "targets": {"rss_after_start_mib": RSS_TARGET_MIB, "order_b": ORDER_TARGET_B},
        "results": memory.results,
        "how": "RSS of the server (/proc/PID/status) before and after, idle 1.3 s before each reading",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/memory.py", description="The sandbox's memory.")
    parser.add_argument(
        "--orders", type=int, default=10_000, help="POSTs per API, and logins (default 10000)"
    )
    parser.add_argument("--tenants", type=int, default=5_000, help="tenants per API (default 5000)")
    arguments = parser.parse_args(argv)
    try:
        memory = measure_memory(arguments.orders, arguments.tenants)
    except (MeasureError, ServerError, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print(report(memory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
