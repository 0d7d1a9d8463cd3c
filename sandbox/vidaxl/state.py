"""The vidaXL world's changing state as plain JSON, and back onto a freshly seeded world."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from sandbox.vidaxl.statuses import StatusOrder
from sandbox.vidaxl.world import (
    STANDARD_DELIVERY,
    VAT_BY_COUNTRY,
    Addressbook,
    Customer,
    Line,
    Order,
    Parcel,
    VidaxlBook,
    VidaxlWorld,
)
from sandbox.world.catalogue import Stock
from sandbox.world.orders import changes
from sandbox.world.snapshot import (
    StateError,
    at,
    lookup,
    plain,
    rng_state,
    set_rng_state,
    under,
    unique,
    when,
)


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
        **{
            k: plain(getattr(order, k))
            for k in (
                "id",
                "status",
                "reference",
                "comments",
                "created_at",
                "updated_at",
                "submitted_at",
                "payment_date",
                "sent_date",
                "shipping_option_id",
                "parcels",
                "replacement_tracking_number",
                "history",
            )
        },
        "customer": order.customer.id,
        "addressbook": order.addressbook.id if order.addressbook else None,
        "lines": [
            {
                "id": line.id,
                "product": line.product.id,
                "quantity": line.quantity,
                "price": str(line.price),
                "vat_percentage": str(line.vat_percentage),
                "addressbook": line.addressbook.id,
                "reserved": line.reserved,
                "backordered": line.backordered,
                "created_at": plain(line.created_at),
            }
            for line in order.lines
        ],
    }


def _customers(state: list[dict[str, Any]]) -> list[Customer]:
    customers = [
        Customer(
            **{
                **c,
                "price_factor": Decimal(c["price_factor"]),
                "addressbooks": [Addressbook(**a) for a in c["addressbooks"]],
            }
        )
        for c in state
    ]
    unique([c.id for c in customers], ("customers",), "customer")
    seen: set[int] = set()
    for index, customer in enumerate(customers):
        for number, book in enumerate(customer.addressbooks):
            where = ("customers", index, "addressbooks", number)
            if book.id in seen:
                raise StateError((*where, "id"), f"Another addressbook already has the id {book.id}.")
            seen.add(book.id)
            # an order placed to a deliverable addressbook takes the VAT of its country
            if not book.missing() and book.country not in VAT_BY_COUNTRY:
                raise StateError((*where, "country"), f"vidaXL does not deliver to {book.country!r}.")
    return customers


def _lines(world: VidaxlWorld, data: list[dict[str, Any]], books: dict[int, Addressbook]) -> list[Line]:
    lines = []
    for index, item in enumerate(data):
        where = ("lines", index)
        product = lookup(
            world.by_id,
            item["product"],
            (*where, "product"),
            f"No vidaXL product has the id {item['product']}.",
        )
        book = lookup(
            books,
            item["addressbook"],
            (*where, "addressbook"),
            f"No customer has an addressbook with the id {item['addressbook']}.",
        )
        if lacking := book.missing():
            raise StateError(
                (*where, "addressbook"),
                f"A line ships to a deliverable address; addressbook {book.id} lacks {', '.join(lacking)}.",
            )
        line = Line(
            item["id"],
            product,
            item["quantity"],
            Decimal(item["price"]),
            Decimal(item["vat_percentage"]),
            book,
            item["reserved"],
            at(item["created_at"]),
        )
        line.backordered = item["backordered"]
        lines.append(line)
    return lines


def _check_ids(world: VidaxlWorld, books: list[Addressbook]) -> None:
    """Ids are unique and below the next one the world gives out (a new one would clash)."""
    orders = world.orders.placed
    unique([order.id for order in orders], ("orders",), "order")
    for kind, ids in (
        ("order", [o.id for o in orders]),
        ("line", [li.id for o in orders for li in o.lines]),
        ("addressbook", [b.id for b in books]),
    ):
        if ids and max(ids) >= world.next_id[kind]:
            raise StateError(
                ("next_id", kind),
                f"The next {kind} id must be above every {kind} id of the state, {max(ids)}.",
            )


def _restored(
    world: VidaxlWorld, data: dict[str, Any], customers: dict[int, Customer], books: dict[int, Addressbook]
) -> Order:
    customer = lookup(
        customers, data["customer"], ("customer",), f"No customer has the id {data['customer']}."
    )
    addressbook = None
    if data["addressbook"] is not None:
        addressbook = lookup(
            books,
            data["addressbook"],
            ("addressbook",),
            f"No customer has an addressbook with the id {data['addressbook']}.",
        )
    return Order(
        id=data["id"],
        customer=customer,
        status=StatusOrder(data["status"]),
        reference=data["reference"],
        comments=data["comments"],
        addressbook=addressbook,
        lines=_lines(world, data["lines"], books),
        created_at=at(data["created_at"]),
        updated_at=at(data["updated_at"]),
        submitted_at=when(data["submitted_at"]),
        payment_date=when(data["payment_date"]),
        sent_date=when(data["sent_date"]),
        # exports before every order had a shipping option say null
        shipping_option_id=data["shipping_option_id"] or STANDARD_DELIVERY,
        parcels=[Parcel(**p) for p in data["parcels"]],
        replacement_tracking_number=data.get("replacement_tracking_number"),
        history=changes(data.get("history", [])),
    )


def _check_reserved(world: VidaxlWorld) -> None:
    """Each product's reserved stock covers what the lines hold reserved on it (shipping or
    cancelling an order takes that much from it)."""
    held: Counter[int] = Counter()
    for order in world.orders.placed:
        for line in order.lines:
            held[line.product.id] += line.reserved
    for product_id, units in held.items():
        reserved = world.by_id[product_id].stock.reserved
        if reserved < units:
            raise StateError(
                ("stock", str(product_id), 1),
                f"The orders' lines hold {units} unit(s) reserved on this product, more than its {reserved}.",
            )


def restore(world: VidaxlWorld, state: dict[str, Any]) -> None:
    """Put `state` onto `world`, freshly seeded from the same seed and fixtures; a StateError
    naming the field (from the world's state on) when it names what the world does not have."""
    world.set_customers(_customers(state["customers"]))
    for index, customer in enumerate(world.customers):
        if world.by_email[customer.email.lower()] is not customer:
            raise StateError(
                ("customers", index, "email"), f"Another customer already has the email {customer.email!r}."
            )
    customers = {c.id: c for c in world.customers}
    books = {a.id: a for c in world.customers for a in c.addressbooks}
    for product_id, (available, reserved) in state["stock"].items():
        stock = lookup(
            world.by_id, int(product_id), ("stock", product_id), f"No vidaXL product has the id {product_id}."
        ).stock
        stock.available, stock.reserved = available, reserved
        Stock.changed()
    world.orders = VidaxlBook()
    for index, data in enumerate(state["orders"]):
        with under("orders", index):
            world.orders.add(_restored(world, data, customers, books))
    world.next_id = dict(state["next_id"])
    _check_ids(world, list(books.values()))
    _check_reserved(world)
    set_rng_state(world.rng, state["rng"], "rng")
