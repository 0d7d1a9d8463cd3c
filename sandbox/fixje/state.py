"""The Fixje world's changing state as plain JSON, and back onto a freshly seeded world."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.fixje.orders import Address, Order, OrderLine, Shipment
from sandbox.fixje.statuses import OrderStatus
from sandbox.fixje.world import FixjeWorld, Partner, StoreFront
from sandbox.world.catalogue import Stock
from sandbox.world.orders import OrderBook, changes
from sandbox.world.snapshot import (
    StateError,
    at,
    day,
    lookup,
    plain,
    rng_state,
    set_rng_state,
    under,
    unique,
    when,
)


def export(world: FixjeWorld) -> dict[str, Any]:
    return {
        "partners": plain(world.partners),
        "stock": {s.id: [s.available, s.reserved] for p in world.catalogue.products for s in p.stocks},
        "orders": plain(world.orders.placed),
        "placed": world.placed,
        "ids": rng_state(world.ids.rng),
        "rng": rng_state(world.rng),
        "traces": rng_state(world.traces.rng),
    }


def _address(data: dict[str, Any] | None) -> Address | None:
    return None if data is None else Address(**data)


def _order(data: dict[str, Any]) -> Order:
    lines = [
        OrderLine(
            **{**line, "unit_price": Decimal(line["unit_price"]), "vat_rate": Decimal(line["vat_rate"])}
        )
        for line in data["lines"]
    ]
    shipments = [Shipment(**{**s, "shipped_at": at(s["shipped_at"])}) for s in data["shipments"]]
    shipping_address = _address(data["shipping_address"])
    if shipping_address is None:
        raise StateError(("shipping_address",), "An order needs a shipping address.")
    return Order(
        **{
            **data,
            "lines": lines,
            "shipments": shipments,
            "shipping_address": shipping_address,
            "billing_address": _address(data["billing_address"]),
            "created_at": at(data["created_at"]),
            "requested_delivery_date": day(data["requested_delivery_date"]),
            "status_since": when(data["status_since"]),
            "history": changes(data.get("history", [])),
            "warnings": tuple(data.get("warnings", ())),
        }
    )


# statuses in which an order can still ship: each line accounts for every unit
SHIPPABLE = {OrderStatus.NEW, OrderStatus.PROCESSING, OrderStatus.PARTIALLY_SHIPPED}


def _check_lines(world: FixjeWorld, order: Order, held: Counter[str]) -> None:
    """Each line names a product of the catalogue and one of its stocks; what the lines hold
    reserved is added to `held`, per stock."""
    for index, line in enumerate(order.lines):
        where = ("lines", index)
        product = lookup(
            world.catalogue.by_sku,
            line.sku,
            (*where, "sku"),
            f"No product of the catalogue has the SKU {line.sku!r}.",
        )
        if line.stock_id is not None:
            if product.stock(line.stock_id) is None:
                raise StateError(
                    (*where, "stock_id"), f"The product {line.sku} has no stock {line.stock_id!r}."
                )
            held[line.stock_id] += line.reserved
        units = line.reserved + line.backordered + line.quantity_shipped
        if order.status in SHIPPABLE and units != line.quantity:
            raise StateError(
                where,
                f"An order that can still ship (status {order.status}) accounts for "
                f"every unit: reserved + backordered + quantity_shipped ({units}) "
                f"must equal quantity ({line.quantity}).",
            )


def restore(world: FixjeWorld, state: dict[str, Any]) -> None:
    """Put `state` onto `world`, freshly seeded from the same seed and fixtures; a StateError
    naming the field (from the world's state on) when it names what the world does not have."""
    world.set_partners(
        [
            Partner(
                **{
                    **p,
                    "storefronts": [
                        StoreFront(**{**s, "categories": tuple(s["categories"])}) for s in p["storefronts"]
                    ],
                }
            )
            for p in state["partners"]
        ]
    )
    unique([p.id for p in world.partners], ("partners",), "partner")
    for index, partner in enumerate(world.partners):
        if world.by_client[partner.client_id] is not partner:
            raise StateError(
                ("partners", index, "client_id"),
                f"Another partner already has the client_id {partner.client_id!r}.",
            )
    partners = {p.id for p in world.partners}
    stocks = {s.id: s for p in world.catalogue.products for s in p.stocks}
    for stock_id, (available, reserved) in state["stock"].items():
        stock = lookup(
            stocks, stock_id, ("stock", stock_id), f"No stock of the catalogue has the id {stock_id!r}."
        )
        stock.available, stock.reserved = available, reserved
        Stock.changed()
    unique([data["id"] for data in state["orders"]], ("orders",), "order")
    world.orders = OrderBook()
    held: Counter[str] = Counter()
    for index, data in enumerate(state["orders"]):
        with under("orders", index):
            order = _order(data)
            if order.owner not in partners:
                raise StateError(("owner",), f"No partner has the id {order.owner!r}.")
            _check_lines(world, order, held)
        world.orders.add(order)
    for stock_id, units in held.items():
        if stocks[stock_id].reserved < units:
            raise StateError(
                ("stock", stock_id, 1),
                f"The orders' lines hold {units} unit(s) reserved on this stock, more than "
                f"its {stocks[stock_id].reserved}.",
            )
    world.placed = state["placed"]
    set_rng_state(world.ids.rng, state["ids"], "ids")
    set_rng_state(world.rng, state["rng"], "rng")
    if "traces" in state:  # exports before it was part of the Fixje state kept it at the top
        set_rng_state(world.traces.rng, state["traces"], "traces")
