"""The vidaXL world's changing state as plain JSON, and back onto a freshly seeded world."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.vidaxl.statuses import StatusOrder
from sandbox.vidaxl.world import STANDARD_DELIVERY, Addressbook, Customer, Line, Order, Parcel, VidaxlWorld
from sandbox.world.orders import OrderBook, changes
from sandbox.world.snapshot import at, plain, rng_state, set_rng_state, when


def export(world: VidaxlWorld) -> dict[str, Any]:
    return {
        "customers": plain(world.customers),
        "stock": {str(p.id): [p.stock.available, p.stock.reserved] for p in world.products},
        "orders": [_order(order) for order in world.orders.placed],
        "next_id": dict(world.next_id),
        "rng": rng_state(world.rng),
    }


def _order(order: Order) -> dict[str, Any]:
    return {
        **{k: plain(getattr(order, k)) for k in (
            "id", "status", "reference", "comments", "created_at", "updated_at", "submitted_at",
            "payment_date", "sent_date", "shipping_option_id", "parcels", "replacement_tracking_number",
            "history")},
        "customer": order.customer.id,
        "addressbook": order.addressbook.id if order.addressbook else None,
        "lines": [{"id": line.id, "product": line.product.id, "quantity": line.quantity,
                   "price": str(line.price), "vat_percentage": str(line.vat_percentage),
                   "addressbook": line.addressbook.id, "reserved": line.reserved,
                   "backordered": line.backordered, "created_at": plain(line.created_at)}
                  for line in order.lines],
    }


def restore(world: VidaxlWorld, state: dict[str, Any]) -> None:
    """Put `state` onto `world`, freshly seeded from the same seed and fixtures."""
    world.customers = [
        Customer(**{**c, "price_factor": Decimal(c["price_factor"]),
                    "addressbooks": [Addressbook(**a) for a in c["addressbooks"]]})
        for c in state["customers"]
    ]
    customers = {c.id: c for c in world.customers}
    books = {a.id: a for c in world.customers for a in c.addressbooks}
    for product_id, (available, reserved) in state["stock"].items():
        stock = world.by_id[int(product_id)].stock
        stock.available, stock.reserved = available, reserved
    world.orders = OrderBook()
    for data in state["orders"]:
        lines = []
        for item in data["lines"]:
            line = Line(item["id"], world.by_id[item["product"]], item["quantity"], Decimal(item["price"]),
                        Decimal(item["vat_percentage"]), books[item["addressbook"]], item["reserved"],
                        at(item["created_at"]))
            line.backordered = item["backordered"]
            lines.append(line)
        world.orders.add(Order(
            id=data["id"], customer=customers[data["customer"]], status=StatusOrder(data["status"]),
            reference=data["reference"], comments=data["comments"],
            addressbook=books[data["addressbook"]] if data["addressbook"] is not None else None,
            lines=lines, created_at=at(data["created_at"]), updated_at=at(data["updated_at"]),
            submitted_at=when(data["submitted_at"]), payment_date=when(data["payment_date"]),
            sent_date=when(data["sent_date"]), # exports before every order had a shipping option say null
            shipping_option_id=data["shipping_option_id"] or STANDARD_DELIVERY,
            parcels=[Parcel(**p) for p in data["parcels"]],
            replacement_tracking_number=data.get("replacement_tracking_number"),
            history=changes(data.get("history", [])),
        ))
    world.next_id = dict(state["next_id"])
    set_rng_state(world.rng, state["rng"])
