"""The toy supplier's world, its lifecycle table and its state: accounts, a catalogue of three
products, and orders that go open -> confirmed -> shipped (or cancelled)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.errors import BadRequest
from sandbox.world.clock import Clock, rfc3339
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.orders import Change, OrderBook, changes
from sandbox.world.snapshot import StateError, lookup, plain, rng_state, set_rng_state, under

PRODUCTS = {"TOY-001": "Spinning top", "TOY-002": "Yo-yo", "TOY-003": "Kite"}


@dataclass
class Account:
    key: str
    """The X-Toy-Key header's value; also the owner of the account's orders."""
    name: str


@dataclass
class Order:
    id: int
    owner: str
    sku: str
    quantity: int
    reference: str | None
    created_at: datetime
    status: str = "open"
    status_since: datetime | None = None
    tracking: str | None = None
    history: list[Change] = field(default_factory=list)


@dataclass
class ToyWorld:
    accounts: list[Account]
    clock: Clock
    rng: random.Random
    orders: OrderBook[Order] = field(default_factory=OrderBook)
    next_id: int = 1

    def account(self, key: str) -> Account | None:
        return next((a for a in self.accounts if a.key == key), None)

    def place(self, owner: str, sku: str, quantity: int, reference: str | None, cause: str) -> Order:
        now = self.clock.now()
        order = Order(self.next_id, owner, sku, quantity, reference, now, status_since=now)
        self.next_id += 1
        self.orders.add(order)
        self.orders.record(order, Change(now, None, "open", "place", cause))
        return order


def _ship(world: ToyWorld, order: Order, payload: Mapping[str, Any]) -> None:
    tracking = payload.get("trackingNumber") or f"TOY{world.rng.randrange(10**9):09d}"
    if len(tracking) > 64:
        raise BadRequest.field("trackingNumber", "At most 64 characters.")
    order.tracking = tracking


# event -> {from: to}
TRANSITIONS: dict[str, dict[str, str]] = {
    "confirm": {"open": "confirmed"},
    "ship": {"confirmed": "shipped"},
    "cancel": {"open": "cancelled", "confirmed": "cancelled"},
}
LIFECYCLE: Lifecycle[str, ToyWorld, Order] = Lifecycle(TRANSITIONS, {"ship": _ship})


def apply_event(world: ToyWorld, order: Order, event: str, payload: Mapping[str, Any], cause: str) -> str:
    before = order.status
    order.status = LIFECYCLE.apply(world, order, before, event, payload)
    at: datetime = payload.get("_at") or world.clock.now()
    order.status_since = at
    detail = f"tracking {order.tracking}" if event == "ship" else None
    world.orders.record(order, Change(at, before, order.status, event, cause, detail))
    return order.status


def seed_world(accounts: list[Account], seed: int, clock: Clock) -> ToyWorld:
    """Each account with one order already shipped: the same seed, the same world."""
    world = ToyWorld(accounts, clock, random.Random(f"{seed}:toy"))
    for account in accounts:
        order = world.place(account.key, world.rng.choice(sorted(PRODUCTS)), 1, None, "seed")
        apply_event(world, order, "confirm", {}, "seed")
        apply_event(world, order, "ship", {}, "seed")
    return world


def view(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "sku": order.sku,
        "quantity": order.quantity,
        "reference": order.reference,
        "status": order.status,
        "createdAt": rfc3339(order.created_at),
        "tracking": order.tracking,
    }


def export(world: ToyWorld) -> dict[str, Any]:
    return {
        "accounts": plain(world.accounts),
        "orders": [
            {
                **plain({k: v for k, v in vars(order).items() if k != "history"}),
                "history": plain(order.history),
            }
            for order in world.orders.placed
        ],
        "next_id": world.next_id,
        "rng": rng_state(world.rng),
    }


def restore(world: ToyWorld, state: dict[str, Any]) -> None:
    """`state` onto a freshly seeded `world`; a StateError names what it does not know."""
    world.accounts = [Account(**account) for account in state["accounts"]]
    keys = {account.key for account in world.accounts}
    world.orders = OrderBook()
    for index, data in enumerate(state["orders"]):
        with under("orders", index):
            if data["owner"] not in keys:
                raise StateError(("owner",), f"No toy account has the key {data['owner']!r}.")
            lookup(PRODUCTS, data["sku"], ("sku",), f"No toy product has the SKU {data['sku']!r}.")
            if data["status"] not in {"open", "confirmed", "shipped", "cancelled"}:
                raise StateError(("status",), f"No toy order status is called {data['status']!r}.")
            order = Order(
                **{
                    **data,
                    "created_at": datetime.fromisoformat(data["created_at"]),
                    "status_since": datetime.fromisoformat(data["status_since"])
                    if data["status_since"]
                    else None,
                    "history": changes(data["history"]),
                }
            )
            world.orders.add(order)
    world.next_id = state["next_id"]
    set_rng_state(world.rng, state["rng"], "rng")
