"""What every supplier's orders share: their timeline of changes, and each owner's order book."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar


@dataclass(slots=True)
class Change:
    """One step of an order's timeline: its placement (`previous` None) or an event."""

    at: datetime
    previous: str | None
    status: str
    event: str
    cause: str
    """"api" (an API call), "control" (a control-API event), "schedule", "scenario" or "seed"."""
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


class OrderBook(Generic[OrderT]):
    """Every order by id, and each owner's orders in the order they were placed."""

    def __init__(self) -> None:
        self._by_id: dict[Hashable, OrderT] = {}
        self._by_owner: dict[str, list[OrderT]] = defaultdict(list)
        self._by_reference: dict[tuple[str, str], list[OrderT]] = defaultdict(list)
        self.placed: list[OrderT] = []
        """Every order, in the order they were placed."""
        self.watchers: list[Callable[[OrderT, Change], None]] = []
        """Told of every change recorded (the dashboard's live feed); none, no cost."""

    def add(self, order: OrderT) -> None:
        self._by_id[order.id] = order
        self.placed.append(order)
        self._by_owner[order.owner].append(order)
        if order.reference is not None:
            self._by_reference[(order.owner, order.reference)].append(order)

    def record(self, order: OrderT, change: Change) -> None:
        """Add `change` to `order`'s timeline and tell the watchers."""
        order.history.append(change)
        for watcher in self.watchers:
            watcher(order, change)

    def get(self, owner: str, order_id: Hashable) -> OrderT | None:
        """The order if it exists and belongs to `owner`."""
        order = self._by_id.get(order_id)
        return order if order is not None and order.owner == owner else None

    def find(self, order_id: Hashable) -> OrderT | None:
        """The order with this id, whoever owns it."""
        return self._by_id.get(order_id)

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
