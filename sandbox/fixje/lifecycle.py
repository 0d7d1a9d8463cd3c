"""The Fixje order lifecycle as data: which event moves an order from which status to which."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sandbox.errors import BadRequest
from sandbox.fixje.orders import Order
from sandbox.fixje.statuses import OrderStatus as S
from sandbox.fixje.world import FixjeWorld
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.orders import Change

# event -> {from: to}. A shipment that leaves items behind makes the order PartiallyShipped.
TRANSITIONS: dict[str, dict[S, S]] = {
    "process": {S.NEW: S.PROCESSING},
    "ship": {S.NEW: S.SHIPPED, S.PROCESSING: S.SHIPPED, S.PARTIALLY_SHIPPED: S.SHIPPED},
    "deliver": {S.SHIPPED: S.DELIVERED},
    "cancel": {S.NEW: S.CANCELLED, S.PROCESSING: S.CANCELLED},
}


def remaining(order: Order) -> dict[str, int]:
    """What is still to ship, per SKU."""
    left: dict[str, int] = {}
    for line in order.lines:
        if line.quantity > line.quantity_shipped:
            left[line.sku] = left.get(line.sku, 0) + line.quantity - line.quantity_shipped
    return left


def _ship(world: FixjeWorld, order: Order, payload: Mapping[str, Any]) -> S:
    left = remaining(order)
    items: dict[str, int] = dict(payload.get("items") or left)
    errors = {
        f"items.{sku}": [f"SKU {sku} has {left.get(sku, 0)} unit(s) left to ship, not {n}."]
        for sku, n in items.items()
        if n > left.get(sku, 0)
    }
    if errors:
        raise BadRequest(errors=errors)
    at: datetime = payload.get("_at") or world.clock.now()
    world.ship(order, items, at, payload.get("trackingNumber"), payload.get("carrier"))
    return S.SHIPPED if not remaining(order) else S.PARTIALLY_SHIPPED


def _cancel(world: FixjeWorld, order: Order, payload: Mapping[str, Any]) -> None:
    world.release(order)


LIFECYCLE: Lifecycle[S, FixjeWorld, Order] = Lifecycle(TRANSITIONS, {"ship": _ship, "cancel": _cancel})


def apply_event(world: FixjeWorld, order: Order, event: str, payload: Mapping[str, Any], *, cause: str) -> S:
    """Move `order` on `event`; Forbidden (nothing changed) when its status does not allow it.
    `cause` says who moved it, for the order's timeline (`Change.cause`)."""
    before, shipments = S(order.status).value, len(order.shipments)
    order.status = LIFECYCLE.apply(world, order, S(order.status), event, payload)
    order.status_since = at = payload.get("_at") or world.clock.now()
    detail = None
    if len(order.shipments) > shipments:
        parcel = order.shipments[-1]
        units = ", ".join(f"{count} x {sku}" for sku, count in parcel.quantities.items())
        detail = f"{parcel.provider} {parcel.tracking_number}: {units}"
    world.orders.record(order, Change(at, before, S(order.status).value, event, cause, detail))
    return S(order.status)
