"""The vidaXL side of the world: customers and their addressbooks, the catalogue, and orders."""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from sandbox.vidaxl.statuses import StatusOrder
from sandbox.world.carriers import tracking_number, tracking_url
from sandbox.world.catalogue import Stock, Warehouse
from sandbox.world.clock import Clock
from sandbox.world.money import cents, vat
from sandbox.world.orders import Change, OrderBook
from sandbox.world.recent import Recent

# Standard VAT rates of the countries vidaXL delivers to; deliveries outside the EU are exports
# at 0 %. Any other country is unsupported ("Could not create order").
VAT_BY_COUNTRY: dict[str, Decimal] = {
    code: Decimal(str(rate))
    for code, rate in {
        "AT": 20,
        "BE": 21,
        "BG": 20,
        "CY": 19,
        "CZ": 21,
        "DE": 19,
        "DK": 25,
        "EE": 24,
        "ES": 21,
        "FI": "25.5",
        "FR": 20,
        "GR": 24,
        "HR": 25,
        "HU": 27,
        "IE": 23,
        "IT": 22,
        "LT": 21,
        "LU": 17,
        "LV": 21,
        "MT": 18,
        "NL": 21,
        "PL": 23,
        "PT": 23,
        "RO": 21,
        "SE": 25,
        "SI": 22,
        "SK": 23,
        "GB": 0,
        "CH": 0,
        "NO": 0,
    }.items()
}
CATEGORIES = {
    "Garden > Garden Furniture > Garden Chairs": ("Garden Chair", 25, 180),
    "Garden > Garden Furniture > Garden Tables": ("Garden Table", 40, 400),
    "Garden > Parasols & Sunshades": ("Parasol", 20, 150),
    "Home > Furniture > Bookcases & Shelving Units": ("Bookcase", 30, 250),
    "Home > Furniture > Beds & Bed Frames": ("Bed Frame", 60, 500),
    "Home > Lighting > Lamps": ("Floor Lamp", 15, 120),
    "Home > Kitchen > Bar Stools": ("Bar Stool Set", 40, 200),
    "Sporting Goods > Fitness > Weights": ("Dumbbell Set", 20, 160),
    "Pet Supplies > Dog Supplies > Dog Beds": ("Dog Bed", 15, 90),
    "Toys & Games > Outdoor Play > Playhouses": ("Playhouse", 80, 600),
}
CARRIERS = ["DHL", "PostNL", "DPD", "GLS"]
SHIPPING_OPTIONS = {1: "Standard delivery", 2: "Express delivery"}
STANDARD_DELIVERY = 1
"""The shipping option of an order placed through the API (which has no field to choose one)."""
# Paid today, dispatched from Venlo the next day, delivered this many days later.
DISPATCH_DAYS = 1
DELIVERY_DAYS = {"NL": 1, "BE": 2, "DE": 2, "LU": 2, "GB": 5, "CH": 5, "NO": 6, "": 4}
WAREHOUSE = Warehouse("vidaXL Venlo", Decimal(0))
PRICES_KEPT = 100_000
"""The most prices `price_for` keeps (products times price factors)."""


DELIVERY = ("address", "city", "postal_code", "country", "name", "phone")
"""What an address needs before a parcel can go there (the docs: a phone number always)."""


@dataclass(slots=True)
class Addressbook:
    """One of a customer's addresses. Every line ships to a deliverable one; the order's own may
    hold less (integrations send just `{"country": "DK"}` there, the address on each line)."""

    id: int
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    name: str | None = None
    phone: str | None = None
    address2: str | None = None
    province: str | None = None
    comments: str | None = None
    email: str | None = None
    reference_code: str | None = None

    def missing(self) -> list[str]:
        """The fields a delivery needs that this address lacks."""
        given = (self.address, self.city, self.postal_code, self.country, self.name, self.phone)
        return [name for name, value in zip(DELIVERY, given, strict=True) if not (value or "").strip()]


@dataclass
class Customer:
    id: int
    email: str
    token: str
    name: str
    company: str | None
    phone: str | None
    reference_code: str
    pricelist_id: int
    price_factor: Decimal
    api_enabled: bool
    addressbooks: list[Addressbook] = field(default_factory=list)
    _books: dict[int, Addressbook] = field(default_factory=dict, init=False, repr=False, compare=False)
    """`addressbooks` by id (the first of an id wins, as in the list): each order placed with an
    address adds one, so that a lookup by id would otherwise walk one per order."""
    _booked: int = field(default=0, init=False, repr=False, compare=False)
    """How many of `addressbooks` `_books` holds: those appended since are added at the next lookup."""

    @property
    def key(self) -> str:
        return str(self.id)

    def addressbook(self, addressbook_id: int) -> Addressbook | None:
        if self._booked != len(self.addressbooks):
            if self._booked > len(self.addressbooks):  # not the list it indexed: start over
                self._books, self._booked = {}, 0
            for entry in self.addressbooks[self._booked :]:
                self._books.setdefault(entry.id, entry)
            self._booked = len(self.addressbooks)
        return self._books.get(addressbook_id)


@dataclass
class Product:
    id: int
    code: str
    name: str
    ean: str
    category_path: str
    price: Decimal
    """The base price before VAT; a customer pays it times the price list's factor."""
    stock: Stock
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Line:
    id: int
    product: Product
    quantity: int
    price: Decimal
    vat_percentage: Decimal
    addressbook: Addressbook
    reserved: int
    created_at: datetime
    backordered: int = field(init=False)
    """What stock lacked when the order was placed."""

    def __post_init__(self) -> None:
        self.backordered = self.quantity - self.reserved

    @property
    def total_before_vat(self) -> Decimal:
        return cents(self.price * self.quantity)

    @property
    def total_vat(self) -> Decimal:
        return vat(self.total_before_vat, self.vat_percentage)

    @property
    def total_after_vat(self) -> Decimal:
        return self.total_before_vat + self.total_vat

    @property
    def is_backorder(self) -> bool:
        return self.backordered > 0


@dataclass(slots=True)
class Parcel:
    carrier: str
    tracking_number: str
    tracking_url: str


@dataclass(slots=True)
class Order:
    """A vidaXL order. Whatever changes it sets `updated_at` too (views are kept until it moves)."""

    id: int
    customer: Customer
    status: StatusOrder
    reference: str | None
    comments: str | None
    addressbook: Addressbook | None
    lines: list[Line]
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None = None
    payment_date: datetime | None = None
    sent_date: datetime | None = None
    shipping_option_id: int = 1
    parcels: list[Parcel] = field(default_factory=list)
    replacement_tracking_number: str | None = None
    """The parcel sent to replace this order (status 9)."""
    history: list[Change] = field(default_factory=list)
    """Every status change, oldest first (the dashboard's timeline; no API shows it)."""

    @property
    def owner(self) -> str:
        return self.customer.key

    @property
    def order_number(self) -> str:
        return str(300000000 + self.id)

    @property
    def address(self) -> Addressbook:
        """Where the order is shown to go: its own address when deliverable, else its first
        line's (a line's address always is)."""
        if self.addressbook is not None and not self.addressbook.missing():
            return self.addressbook
        return self.lines[0].addressbook

    def estimates(self, line: Line) -> tuple[datetime, datetime] | None:
        """When `line` is expected to leave the warehouse and to arrive: known once paid."""
        if self.payment_date is None:
            return None
        paid = self.payment_date.astimezone(UTC)
        dispatch = datetime(paid.year, paid.month, paid.day, tzinfo=UTC) + timedelta(days=DISPATCH_DAYS)
        country = line.addressbook.country or ""
        return dispatch, dispatch + timedelta(days=DELIVERY_DAYS.get(country, DELIVERY_DAYS[""]))

    def refunded_at(self) -> datetime | None:
        return next((change.at for change in reversed(self.history) if change.event == "refund"), None)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def status_of(order: Order) -> int:
    return int(order.status)


def submitted_day(order: Order) -> int | None:
    """The day the order was submitted (in its own time's offset, as the filters compare it)."""
    return None if order.submitted_at is None else order.submitted_at.date().toordinal()


def microseconds(instant: datetime) -> int:
    """`instant` in microseconds since 1970 (an int that sorts as the instants do)."""
    return (instant - EPOCH) // MICROSECOND


def created_instant(order: Order) -> int:
    return microseconds(order.created_at)


class VidaxlBook(OrderBook[Order]):
    """The orders, also by status (`status_order_id_eq`) and by the day they were submitted (the
    date filters) and the time they were placed (the list's last 24 hours)."""

    groups: ClassVar[Mapping[str, Callable[[Any], Hashable]]] = {"status": status_of}
    ranks: ClassVar[Mapping[str, Callable[[Any], int | None]]] = {
        "submitted": submitted_day,
        "created": created_instant,
    }


@dataclass
class NewLine:
    """A line of an order to place, already checked."""

    product: Product
    quantity: int
    addressbook: Addressbook


@dataclass
class VidaxlWorld:
    products: list[Product]
    customers: list[Customer]
    clock: Clock
    rng: random.Random
    orders: OrderBook[Order] = field(default_factory=VidaxlBook)
    next_id: dict[str, int] = field(
        default_factory=lambda: {"order": 70001, "line": 108001, "addressbook": 9001}
    )

    def __post_init__(self) -> None:
        self.prices: dict[tuple[int, Decimal], Decimal] = {}
        self.recent = Recent()
        """The address lines and references orders were placed with lately, one string each."""
        self.by_code = {p.code: p for p in self.products}
        self.by_id = {p.id: p for p in self.products}
        self.set_customers(self.customers)

    def set_customers(self, customers: list[Customer]) -> None:
        """Make `customers` the world's accounts, with `by_email` (lower case; the first of an
        e-mail wins, as in a list) and the highest id kept in step."""
        self.customers = customers
        self.by_email: dict[str, Customer] = {}
        for customer in customers:
            self.by_email.setdefault(customer.email.lower(), customer)
        self.top_customer_id = max((c.id for c in customers), default=8)

    def new_id(self, kind: str) -> int:
        self.next_id[kind] += 1
        return self.next_id[kind] - 1

    def add_customer(self, name: str, email: str, token: str) -> Customer:
        """A new customer on the base price list, with no orders, over the shared catalogue."""
        customer = Customer(
            id=self.top_customer_id + 1,
            email=email,
            token=token,
            name=name,
            company=None,
            phone=None,
            reference_code=f"VX{self.rng.randint(100000, 999999)}",
            pricelist_id=25,
            price_factor=Decimal(1),
            api_enabled=True,
        )
        self.customers.append(customer)
        self.by_email.setdefault(email.lower(), customer)
        self.top_customer_id = customer.id
        return customer

    def customer_by_email(self, email: str) -> Customer | None:
        return self.by_email.get(email.lower())

    def price_for(self, customer: Customer, product: Product) -> Decimal:
        """The customer's price list price, before VAT: made once per product and price factor (a
        price to the cent follows from their values alone), the lines of every order share it."""
        key = (product.id, customer.price_factor)
        price = self.prices.get(key)
        if price is None:
            if len(self.prices) >= PRICES_KEPT:
                self.prices.clear()
            price = self.prices[key] = cents(product.price * customer.price_factor)
        return price

    def add_addressbook(self, customer: Customer, **fields: str | None) -> Addressbook:
        shared = {name: self.recent.one(value) for name, value in fields.items()}
        entry = Addressbook(id=self.new_id("addressbook"), **shared)
        customer.addressbooks.append(entry)
        return entry

    def place(
        self,
        customer: Customer,
        lines: list[NewLine],
        *,
        reference: str | None,
        comments: str | None,
        addressbook: Addressbook | None,
        shipping_option_id: int = STANDARD_DELIVERY,
        created_at: datetime | None = None,
        cause: str = "api",
    ) -> Order:
        """Store a new order (status 1, Temporary) and reserve its stock; each line's addressbook
        is deliverable."""
        now = created_at or self.clock.now()
        order_id = self.new_id("order")
        order_lines = [
            Line(
                id=self.new_id("line"),
                product=line.product,
                quantity=line.quantity,
                price=self.price_for(customer, line.product),
                vat_percentage=VAT_BY_COUNTRY[line.addressbook.country or ""],
                addressbook=line.addressbook,
                reserved=line.product.stock.reserve(line.quantity),
                created_at=now,
            )
            for line in lines
        ]
        order = Order(
            order_id,
            customer,
            StatusOrder.TEMPORARY,
            self.recent.one(reference),
            comments,
            addressbook,
            order_lines,
            now,
            now,
            shipping_option_id=shipping_option_id,
        )
        self.orders.add(order)
        self.orders.record(order, Change(now, None, order.status.label, "place", cause))
        return order

    def ship(
        self,
        order: Order,
        parcels: int,
        at: datetime,
        numbers: list[str] | None = None,
        carrier: str | None = None,
    ) -> None:
        """Send the whole order in `parcels` parcels (with these tracking numbers, or new ones):
        reserved stock leaves the warehouse."""
        postal_code = order.lines[0].addressbook.postal_code or ""
        carrier = carrier or self.rng.choice(CARRIERS)
        numbers = numbers or [tracking_number(carrier, self.rng) for _ in range(parcels)]
        for number in numbers:
            order.parcels.append(Parcel(carrier, number, tracking_url(carrier, number, postal_code)))
        for line in order.lines:
            line.product.stock.consume(line.reserved)
            line.reserved = 0
        order.sent_date = at

    def replace(self, order: Order, number: str | None = None, carrier: str | None = None) -> None:
        """Send a replacement of the order: a parcel with a tracking number of its own (given, or
        new from the carrier of the first parcel)."""
        carrier = carrier or (order.parcels[0].carrier if order.parcels else self.rng.choice(CARRIERS))
        order.replacement_tracking_number = number or tracking_number(carrier, self.rng)

    def release(self, order: Order) -> None:
        """Return the order's reserved stock."""
        for line in order.lines:
            line.product.stock.release(line.reserved)
            line.reserved = 0
