"""The vidaXL order lifecycle as data: which event moves an order from which status to which."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sandbox.errors import BadRequest
from sandbox.vidaxl.statuses import StatusOrder as S
from sandbox.vidaxl.world import Order, VidaxlWorld
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.orders import Change

# event -> {from: to}
TRANSITIONS: dict[str, dict[S, S]] = {
    "submit": {S.TEMPORARY: S.AWAITING_PAYMENT},
    "pay": {S.TEMPORARY: S.SUBMITTED, S.AWAITING_PAYMENT: S.SUBMITTED},
    "prepare": {S.SUBMITTED: S.BEING_PREPARED},
    "ship": {S.SUBMITTED: S.SENT, S.BEING_PREPARED: S.SENT},
    "cancel": {
        S.TEMPORARY: S.CANCELLED,
        S.SUBMITTED: S.CANCELLED,
        S.AWAITING_PAYMENT: S.CANCELLED,
        S.BEING_PREPARED: S.CANCELLED,
    },
    "refund": {S.SENT: S.REFUNDED, S.CANCELLED: S.REFUNDED},
    "replace": {S.SENT: S.REPLACED},
}


def _at(world: VidaxlWorld, payload: Mapping[str, Any]) -> datetime:
    at: datetime = payload.get("_at") or world.clock.now()
    return at


def _submit(world: VidaxlWorld, order: Order, payload: Mapping[str, Any]) -> None:
    order.submitted_at = _at(world, payload)


def _pay(world: VidaxlWorld, order: Order, payload: Mapping[str, Any]) -> None:
    order.payment_date = _at(world, payload)
    order.submitted_at = order.submitted_at or order.payment_date


def _ship(world: VidaxlWorld, order: Order, payload: Mapping[str, Any]) -> None:
    numbers = list(payload.get("trackingNumbers") or [])
    parcels = len(numbers) or int(payload.get("parcels") or 1)
    world.ship(order, parcels, _at(world, payload), numbers, payload.get("carrier"))


def _cancel(world: VidaxlWorld, order: Order, payload: Mapping[str, Any]) -> None:
    world.release(order)


def _refund(world: VidaxlWorld, order: Order, payload: Mapping[str, Any]) -> None:
    if order.payment_date is None:
        raise BadRequest.field("event", f"Order {order.id} was never paid; there is nothing to refund.")


def _replace(world: VidaxlWorld, order: Order, payload: Mapping[str, Any]) -> None:
    world.replace(order, payload.get("trackingNumber"), payload.get("carrier"))


LIFECYCLE: Lifecycle[S, VidaxlWorld, Order] = Lifecycle(
    TRANSITIONS,
    {
        "submit": _submit,
        "pay": _pay,
        "ship": _ship,
        "cancel": _cancel,
        "refund": _refund,
        "replace": _replace,
    },
)


def apply_event(world: VidaxlWorld, order: Order, event: str, payload: Mapping[str, Any], *, cause: str) -> S:
    """Move `order` on `event`; Forbidden (nothing changed) when its status does not allow it.
    `cause` says who moved it, for the order's timeline (`Change.cause`)."""
    before, parcels = order.status.label, len(order.parcels)
    order.status = LIFECYCLE.apply(world, order, order.status, event, payload)
    order.updated_at = _at(world, payload)
    sent = order.parcels[parcels:]
    detail = f"{sent[0].carrier} {', '.join(p.tracking_number for p in sent)}" if sent else None
    if event == "replace":
        detail = f"replacement {order.replacement_tracking_number}"
    world.orders.record(order, Change(order.updated_at, before, order.status.label, event, cause, detail))
    return order.status
