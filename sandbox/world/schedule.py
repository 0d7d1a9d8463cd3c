"""Automatic progression: orders move on their own after so long in a status, in time order.

Each API gives its rules (`from` status, `after` a duration, `event`, and optionally the `share`
of orders it applies to, drawn per order from the seed). An order's next move is the earliest of
the rules for its status; the schedule keeps one entry per order in a heap, and `catch_up()`
applies every move that is due by the clock's time, earliest first, each at its own due time."""

from __future__ import annotations

import heapq
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.world.clock import Clock

Plan = tuple[datetime, str, str, str, datetime, int, Any]
"""An order's next move: when it is due, the API, the order's id, what it was planned for (the
order's status, since when, the rule's index), and the order. One tuple, in the heap and in
`pending`, for each order that has a move ahead (every order placed, often), so it is kept flat;
it sorts by time, then API and id, as the moves are applied."""


@dataclass(frozen=True)
class Rule:
    status: str
    after: timedelta
    event: str
    share: float = 1.0


@dataclass
class Track:
    """One API's orders as the schedule sees them."""

    api: str
    rules: Sequence[Rule]
    placed: list[Any]
    """The API's orders in the order they were placed (the order book's own list)."""
    status: Callable[[Any], str]
    since: Callable[[Any], datetime]
    apply: Callable[[Any, str, datetime], object]
    scanned: int = 0


class Schedule:
    def __init__(self, clock: Clock, seed: int, tracks: Sequence[Track]) -> None:
        self.clock = clock
        self.seed = seed
        self.restarted: list[Callable[[], None]] = []
        """Told after each restart: the worlds were replaced (a reset, an import)."""
        self.restart(tracks)

    def restart(self, tracks: Sequence[Track]) -> None:
        """Forget every plan and follow these orders instead (after a reset)."""
        self.tracks = {track.api: track for track in tracks}
        self.heap: list[Plan] = []
        self.pending: dict[str, dict[str, Plan]] = {track.api: {} for track in tracks}
        """Each API's plans by order id: the latest plan of each order (the heap keeps the
        superseded ones until they come up)."""
        self.applied = 0
        for told in self.restarted:
            told()

    def _takes(self, track: Track, order: Any, index: int, rule: Rule) -> bool:
        if rule.share >= 1:
            return True
        return random.Random(f"{self.seed}:{track.api}:{order.id}:{index}").random() < rule.share

    def touch(self, api: str, order: Any) -> None:
        """(Re)plan `order`'s next move, after its status changed."""
        track = self.tracks[api]
        # one string per status, not one per plan
        status, since = sys.intern(str(track.status(order))), max(track.since(order), self.clock.start)
        moves = [
            (since + rule.after, index, rule)
            for index, rule in enumerate(track.rules)
            if rule.status == status and self._takes(track, order, index, rule)
        ]
        order_id = str(order.id)
        if not moves:
            self.pending[api].pop(order_id, None)
            return
        due, index, _ = min(moves, key=lambda move: (move[0], move[1]))
        plan = (due, api, order_id, status, since, index, order)
        self.pending[api][order_id] = plan
        heapq.heappush(self.heap, plan)

    def catch_up(self) -> int:
        """Apply every move due by now, earliest first; how many were applied."""
        for track in self.tracks.values():
            while track.scanned < len(track.placed):
                self.touch(track.api, track.placed[track.scanned])
                track.scanned += 1
        now = self.clock.now()
        applied = 0
        while self.heap and self.heap[0][0] <= now:
            plan = heapq.heappop(self.heap)
            due, api, order_id, _, _, index, order = plan
            if self.pending[api].get(order_id) is not plan:
                continue  # superseded by a later plan
            track = self.tracks[api]
            track.apply(order, track.rules[index].event, due)
            applied += 1
            self.touch(api, order)
        self.applied += applied
        return applied
