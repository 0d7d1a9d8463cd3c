"""Garbage collection off the request path: pauses that do not grow with the store.

Python's full collection walks every object the process holds, and the store grows by each order
placed: at a few thousand orders a second, one in a hundred answers waited 100 ms or more behind a
collection, longer as the store grew. `Collector` freezes what survives each full collection
(`gc.freeze()`), so that the next one walks only what came since: the pause follows the requests
of the last moments, not the size of the store. What is frozen is never collected, so a frozen
object that later becomes garbage in a cycle (a world replaced by a reset or an import, the objects
of a request that was in flight) would stay: when the server has been idle for a second, and at
least once a minute whatever the load, it thaws everything and collects it all at once.

Such a whole collection is a pause that does grow with the store (about 2 ms per 1,000 orders:
0.8 s at 320,000), so it is made only when there is reason to think something froze as garbage:
when the collections since the last one found garbage (objects in cycles that died), after the
start, which froze its own, or after a reset or an import (`replaced`), whose old worlds froze.
Requests leave none in practice: over 1,100 collections during POSTs, 401s and lists at thousands
a second, none found any, and a whole collection after 70 s of POSTs freed nothing."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

EVERY = 0.1
"""Seconds between two collections while requests come: each walks only what came since the last."""
IDLE = 1.0
"""Seconds without a request after which the server counts as idle."""
LONGEST = 60.0
"""Seconds at most between two whole collections, however busy the server."""


class Collector:
    def __init__(self, every: float = EVERY, idle: float = IDLE, longest: float = LONGEST) -> None:
        self.every = every
        self.idle = idle
        self.longest = longest
        self.requests = 0
        """Counted by the server's protocol as each request begins (`limits.limited`)."""
        self.freezes = 0
        self.swept = 0
        """`freezes` as the last sweep left it."""
        self.found = 0
        """Objects the collections found to be garbage (the start counts as one)."""
        self.found_swept = 0
        """`found` as the last sweep left it."""
        self.swept_at = time.monotonic()

    def start(self) -> None:
        """Freeze what lives now (the seeded worlds, the compiled specs), and after every full
        collection from now on; turn collection on (`sandbox serve` starts with it off). The
        little garbage of the start-up froze with the rest: the first sweep, once the server is
        idle, frees it, so that no whole collection stands between the start and the first
        answer."""
        if self.after not in gc.callbacks:
            gc.callbacks.append(self.after)
        gc.freeze()
        self.freezes += 1
        self.found += 1  # the start's garbage froze with the rest
        gc.enable()

    def stop(self) -> None:
        if self.after in gc.callbacks:
            gc.callbacks.remove(self.after)
        gc.unfreeze()

    def after(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop":
            return
        self.found += info["collected"]
        if info["generation"] == 2:
            gc.freeze()
            self.freezes += 1

    def replaced(self) -> None:
        """The worlds were replaced (a reset, an import): the old ones froze, and are garbage."""
        self.found += 1

    @property
    def due(self) -> bool:
        """Whether a sweep may free something: what froze since the last one, while the
        collections found garbage."""
        return self.freezes > self.swept and self.found > self.found_swept

    def sweep(self) -> None:
        """Thaw everything and collect it all: the garbage that froze with the living goes."""
        gc.unfreeze()
        gc.collect()  # which freezes what survives
        self.swept = self.freezes
        self.found_swept = self.found
        self.swept_at = time.monotonic()

    async def sweep_when_idle(self) -> None:
        """While requests come, collect every `every` seconds (each walks only what came since
        the last freeze). Once a sweep is `due`: sweep when no request came for `idle` seconds, or
        when the last sweep is `longest` seconds old."""
        seen, heard = self.requests, time.monotonic()
        while True:
            await asyncio.sleep(self.every)
            now = time.monotonic()
            if self.requests != seen:
                seen, heard = self.requests, now
                gc.collect()  # what came since the last freeze, and only that: then frozen too
            elif self.due and now - heard >= self.idle:
                self.sweep()
            if self.due and now - self.swept_at >= self.longest:
                self.sweep()
