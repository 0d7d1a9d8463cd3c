"""The seeded Fixje world: the same seed gives the same catalogue, accounts and orders, and
seeded orders reach their statuses through the lifecycle's own events."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from faker import Faker

from sandbox.fixje.catalogue import CATEGORIES, build_catalogue
from sandbox.fixje.fixture import FixjeFixture
from sandbox.fixje.lifecycle import apply_event
from sandbox.fixje.orders import Address, Order
from sandbox.fixje.statuses import OrderStatus
from sandbox.fixje.world import (
    SHIPPING_METHODS,
    STOREFRONT_COUNTRIES,
    WAREHOUSES,
    FixjeWorld,
    LineRequest,
    Partner,
    ShippingMethod,
    StoreFront,
)
from sandbox.world.clock import Clock
from sandbox.world.ids import IdSource


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
        traces=IdSource(random.Random(f"{seed}:traces")),
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
