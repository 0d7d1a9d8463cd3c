"""One engine for order lifecycles: each API gives its statuses and a table of transitions."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

S = TypeVar("S", bound=Hashable)
WorldT = TypeVar("WorldT")
OrderT = TypeVar("OrderT")


class Forbidden(Exception):
    """An event the order's status does not allow; nothing changed."""

    def __init__(self, status: Hashable, event: str, allowed: list[str]) -> None:
        super().__init__(f"event {event!r} is not allowed in status {status!r}")
        self.status = status
        self.event = event
        self.allowed = allowed


@dataclass(frozen=True)
class Lifecycle(Generic[S, WorldT, OrderT]):
    """`table[event][status]` is the status `event` leads to from `status`. An event's effect
    does what the event does beyond the status, to the order in its world: it checks the
    payload (raising before any change), changes the order, and may name another target (a
    partial shipment)."""

    table: Mapping[str, Mapping[S, S]]
    effects: Mapping[str, Callable[[WorldT, OrderT, Mapping[str, Any]], S | None]] = field(
        default_factory=dict
    )

    def allowed(self, status: S) -> list[str]:
        """The events allowed in `status`, in the table's order."""
        return [event for event, moves in self.table.items() if status in moves]

    def target(self, status: S, event: str) -> S:
        moves = self.table.get(event, {})
        if status not in moves:
            raise Forbidden(status, event, self.allowed(status))
        return moves[status]

    def apply(self, world: WorldT, order: OrderT, status: S, event: str, payload: Mapping[str, Any]) -> S:
        """The status `order` (of `world`) moves to on `event`, after the event's effect on it."""
        target = self.target(status, event)
        effect = self.effects.get(event)
        if effect is not None:
            target = effect(world, order, payload) or target
        return target
