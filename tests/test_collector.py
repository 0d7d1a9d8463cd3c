"""The server's garbage collection: what survives a collection is frozen, so that the next one walks
only what came since; a sweep when the server is idle (or a minute old) collects what froze."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from sandbox.collector import Collector


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def collector() -> Iterator[Collector]:
    collector = Collector(every=0.01, idle=0.3, longest=3600)
    collector.start()
    try:
        yield collector
    finally:
        collector.stop()
    assert collector.after not in gc.callbacks and gc.get_freeze_count() == 0


def frozen_garbage() -> weakref.ref[Node]:
    """A cycle that survives a collection (so it is frozen), then becomes garbage."""
    node = Node()
    gc.collect()
    assert gc.get_freeze_count() > 0
    gone = weakref.ref(node)
    del node
    return gone


def test_what_survives_a_full_collection_is_frozen(collector: Collector) -> None:
    assert gc.get_freeze_count() > 0  # the start: the seeded worlds, the specs
    before = collector.freezes
    kept = [Node() for _ in range(1000)]
    gc.collect()
    assert collector.freezes == before + 1 and gc.get_freeze_count() >= len(kept)
    gc.collect(0)  # a young collection freezes nothing
    assert collector.freezes == before + 1


def test_a_sweep_frees_the_garbage_that_froze(collector: Collector) -> None:
    gone = frozen_garbage()
    gc.collect()
    assert gone() is not None  # frozen: no collection sees it
    collector.sweep()
    assert gone() is None
    assert gc.get_freeze_count() > 0 and collector.swept == collector.freezes


def test_the_server_sweeps_once_it_is_idle_not_while_requests_come(collector: Collector) -> None:
    async def serve() -> None:
        sweeper = asyncio.create_task(collector.sweep_when_idle())
        gone = frozen_garbage()
        for _ in range(10):  # a request every 20 ms for 0.2 s: busy
            collector.requests += 1
            await asyncio.sleep(0.02)
        assert gone() is not None and collector.freezes > collector.swept
        await asyncio.sleep(1.0)  # quiet for longer than `idle`
        assert gone() is None and collector.swept == collector.freezes
        sweeper.cancel()

    asyncio.run(serve())


def test_a_busy_server_sweeps_when_the_last_sweep_is_old() -> None:
    collector = Collector(every=0.01, idle=3600, longest=0.1)
    collector.start()
    try:

        async def serve() -> None:
            sweeper = asyncio.create_task(collector.sweep_when_idle())
            gone = frozen_garbage()
            for _ in range(30):  # never idle
                collector.requests += 1
                await asyncio.sleep(0.01)
            assert gone() is None
            sweeper.cancel()

        asyncio.run(serve())
    finally:
        collector.stop()


def test_the_start_freezes_without_a_collection_and_sweeps_when_idle() -> None:
    """`sandbox serve` builds the app with collection off; the start turns it on, freezes what
    lives without walking it, and leaves the garbage of the start-up to the first idle sweep."""
    gc.disable()
    garbage = Node()
    gone = weakref.ref(garbage)
    del garbage
    collector = Collector(every=0.01, idle=0.05, longest=3600)
    collections = gc.get_stats()[2]["collections"]
    collector.start()
    try:
        assert gc.isenabled() and gc.get_freeze_count() > 0
        assert gc.get_stats()[2]["collections"] == collections  # no whole collection at the start
        assert gone() is not None and collector.freezes > collector.swept

        async def serve() -> None:
            sweeper = asyncio.create_task(collector.sweep_when_idle())
            await asyncio.sleep(0.3)
            assert gone() is None and collector.swept == collector.freezes
            sweeper.cancel()

        asyncio.run(serve())
    finally:
        collector.stop()
        gc.enable()


def test_a_sweep_waits_for_a_reason_garbage_found_or_worlds_replaced(collector: Collector) -> None:
    """A whole collection walks the whole store: after one, the next is made only once a
    collection found garbage (what froze may be garbage too), or the worlds were replaced."""

    async def serve() -> None:
        sweeper = asyncio.create_task(collector.sweep_when_idle())
        await asyncio.sleep(0.5)  # the start's sweep
        assert collector.swept == collector.freezes and not collector.due
        gone = frozen_garbage()
        await asyncio.sleep(0.6)  # idle, but nothing found: no sweep
        assert gone() is not None and not collector.due
        Node()  # garbage in a cycle, found by the next collection
        collector.requests += 1
        await asyncio.sleep(0.6)
        assert gone() is None and not collector.due
        gone = frozen_garbage()
        collector.replaced()  # a reset: the old worlds froze
        await asyncio.sleep(0.6)
        assert gone() is None
        sweeper.cancel()

    asyncio.run(serve())
