"""A real `sandbox serve` process (uvicorn) on a free port, for the tests that need a socket."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

import requests


@dataclass
class Server:
    url: str
    host: str
    port: int
    banner: str
    pid: int
    log: list[str] = field(default_factory=list)
    """What the process printed after its banner: uvicorn's warnings, any traceback."""


def _drain(stream: IO[str], log: list[str]) -> None:
    """Keep reading the process's output, so that a full pipe never blocks it."""
    for line in stream:
        log.append(line)


@contextmanager
def serve(*args: str) -> Iterator[Server]:
    """`sandbox serve --port 0 --log-level warning *args`, ready to answer; stopped afterwards."""
    command = [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--log-level", "warning", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        try:
            assert process.stdout is not None
            banner: list[str] = []
            while not banner or "/_sandbox/health" not in banner[-1]:
                line = process.stdout.readline()
                assert line, f"the sandbox stopped before serving: {''.join(banner)}"
                banner.append(line)
            found = re.search(r"listening on (127\.0\.0\.1|0\.0\.0\.0):(\d+)", "".join(banner))
            assert found, banner
            host, port = "127.0.0.1", int(found.group(2))
            server = Server(f"http://{host}:{port}", host, port, "".join(banner), process.pid)
            threading.Thread(target=_drain, args=(process.stdout, server.log), daemon=True).start()
            for _ in range(200):
                try:
                    if requests.get(f"{server.url}/_sandbox/health", timeout=1).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
            yield server
        finally:
            process.terminate()
            process.wait(timeout=10)
