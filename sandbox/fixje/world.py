"""The Fixje side of the world: partners, storefronts, shipping methods, catalogue and orders."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal

from sandbox.fixje.catalogue import CATEGORIES, Catalogue, Product
from sandbox.fixje.orders import Address, Order, OrderLine, Shipment
from sandbox.fixje.statuses import OrderStatus
from sandbox.world.carriers import tracking_number
from sandbox.world.catalogue import Stock, Warehouse
from sandbox.world.clock import Clock
from sandbox.world.ids import IdSource
from sandbox.world.orders import Change, OrderBook
from sandbox.world.recent import Recent

ADDRESS_FIELDS = tuple(each.name for each in fields(Address))
"""An address's fields, in the order its class takes them."""

WAREHOUSES = [
    Warehouse("Tilburg DC", Decimal("0.00")),
    Warehouse("Venlo Fulfilment", Decimal("0.00")),
    Warehouse("Duisburg Supplier Direct", Decimal("2.50")),
    Warehouse("Antwerpen Crossdock", Decimal("1.25")),
]
EU_CORE = ["NL", "BE", "DE", "FR", "LU", "AT"]
# name, carrier, countries, price, delivery days
SHIPPING_METHODS = [
    ("PostNL Standaard", "PostNL", ["NL", "BE"], "6.95", 1),
    ("PostNL Europa", "PostNL", ["DE", "FR", "LU", "AT", "DK", "ES", "IT"], "13.50", 4),
    ("DHL Parcel Connect", "DHL", [*EU_CORE, "ES", "IT", "PL", "CZ", "DK", "SE"], "9.95", 3),
    ("DPD Classic", "DPD", [*EU_CORE, "PL"], "8.50", 2),
    ("UPS Express Saver", "UPS", [*EU_CORE, "GB", "CH", "NO", "US"], "24.95", 1),
    ("Rhenus Pallet Freight", "Rhenus", ["NL", "BE", "DE"], "89.00", 5),
]
STOREFRONT_COUNTRIES = [("NL", "nl-NL"), ("BE", "nl-BE"), ("DE", "de-DE")]


@dataclass(frozen=True)
class ShippingMethod:
    id: str
    name: str
    carrier: str
    countries: tuple[str, ...]
    price: Decimal
    delivery_days: int


@dataclass(frozen=True)
class StoreFront:
    id: str
    name: str
    url: str
    country_code: str
    language: str
    categories: tuple[str, ...]
    currency: str = "EUR"


@dataclass
class Partner:
    id: str
    name: str
    client_id: str
    client_secret: str
    storefronts: list[StoreFront] = field(default_factory=list)

    def storefront(self, storefront_id: str) -> StoreFront | None:
        return next((s for s in self.storefronts if s.id == storefront_id), None)


@dataclass
class LineRequest:
    """One line of an order to place: a product, a quantity, and the stock to take it from."""

    product: Product
    quantity: int
    stock_id: str | None = None
    reference: str | None = None


@dataclass
class FixjeWorld:
    catalogue: Catalogue
    partners: list[Partner]
    shipping_methods: list[ShippingMethod]
    clock: Clock
    ids: IdSource
    """Ids of what the API creates, from a generator of their own."""
    rng: random.Random
    orders: OrderBook[Order] = field(default_factory=OrderBook)
    placed: int = 0
    traces: IdSource = field(default_factory=lambda: IdSource(random.Random()))
    """The trace ids of the API's error answers (ProblemDetails `traceId`)."""
    by_client: dict[str, Partner] = field(init=False, repr=False, compare=False)
    """The partners by client id, kept in step with `partners` (see `set_partners`)."""
    by_id: dict[str, Partner] = field(init=False, repr=False, compare=False)
    """The partners by id (what an order's `owner` says), kept in step with `partners`."""
    unit_prices: dict[tuple[str, str], Decimal] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    """A line's unit price by SKU and stock, made once: the lines of every order share it."""
    recent: Recent = field(init=False, repr=False, compare=False, default_factory=Recent)
    """The addresses and references orders were placed with lately, one object each."""

    def __post_init__(self) -> None:
        self.set_partners(self.partners)

    def set_partners(self, partners: list[Partner]) -> None:
        """Make `partners` the world's accounts (the first of a client id wins, as in a list)."""
        self.partners = partners
        self.by_client = {}
        self.by_id = {}
        for partner in partners:
            self.by_client.setdefault(partner.client_id, partner)
            self.by_id.setdefault(partner.id, partner)

    def add_partner(self, name: str, client_id: str, client_secret: str) -> Partner:
        """A new partner with one storefront and no orders, over the shared catalogue."""
        partner = Partner(self.ids.uuid(), name, client_id, client_secret)
        partner.storefronts.append(
            StoreFront(
                id=self.ids.uuid(),
                name=f"{name} NL",
                url=f"https://{client_id}.example",
                country_code="NL",
                language="nl-NL",
                categories=tuple(sorted(CATEGORIES)[:4]),
            )
        )
        self.partners.append(partner)
        self.by_client.setdefault(client_id, partner)
        self.by_id.setdefault(partner.id, partner)
        return partner

    def partner_by_client(self, client_id: str) -> Partner | None:
        return self.by_client.get(client_id)

    def shipping_method(self, method_id: str) -> ShippingMethod | None:
        return next((m for m in self.shipping_methods if m.id == method_id), None)

    def unit_price(self, product: Product, stock: Stock) -> Decimal:
        """The product's price from `stock`'s warehouse (its additional cost added)."""
        key = (product.sku, stock.id)
        price = self.unit_prices.get(key)
        if price is None:
            price = self.unit_prices[key] = product.price + stock.warehouse.additional_cost
        return price

    def stored(self, address: Address) -> Address:
        """`address` as an order keeps it: the object of an equal address met lately, else one
        whose texts are each the object of an equal text met lately (a city, a country, a name)."""
        if address in self.recent.kept:
            return self.recent.one(address)
        one = self.recent.one
        return one(Address(*(one(getattr(address, name)) for name in ADDRESS_FIELDS)))

    def next_reference(self) -> str:
        return f"FX-{self.placed + 1:06d}"

    def place(
        self,
        partner: Partner,
        lines: list[LineRequest],
        *,
        reference: str | None,
        shipping_address: Address,
        shipping_method: ShippingMethod,
        storefront: StoreFront,
        billing_address: Address | None = None,
        requested_delivery_date: date | None = None,
        delivery_note: str | None = None,
        created_at: datetime | None = None,
        cause: str = "api",
    ) -> Order:
        """Store a new order and reserve its stock; what stock lacks is backordered."""
        order_lines = []
        for line in lines:
            product = line.product
            stock = product.stock(line.stock_id) if line.stock_id else None
            stock = stock or product.best_stock(line.quantity)
            reserved = stock.reserve(line.quantity)
            order_lines.append(
                OrderLine(
                    id=self.ids.uuid(),
                    sku=product.sku,
                    quantity=line.quantity,
                    unit_price=self.unit_price(product, stock),
                    vat_rate=product.vat_rate,
                    stock_id=stock.id,
                    reserved=reserved,
                    backordered=line.quantity - reserved,
                    reference=self.recent.one(line.reference),
                )
            )
        order = Order(
            id=self.ids.uuid(),
            owner=partner.id,
            reference=self.recent.one(reference) if reference else self.next_reference(),
            status=OrderStatus.NEW,
            created_at=created_at or self.clock.now(),
            lines=order_lines,
            shipping_address=self.stored(shipping_address),
            shipping_method_id=shipping_method.id,
            storefront_id=storefront.id,
            billing_address=self.stored(billing_address) if billing_address is not None else None,
            requested_delivery_date=requested_delivery_date,
            delivery_note=self.recent.one(delivery_note),
        )
        self.orders.add(order)
        self.orders.record(order, Change(order.created_at, None, order.status, "place", cause))
        self.placed += 1
        return order

    def ship(
        self,
        order: Order,
        quantities: dict[str, int],
        at: datetime,
        tracking: str | None = None,
        carrier: str | None = None,
    ) -> Shipment:
        """Ship `quantities` (per SKU) of `order` in one parcel; reserved stock leaves."""
        method = self.shipping_method(order.shipping_method_id)
        carrier = carrier or (method.carrier if method else "PostNL")
        remaining = dict(quantities)
        for line in order.lines:
            taken = min(remaining.get(line.sku, 0), line.quantity - line.quantity_shipped)
            if taken <= 0:
                continue
            remaining[line.sku] -= taken
            product = self.catalogue.by_sku[line.sku]
            stock = product.stock(line.stock_id) if line.stock_id else None
            from_reserve = min(taken, line.reserved)
            if stock is not None:
                stock.consume(from_reserve)
            line.reserved -= from_reserve
            line.backordered -= taken - from_reserve
            line.quantity_shipped += taken
        shipment = Shipment(
            self.ids.uuid(), at, tracking or tracking_number(carrier, self.rng), carrier, dict(quantities)
        )
        order.shipments.append(shipment)
        return shipment

    def release(self, order: Order) -> None:
        """Return every reserved unit of `order` to its stock."""
        for line in order.lines:
            product = self.catalogue.by_sku[line.sku]
            stock = product.stock(line.stock_id) if line.stock_id else None
            if stock is not None and line.reserved:
                stock.release(line.reserved)
            line.reserved = 0
            line.backordered = 0
