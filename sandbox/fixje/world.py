"""The Fixje side of the world: partners, storefronts, shipping methods, catalogue and orders."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property

from faker import Faker

from sandbox.fixje.catalogue import CATEGORIES, Catalogue, Product, build_catalogue
from sandbox.fixje.orders import Address, Order, OrderLine, Shipment
from sandbox.fixje.statuses import OrderStatus
from sandbox.fixtures import FixjeFixture
from sandbox.world.carriers import tracking_number
from sandbox.world.catalogue import Warehouse
from sandbox.world.clock import Clock
from sandbox.world.ids import IdSource
from sandbox.world.lifecycle import Lifecycle
from sandbox.world.orders import Change, OrderBook

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
    by_client: dict[str, Partner] = field(init=False, repr=False, compare=False)
    """The partners by client id, kept in step with `partners` (see `set_partners`)."""

    def __post_init__(self) -> None:
        self.set_partners(self.partners)

    def set_partners(self, partners: list[Partner]) -> None:
        """Make `partners` the world's accounts (the first of a client id wins, as in a list)."""
        self.partners = partners
        self.by_client = {}
        for partner in partners:
            self.by_client.setdefault(partner.client_id, partner)

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
        return partner

    def partner_by_client(self, client_id: str) -> Partner | None:
        return self.by_client.get(client_id)

    def shipping_method(self, method_id: str) -> ShippingMethod | None:
        return next((m for m in self.shipping_methods if m.id == method_id), None)

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
                    unit_price=product.price + stock.warehouse.additional_cost,
                    vat_rate=product.vat_rate,
                    stock_id=stock.id,
                    reserved=reserved,
                    backordered=line.quantity - reserved,
                    reference=line.reference,
                )
            )
        order = Order(
            id=self.ids.uuid(),
            owner=partner.id,
            reference=reference or self.next_reference(),
            status=OrderStatus.NEW,
            created_at=created_at or self.clock.now(),
            lines=order_lines,
            shipping_address=shipping_address,
            shipping_method_id=shipping_method.id,
            storefront_id=storefront.id,
            billing_address=billing_address,
            requested_delivery_date=requested_delivery_date,
            delivery_note=delivery_note,
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

    @cached_property
    def lifecycle(self) -> Lifecycle[OrderStatus, Order]:
        from sandbox.fixje.lifecycle import lifecycle

        return lifecycle(self)


def build_fixje_world(fake: Faker, seed: int, fixture: FixjeFixture, clock: Clock) -> FixjeWorld:
    """The seeded Fixje world: the same seed gives the same world."""
    rng: random.Random = fake.random
    ids = IdSource(rng)
    brands = sorted({fake.last_name().split()[-1] for _ in range(40)})
    catalogue = build_catalogue(
        rng,
        ids,
        brands,
        count=fixture.products,
        warehouses=WAREHOUSES,
        sku_prefix="FX",
        ean_prefix="871",
        image_base="https://images.fixje.example/products",
    )
    methods = [
        ShippingMethod(ids.uuid(), name, carrier, tuple(countries), Decimal(price), days)
        for name, carrier, countries, price, days in SHIPPING_METHODS
    ]
    partners = []
    for spec in fixture.partners:
        partner = Partner(ids.uuid(), spec.name, spec.client_id, spec.client_secret)
        slug = "".join(c for c in spec.name.lower().split(" b.v.")[0] if c.isalnum())
        for country, language in STOREFRONT_COUNTRIES[: spec.storefronts]:
            partner.storefronts.append(
                StoreFront(
                    id=ids.uuid(),
                    name=f"{spec.name} {country}",
                    url=f"https://{country.lower()}.{slug}.example",
                    country_code=country,
                    language=language,
                    categories=tuple(sorted(rng.sample(list(CATEGORIES), 4))),
                )
            )
        partners.append(partner)
    world = FixjeWorld(
        catalogue,
        partners,
        methods,
        clock,
        IdSource(random.Random(f"{seed}:fixje")),
        random.Random(f"{seed}:fixje-tracking"),
    )
    _seed_orders(world, fake, rng, fixture.orders_per_partner)
    return world


# ages in days that give a New, a Processing and a PartiallyShipped order
RECENT = [(0.05, 0.45), (0.6, 1.4), (1.6, 2.9)]


# age in days of a seeded order -> the status it has reached
def _status_for(age_days: float, rng: random.Random) -> OrderStatus:
    if rng.random() < 0.08:
        return OrderStatus.CANCELLED
    if age_days > 7:
        return OrderStatus.DELIVERED
    if age_days > 3:
        return OrderStatus.SHIPPED
    if age_days > 1.5:
        return OrderStatus.PARTIALLY_SHIPPED
    if age_days > 0.5:
        return OrderStatus.PROCESSING
    return OrderStatus.NEW


def _seed_orders(world: FixjeWorld, fake: Faker, rng: random.Random, per_partner: int) -> None:
    start = world.clock.start
    domestic = [m for m in world.shipping_methods if "NL" in m.countries]
    plans = []
    for partner in world.partners:
        for number in range(per_partner):
            # the first few are recent, so that every status is there to see
            low, high = RECENT[number] if number < len(RECENT) else (0.05, 30.0)
            plans.append((start - timedelta(days=rng.uniform(low, high)), partner))
    plans.sort(key=lambda plan: (plan[0], plan[1].id))
    for created_at, partner in plans:
        lines = []
        stocked = [p for p in world.catalogue.products if any(s.available >= 4 for s in p.stocks)]
        for number, product in enumerate(rng.sample(stocked, rng.randint(1, 3)), start=1):
            stock = rng.choice([s for s in product.stocks if s.available >= 4])
            lines.append(LineRequest(product, rng.randint(1, 4), stock.id, f"line-{number}"))
        address = Address(
            first_name=fake.first_name(),
            last_name=fake.last_name(),
            street=fake.street_name(),
            house_number=str(fake.building_number()),
            zip_code=fake.postcode(),
            city=fake.city(),
            country_code="NL",
            email=fake.email(),
        )
        order = world.place(
            partner,
            lines,
            reference=f"PO-{created_at:%Y%m%d}-{rng.randint(1000, 9999)}",
            shipping_address=address,
            shipping_method=rng.choice(domestic),
            storefront=rng.choice(partner.storefronts),
            created_at=created_at,
            cause="seed",
        )
        _progress(world, order, _status_for((start - created_at).total_seconds() / 86400, rng), rng)


def _progress(world: FixjeWorld, order: Order, status: OrderStatus, rng: random.Random) -> None:
    """Bring a seeded order to `status` through the lifecycle's own events."""
    from sandbox.fixje.lifecycle import apply_event

    # the times of the seeded history, none after the clock's start (no draw from `rng` for them)
    start = world.clock.start
    early = {"_at": min(order.created_at + timedelta(hours=1), start)}
    if status is OrderStatus.CANCELLED:
        apply_event(world, order, "cancel", early, cause="seed")
        return
    if status is OrderStatus.NEW:
        return
    apply_event(world, order, "process", early, cause="seed")
    shipped_at = order.created_at + timedelta(hours=rng.uniform(12, 30))
    first = order.lines[0]
    if status is OrderStatus.PARTIALLY_SHIPPED and (len(order.lines) > 1 or first.quantity > 1):
        part = first.quantity if len(order.lines) > 1 else max(1, first.quantity // 2)
        apply_event(world, order, "ship", {"items": {first.sku: part}, "_at": shipped_at}, cause="seed")
    elif status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        apply_event(world, order, "ship", {"_at": shipped_at}, cause="seed")
        if status is OrderStatus.DELIVERED:
            apply_event(
                world, order, "deliver", {"_at": min(shipped_at + timedelta(days=2), start)}, cause="seed"
            )
