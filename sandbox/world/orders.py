"""What every supplier's orders share: their timeline of changes, and each owner's order book."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, Generic, Protocol, TypeVar


@dataclass(slots=True)
class Change:
    """One step of an order's timeline: its placement (`previous` None) or an event."""

    at: datetime
    previous: str | None
    status: str
    event: str
    cause: str
    """"api" (an API call), "control" (a control-API event), "dashboard" (one from the dashboard's
    buttons), "schedule", "scenario" or "seed"."""
    detail: str | None = None
    """What else happened (a parcel and its tracking number)."""


def changes(data: list[dict[str, Any]]) -> list[Change]:
    """An order's exported timeline (`plain` of its `Change`s), back as `Change`s."""
    return [Change(**{**change, "at": datetime.fromisoformat(change["at"])}) for change in data]


class Booked(Protocol):
    """What an order book needs of an order."""

    @property
    def id(self) -> Hashable: ...

    @property
    def owner(self) -> str: ...

    @property
    def reference(self) -> str | None: ...

    @property
    def history(self) -> list[Change]: ...


OrderT = TypeVar("OrderT", bound=Booked)
SPAN = 2**32
"""A ranked order's key is its rank * SPAN + its place in the book, one int that sorts by both."""


class OrderBook(Generic[OrderT]):
    """Every order by id, and each owner's orders in the order they were placed; a subclass may
    keep each owner's orders by groups too (`groups`: a status) and sorted by ranks (`ranks`: a
    date), so that finding those of one group or of a range of ranks costs what the answer holds,
    however many orders the owner has.

    The groups and ranks are read from the order when it is added and again at each `record`:
    every change of an order's status passes there (its timeline), whatever made it (the API,
    the control API, the schedule, a scenario, the seeding). A state import or a reset makes a
    new book. They are the class's, so that a pickle of the book names them."""

    groups: ClassVar[Mapping[str, Callable[[Any], Hashable]]] = {}
    ranks: ClassVar[Mapping[str, Callable[[Any], int | None]]] = {}
    """Where an order stands on a scale (a day, an instant, as an int; None: not on it)."""

    def __init__(self) -> None:
        self._by_id: dict[Hashable, int] = {}
        """Each order's place in `placed`."""
        self._by_owner: dict[str, list[OrderT]] = defaultdict(list)
        self._by_reference: dict[tuple[str, str], list[OrderT]] = defaultdict(list)
        self.placed: list[OrderT] = []
        """Every order, in the order they were placed."""
        self.watchers: list[Callable[[OrderT, Change], None]] = []
        """Told of every change recorded (the dashboard's live feed); none, no cost."""
        # (name, owner, group) -> the places of its orders, ascending; name -> each place's group
        self._grouped: dict[tuple[str, str, Hashable], list[int]] = {}
        self._group_of: dict[str, list[Hashable]] = {name: [] for name in self.groups}
        # (name, owner) -> the keys (rank * SPAN + place) of its ranked orders, ascending;
        # name -> each place's key (None: not ranked)
        self._ranked: dict[tuple[str, str], list[int]] = {}
        self._key_of: dict[str, list[int | None]] = {name: [] for name in self.ranks}

    def add(self, order: OrderT) -> None:
        place, owner = len(self.placed), order.owner
        self._by_id[order.id] = place
        self.placed.append(order)
        self._by_owner[owner].append(order)
        if order.reference is not None:
            self._by_reference[(owner, order.reference)].append(order)
        for name, group in self.groups.items():
            key = group(order)
            self._group_of[name].append(key)
            bisect.insort(self._grouped.setdefault((name, owner, key), []), place)
        for name, rank in self.ranks.items():
            self._key_of[name].append(None)
            self._rerank(name, owner, place, rank(order))

    def record(self, order: OrderT, change: Change) -> None:
        """Add `change` to `order`'s timeline, put the order where its groups and ranks now say,
        and tell the watchers."""
        order.history.append(change)
        place = self._by_id.get(order.id)
        if place is not None and self.placed[place] is order:
            owner = order.owner
            for name, group in self.groups.items():
                self._regroup(name, owner, place, group(order))
            for name, rank in self.ranks.items():
                self._rerank(name, owner, place, rank(order))
        for watcher in self.watchers:
            watcher(order, change)

    def _regroup(self, name: str, owner: str, place: int, group: Hashable) -> None:
        groups = self._group_of[name]
        if groups[place] != group:
            _remove(self._grouped[(name, owner, groups[place])], place)
            groups[place] = group
            bisect.insort(self._grouped.setdefault((name, owner, group), []), place)

    def _rerank(self, name: str, owner: str, place: int, rank: int | None) -> None:
        keys = self._key_of[name]
        key, before = None if rank is None else rank * SPAN + place, keys[place]
        if before == key:
            return
        if before is not None:
            _remove(self._ranked[(name, owner)], before)
        keys[place] = key
        if key is not None:
            bisect.insort(self._ranked.setdefault((name, owner), []), key)

    def get(self, owner: str, order_id: Hashable) -> OrderT | None:
        """The order if it exists and belongs to `owner`."""
        order = self.find(order_id)
        return order if order is not None and order.owner == owner else None

    def find(self, order_id: Hashable) -> OrderT | None:
        """The order with this id, whoever owns it."""
        place = self._by_id.get(order_id)
        return None if place is None else self.placed[place]

    def count(self, owner: str) -> int:
        return len(self._by_owner.get(owner, ()))

    def of(self, owner: str) -> list[OrderT]:
        """The owner's orders, oldest first."""
        return self._by_owner.get(owner, [])

    def newest_first(self, owner: str, offset: int, limit: int) -> list[OrderT]:
        orders = self._by_owner.get(owner, [])
        end = max(0, len(orders) - offset)
        return orders[max(0, end - limit) : end][::-1]

    def has_reference(self, owner: str, reference: str) -> bool:
        return (owner, reference) in self._by_reference

    def with_reference(self, owner: str, reference: str) -> list[OrderT]:
        """The owner's orders of this reference, oldest first."""
        return self._by_reference.get((owner, reference), [])

    def narrowest(
        self,
        owner: str,
        groups: Mapping[str, Hashable],
        ranks: Mapping[str, tuple[int | None, int | None]],
    ) -> list[OrderT] | None:
        """The owner's orders of the narrowest of these criteria, newest first (None: no criterion
        given): those in the group `groups[name]`, or ranked from `low` to `high` (both included,
        None: no bound) by `ranks[name]`. They hold every order that meets all the criteria, and
        others; the cost is what they hold and a binary search."""
        found: list[tuple[int, Callable[[], Iterable[int]]]] = []
        for name, group in groups.items():
            places = self._grouped.get((name, owner, group), [])
            found.append((len(places), partial(reversed, places)))
        for name, (low, high) in ranks.items():
            keys = self._ranked.get((name, owner), [])
            start = 0 if low is None else bisect.bisect_left(keys, low * SPAN)
            end = len(keys) if high is None else max(start, bisect.bisect_left(keys, (high + 1) * SPAN))
            found.append((end - start, partial(_newest_first, keys, start, end)))
        if not found:
            return None
        _, narrowest = min(found, key=lambda pair: pair[0])
        return [self.placed[place] for place in narrowest()]


def _newest_first(keys: list[int], start: int, end: int) -> list[int]:
    """The places of the ranked orders whose keys are `keys[start:end]`, newest first."""
    return sorted((key % SPAN for key in keys[start:end]), reverse=True)


def _remove(items: list[int], item: int) -> None:
    """Take `item` out of the ascending list `items`."""
    index = bisect.bisect_left(items, item)
    if index < len(items) and items[index] == item:
        del items[index]
