"""The limits that keep one client from stalling everyone: uvicorn's httptools protocol with a cap
on open connections, on the size of a request's head (its request line and headers), and on the
time a request may take to arrive.

uvicorn reads a request's head whole before the app sees it, and httptools sets no bound on it: one
64 MiB header held the event loop for seconds. Nor does uvicorn time out a connection that sends
nothing, or a head or body that trickles in: enough idle connections exhaust the open files. Here
the head is counted as its bytes arrive (431 past the limit), every request must arrive in full
within the timeout (408), and past the connection cap a new connection gets 503 at once, each
answered in plain text and closed."""

from __future__ import annotations

import asyncio
import resource
from dataclasses import dataclass
from typing import Any, Protocol

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_END = b"\r\n\r\n"
LINGER = 2.0
"""Seconds a refused connection still reads (and drops) what the client sends, so that closing it
with bytes unread does not reset it before the client has read the answer."""
REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Limits:
    connections: int
    head: int
    """Bytes of a request line and headers together."""
    timeout: float
    """Seconds for a request to arrive whole, from its first byte (or the connection's opening)."""


def default_connections() -> int:
    """Well below the process's limit of open files, which the listening socket, the log and
    each connection share."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(16, min(10_000, soft - 128))


class AccessLogger(Protocol):
    """The one call uvicorn's protocol makes of its access logger (`accesslog.FastAccess`)."""

    def info(self, message: str, client: str, method: str, path: str, version: str, status: int) -> None: ...


class Counted(Protocol):
    """What counts the requests as they begin (`collector.Collector`, whose sweeps wait for a
    quiet moment)."""

    requests: int


def limited(
    limits: Limits, access: AccessLogger | None = None, counted: Counted | None = None
) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol under `limits` (pass it as `uvicorn.Config(http=...)`), its
    access lines written by `access` when given, each request counted in `counted.requests`."""

    class Limited(LimitedHttp):
        pass

    Limited.limits = limits
    Limited.access = access
    Limited.counted = counted
    return Limited


class LimitedHttp(HttpToolsProtocol):
    limits: Limits
    access: AccessLogger | None = None
    counted: Counted | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.access is not None and self.access_log:
            self.access_logger = self.access  # type: ignore[assignment]
        self.head: int | None = 0
        """Bytes of the head of the request being read; None while a body or nothing is."""
        self.tail = b""
        """The last bytes seen of the head, for an end of head split between two reads."""
        self.since: float | None = None
        """When the request now arriving began (or the connection opened); None between two."""
        self.deadline: asyncio.TimerHandle | None = None
        """The connection's one timer: it checks `since` when it rings, so that a request costs
        no timer of its own (keep-alive connections ask many a second)."""
        self.refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.connections:
            self.refuse(503, "Too many open connections; try again shortly.")
            return
        self.begin()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.head is not None:
            seen = self.tail + data
            end = seen.find(HEAD_END)
            total = self.head + (len(data) if end < 0 else end + len(HEAD_END) - len(self.tail))
            if total > self.limits.head:
                self.refuse(431, f"The request line and headers pass {self.limits.head} bytes.")
                return
            self.head, self.tail = total, seen[-3:]
        super().data_received(data)

    # The parser says where a request's head begins and ends; a head that begins in the middle of
    # a read is counted from the next read on (at most one read's bytes uncounted).
    def on_message_begin(self) -> None:
        self.head, self.tail = 0, b""
        self.begin()
        if self.counted is not None:
            self.counted.requests += 1
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self.head = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.since = None
        super().on_message_complete()

    def begin(self) -> None:
        """A request begins to arrive (or may, on a new connection): whole within the timeout."""
        self.since = self.loop.time()
        if self.deadline is None:
            self.deadline = self.loop.call_at(self.since + self.limits.timeout, self.ring)

    def ring(self) -> None:
        """The timer: the request arriving now is out of time, or the timer waits for its end
        (or goes, with none arriving)."""
        self.deadline = None
        if self.since is None:
            return
        due = self.since + self.limits.timeout
        if self.loop.time() < due:
            self.deadline = self.loop.call_at(due, self.ring)
        else:
            self.timed_out()

    def disarm(self) -> None:
        self.since = None
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def timed_out(self) -> None:
        if self.cycle is not None and self.cycle.response_started and not self.cycle.response_complete:
            self.transport.close()  # the app has begun to answer a body that stopped coming
        else:
            self.refuse(408, f"The request did not arrive within {self.limits.timeout:g} s.")

    def refuse(self, status: int, text: str) -> None:
        """Answer `status` in plain text and end the connection: at once when nothing more can come
        (503 on opening), else after the client stops sending, or LINGER seconds."""
        self.disarm()
        if self.transport.is_closing() or self.refused:
            return
        self.refused = True
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app's answer to it goes nowhere
            self.cycle.message_event.set()
        body = text.encode()
        self.transport.write(
            f"HTTP/1.1 {status} {REASONS[status]}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        if status == 503 or not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()  # the client's end of file then closes it (eof_received)
        self.deadline = self.loop.call_later(LINGER, self.transport.close)
