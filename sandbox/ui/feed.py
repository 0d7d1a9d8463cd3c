"""The dashboard's live feed: journal entries and order changes, sent to every open stream as
server-sent events. While no stream is open nothing listens, so the requests pay nothing for it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from functools import partial
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from sandbox.journal import Journal
from sandbox.world.clock import Clock, rfc3339
from sandbox.world.orders import Change, OrderBook
from sandbox.world.schedule import Schedule

BEHIND = 2000
"""Messages a stream may have waiting; past that it is told to reload instead."""
TICK = 1.0
"""Seconds between looks at the clock (and at whether the feed closed)."""
PING = 15.0
"""Seconds of silence after which a comment keeps proxies from closing the stream."""

Describe = Callable[[str, Any, Change], dict[str, Any]]
"""An order change as the browser gets it: (api, order, change) -> JSON-shaped data."""


def message(kind: str, data: Any) -> str:
    """One server-sent event."""
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


class Stream:
    """One open stream: a queue in the event loop that serves it."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.behind = False
        self.clock: tuple[str, bool] | None = None

    def offer(self, text: str | None) -> None:
        """Queue `text` (None: the end); callable from any thread."""
        with contextlib.suppress(RuntimeError):  # its loop is gone: so is the stream
            self.loop.call_soon_threadsafe(self._put, text)

    def _put(self, text: str | None) -> None:
        if text is not None and self.queue.qsize() >= BEHIND:
            self.behind = True
            return
        self.queue.put_nowait(text)


class EventStream(StreamingResponse):
    """A `text/event-stream` response of `feed`, which leaves the feed however it ends: the
    feed closed, the client went, or the server cut it short."""

    def __init__(self, feed: Feed, headers: Mapping[str, str]) -> None:
        self.feed = feed
        self.stream = feed.join()
        super().__init__(feed.events(self.stream), media_type="text/event-stream", headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.feed.leave(self.stream)


class Feed:
    def __init__(
        self,
        clock: Clock,
        journal: Journal,
        schedule: Schedule,
        books: Callable[[], list[tuple[str, OrderBook[Any]]]],
        describe: Describe,
    ) -> None:
        self.clock = clock
        self.journal = journal
        self.schedule = schedule
        self.books = books
        self.describe = describe
        self.streams: set[Stream] = set()
        self.closed = False
        self._watching: list[tuple[OrderBook[Any], Callable[[Any, Change], None]]] = []

    def publish(self, kind: str, data: Any) -> None:
        text = message(kind, data)
        for stream in list(self.streams):
            stream.offer(text)

    def close(self) -> None:
        """End every stream (the server is stopping); later streams end at once."""
        self.closed = True
        for stream in list(self.streams):
            stream.offer(None)

    async def events(self, stream: Stream) -> AsyncIterator[str]:
        """What `stream` sends until the feed closes (the response ends it when the client goes)."""
        yield "retry: 2000\n\n" + (self._clock(stream) or "")
        quiet = time.monotonic()
        while not self.closed:
            try:
                text = await asyncio.wait_for(stream.queue.get(), TICK)
            except TimeoutError:
                text = self._clock(stream) or (": ping\n\n" if time.monotonic() - quiet > PING else "")
            if text is None:
                break
            if stream.behind and stream.queue.empty():
                stream.behind = False
                text = message("reload", {"reason": "behind"})
            if text:
                quiet = time.monotonic()
                yield text

    def join(self) -> Stream:
        stream = Stream()
        if not self.streams:
            self._attach()
        self.streams.add(stream)
        return stream

    def leave(self, stream: Stream) -> None:
        self.streams.discard(stream)
        if not self.streams:
            self._detach()

    def _clock(self, stream: Stream) -> str | None:
        """A `clock` event when the clock shows another second than the stream last saw."""
        now = (rfc3339(self.clock.now()), self.clock.frozen)
        if now == stream.clock:
            return None
        stream.clock = now
        return message("clock", {"now": now[0], "frozen": now[1]})

    def _attach(self) -> None:
        self.journal.listeners.append(self._request)
        self.schedule.restarted.append(self._restarted)
        self._watch()

    def _detach(self) -> None:
        self.journal.listeners.remove(self._request)
        self.schedule.restarted.remove(self._restarted)
        self._unwatch()

    def _watch(self) -> None:
        for api, book in self.books():
            watcher = partial(self._order, api)
            book.watchers.append(watcher)
            self._watching.append((book, watcher))

    def _unwatch(self) -> None:
        for book, watcher in self._watching:
            if watcher in book.watchers:
                book.watchers.remove(watcher)
        self._watching.clear()

    def _restarted(self) -> None:
        """The worlds were replaced (a reset, an import): follow the new order books."""
        self._unwatch()
        self._watch()
        self.publish("reset", {"now": rfc3339(self.clock.now()), "frozen": self.clock.frozen})

    def _request(self, entry: dict[str, Any]) -> None:
        self.publish("request", entry)

    def _order(self, api: str, order: Any, change: Change) -> None:
        self.publish("order", self.describe(api, order, change))
