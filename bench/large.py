"""The cost of a large answer (issue 13): a sandbox whose demo vidaXL customer placed 50,000 orders
in the last 24 hours, its order list read whole as JSON, XML and CSV by one client while another
asks GET /_sandbox/health every 20 ms.

For each format: the bytes and seconds of the list, the server's peak resident memory above its
level before the list (sampled every 10 ms from /proc), and the slowest health answer meanwhile.
Targets: memory within 50 MB of that level, every health answer within 100 ms.

`bench/run.py` prints `large_lists()`; `.venv/bin/python bench/large.py [ORDERS]` runs it alone.
The list is read by `curl`, in a process of its own."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common import AS_USERS_RUN, VIDAXL_AUTH, vidaxl_order

from sandbox.process import ServerProcess

ORDERS = 50_000
POSTERS = 4
"""Connections that place the orders at once."""
LIST = "/api_customer/orders.{}"
"""The list of the last 24 hours (the clock stands still, so all the orders placed are in it)."""
MEMORY_TARGET_MB = 50.0
HEALTH_TARGET_MS = 100.0
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Streamed:
    fmt: str
    size: int
    seconds: float
    peak_mb: float
    """The server's peak resident memory while the list went, above its level before."""
    slowest_ms: float
    """The slowest health answer while the list went."""
    p99_ms: float
    checks: int

    @property
    def result(self) -> str:
        met = self.peak_mb <= MEMORY_TARGET_MB and self.slowest_ms <= HEALTH_TARGET_MS
        return "PASS" if met else "FAIL"


def rss_mb(pid: int) -> float:
    """The process's resident memory (VmRSS) in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmRSS for process {pid}")


def request(server: ServerProcess, method: str, path: str, body: bytes | None = None) -> bytes:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        headers = {"Authorization": VIDAXL_AUTH, "Content-Type": "application/json"}
        connection.request(method, path, body, headers)
        answer = connection.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{method} {path}: {answer.status} {data[:300]!r}")
        return data
    finally:
        connection.close()


def place(server: ServerProcess, orders: int) -> None:
    """`orders` orders of the demo customer, over POSTERS connections at once."""
    body = vidaxl_order(lambda path: json.loads(request(server, "GET", path)))
    shares = [orders // POSTERS + (index < orders % POSTERS) for index in range(POSTERS)]
    failures: list[str] = []

    def post(count: int) -> None:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
        headers = {"Authorization": VIDAXL_AUTH, "Content-Type": "application/json"}
        for _ in range(count):
            connection.request("POST", "/api_customer/orders.json", body, headers)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                failures.append(str(answer.status))
                return
        connection.close()

    threads = [threading.Thread(target=post, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"placing orders failed: {failures}")


def meanwhile(every: float, task: Callable[[], None], stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        while not stop.is_set():
            task()
            stop.wait(every)

    thread = threading.Thread(target=loop)
    thread.start()
    return thread


def stream(server: ServerProcess, fmt: str) -> Streamed:
    """The list as `fmt`, read whole as fast as the client reads, while the server's memory and its
    health answers are watched."""
    idle = rss_mb(server.pid)
    peak = [idle]
    waits: list[float] = []

    def sample() -> None:
        peak[0] = max(peak[0], rss_mb(server.pid))

    def health() -> None:
        started = time.perf_counter()
        request(server, "GET", "/_sandbox/health")
        waits.append(time.perf_counter() - started)

    stop = threading.Event()
    watchers = [meanwhile(0.01, sample, stop), meanwhile(0.02, health, stop)]
    started = time.perf_counter()
    # the reader in a process of its own, so that it takes no time from the health checks' timing
    url = f"http://{server.host}:{server.port}{LIST.format(fmt)}"
    read = subprocess.run(
        [
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
            "-H",
            f"Authorization: {VIDAXL_AUTH}",
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    stop.set()
    for watcher in watchers:
        watcher.join()
    status, _, size = read.stdout.partition(" ")
    if read.returncode != 0 or status != "200":
        raise RuntimeError(f"GET {LIST.format(fmt)}: {read.stdout} {read.stderr}")
    waits.sort()
    p99 = waits[min(len(waits) - 1, len(waits) * 99 // 100)]
    return Streamed(fmt, int(size), seconds, peak[0] - idle, waits[-1] * 1e3, p99 * 1e3, len(waits))


def large_lists(orders: int = ORDERS) -> str:
    """The figures of each format's list of `orders` orders, as a table."""
    if shutil.which("curl") is None:
        raise RuntimeError("bench/large.py reads the lists with curl (Debian: apt-get install -y curl)")
    with ServerProcess.sandbox(*AS_USERS_RUN, "--freeze", timeout=60, cwd=ROOT) as server:
        started = time.perf_counter()
        place(server, orders)
        placed = time.perf_counter() - started
        time.sleep(1.5)  # idle: the collector's whole collection, then the level the lists start from
        idle = rss_mb(server.pid)
        rows = [stream(server, fmt) for fmt in ("json", "xml", "csv")]
    lines = [
        f"large lists: {orders:,} orders placed in {placed:.1f} s; the server then held {idle:.0f} MB",
        "format        bytes   seconds   peak above idle   health: slowest      p99   checks   result",
    ]
    lines += [
        f"{row.fmt:<6} {row.size / 1e6:>9.1f} MB {row.seconds:>8.1f} {row.peak_mb:>14.1f} MB "
        f"{row.slowest_ms:>13.1f} ms {row.p99_ms:>5.1f} ms {row.checks:>8}   {row.result}"
        for row in rows
    ]
    lines.append(
        f"targets: memory within {MEMORY_TARGET_MB:g} MB of idle, each health answer within "
        f"{HEALTH_TARGET_MS:g} ms"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(large_lists(int(sys.argv[1]) if len(sys.argv) > 1 else ORDERS))
