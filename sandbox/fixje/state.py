"""The Fixje world's changing state as plain JSON, and back onto a freshly seeded world."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.fixje.world import FixjeWorld, Partner, StoreFront
from sandbox.world.orders import Address, Order, OrderBook, OrderLine, Shipment, changes
from sandbox.world.snapshot import at, day, plain, rng_state, set_rng_state, when


def export(world: FixjeWorld) -> dict[str, Any]:
    return {
        "partners": plain(world.partners),
        "stock": {s.id: [s.available, s.reserved] for p in world.catalogue.products for s in p.stocks},
        "orders": plain(world.orders.placed),
        "placed": world.placed,
        "ids": rng_state(world.ids.rng),
        "rng": rng_state(world.rng),
    }


def _address(data: dict[str, Any] | None) -> Address | None:
    return None if data is None else Address(**data)


def _order(data: dict[str, Any]) -> Order:
    lines = [OrderLine(**{**line, "unit_price": Decimal(line["unit_price"]),
                          "vat_rate": Decimal(line["vat_rate"])}) for line in data["lines"]]
    shipments = [Shipment(**{**s, "shipped_at": at(s["shipped_at"])}) for s in data["shipments"]]
    shipping_address = _address(data["shipping_address"])
    assert shipping_address is not None
    return Order(**{
        **data, "lines": lines, "shipments": shipments, "shipping_address": shipping_address,
        "billing_address": _address(data["billing_address"]), "created_at": at(data["created_at"]),
        "requested_delivery_date": day(data["requested_delivery_date"]),
        "status_since": when(data["status_since"]), "history": changes(data.get("history", [])),
    })


def restore(world: FixjeWorld, state: dict[str, Any]) -> None:
    """Put `state` onto `world`, freshly seeded from the same seed and fixtures."""
    world.partners = [
        Partner(**{**p, "storefronts": [StoreFront(**{**s, "categories": tuple(s["categories"])})
                                        for s in p["storefronts"]]})
        for p in state["partners"]
    ]
    stocks = {s.id: s for p in world.catalogue.products for s in p.stocks}
    for stock_id, (available, reserved) in state["stock"].items():
        stocks[stock_id].available, stocks[stock_id].reserved = available, reserved
    world.orders = OrderBook()
    for data in state["orders"]:
        world.orders.add(_order(data))
    world.placed = state["placed"]
    set_rng_state(world.ids.rng, state["ids"])
    set_rng_state(world.rng, state["rng"])
