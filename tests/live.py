"""A real `sandbox serve` process (uvicorn) on a free port, for the tests that need a socket: the
package's own harness, `sandbox.process.ServerProcess`, as the pytest plugin and the benchmark use it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.process import ServerProcess

Server = ServerProcess
"""What a test reads: `url`, `host`, `port`, `banner` (its output up to the health URL), `pid`, and
`log`, the lines it printed after its banner (uvicorn's warnings, any traceback)."""


@contextmanager
def serve(*args: str) -> Iterator[Server]:
    """`sandbox serve --host 127.0.0.1 --port 0 --log-level warning *args`, ready to answer (or an
    error with its output); stopped afterwards."""
    with ServerProcess.sandbox(*args) as server:
        yield server
