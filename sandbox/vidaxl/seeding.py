"""The seeded vidaXL world: the same seed gives the same catalogue, accounts and orders, and
seeded orders reach their statuses through the lifecycle's own events."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from faker import Faker

from sandbox.vidaxl.fixture import VidaxlFixture
from sandbox.vidaxl.lifecycle import apply_event
from sandbox.vidaxl.statuses import StatusOrder
from sandbox.vidaxl.world import (
    CATEGORIES,
    SHIPPING_OPTIONS,
    WAREHOUSE,
    Customer,
    NewLine,
    Order,
    Product,
    VidaxlWorld,
)
from sandbox.world.catalogue import ADJECTIVES, MATERIALS, Stock, ean13
from sandbox.world.clock import Clock
from sandbox.world.ids import IdSource
from sandbox.world.money import cents


def build_vidaxl_world(fake: Faker, seed: int, fixture: VidaxlFixture, clock: Clock) -> VidaxlWorld:
    """The seeded vidaXL world: the same seed gives the same world."""
    rng: random.Random = fake.random
    ids = IdSource(rng)
    start = clock.start
    products = []
    codes: set[str] = set()
    categories = list(CATEGORIES)
    for number in range(fixture.products):
        category = categories[rng.randrange(len(categories))]
        noun, low, high = CATEGORIES[category]
        while (code := str(rng.randint(100000, 499999))) in codes:
            pass
        codes.add(code)
        created = start - timedelta(days=rng.uniform(30, 900))
        products.append(
            Product(
                id=12000 + number,
                code=code,
                name=f"vidaXL {noun} {rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)}",
                ean=ean13(f"8719{rng.randrange(10**8):08d}"),
                category_path=category,
                price=cents(Decimal(str(round(rng.uniform(low, high), 2)))),
                stock=Stock(
                    ids.uuid(),
                    WAREHOUSE,
                    rng.choice([0, 3, 12, 40, 120, 701]) if rng.random() < 0.3 else rng.randint(5, 900),
                ),
                active=rng.random() > 0.05,
                created_at=created,
                updated_at=created + timedelta(days=rng.uniform(0, (start - created).days)),
            )
        )
    customers = [
        Customer(
            id=9 + index,
            email=spec.email,
            token=spec.token,
            name=spec.name,
            company=spec.company,
            phone=fake.phone_number(),
            reference_code=f"VX{rng.randint(100000, 999999)}",
            pricelist_id=spec.pricelist_id,
            price_factor=Decimal(str(spec.price_factor)),
            api_enabled=spec.api_enabled,
        )
        for index, spec in enumerate(fixture.customers)
    ]
    world = VidaxlWorld(products, customers, clock, random.Random(f"{seed}:vidaxl"))
    _seed_orders(world, fake, rng, fixture.orders_per_customer)
    return world


# (days ago from, to) and the status an order of that age has reached
AGES = [
    ((0.02, 0.9), StatusOrder.TEMPORARY),
    ((0.1, 0.9), StatusOrder.SUBMITTED),
    ((1, 2), StatusOrder.BEING_PREPARED),
    ((1.5, 3), StatusOrder.AWAITING_PAYMENT),
    ((2, 12), StatusOrder.SENT),
    ((2, 12), StatusOrder.SENT),
    ((2, 12), StatusOrder.CANCELLED),
    ((8, 20), StatusOrder.REFUNDED),
]


def _seed_orders(world: VidaxlWorld, fake: Faker, rng: random.Random, per_customer: int) -> None:
    start = world.clock.start
    plans = []
    for customer in world.customers:
        if not customer.api_enabled:
            continue
        home = world.add_addressbook(
            customer,
            address=f"{fake.street_name()[:22]} {rng.randint(1, 200)}",
            city=fake.city(),
            postal_code=fake.postcode(),
            country="NL",
            name=customer.name,
            phone=customer.phone or "0201234567",
        )
        for number in range(per_customer):
            (low, high), status = AGES[number % len(AGES)]
            plans.append((start - timedelta(days=rng.uniform(low, high)), customer, home, status))
    plans.sort(key=lambda plan: (plan[0], plan[1].id))
    for created_at, customer, home, status in plans:
        stocked = [p for p in world.products if p.active and p.stock.available >= 4]
        address = (
            home
            if rng.random() < 0.3
            else world.add_addressbook(
                customer,
                address=f"{fake.street_name()[:22]} {rng.randint(1, 300)}",
                city=fake.city(),
                postal_code=fake.postcode(),
                country=rng.choice(["NL", "NL", "BE", "DE", "FR"]),
                name=fake.name(),
                phone=fake.phone_number(),
            )
        )
        lines = [
            NewLine(product, rng.randint(1, 3), address) for product in rng.sample(stocked, rng.randint(1, 3))
        ]
        order = world.place(
            customer,
            lines,
            reference=f"{rng.randint(10000000, 99999999)}",
            comments=None,
            addressbook=address,
            created_at=created_at,
            cause="seed",
        )
        _progress(world, order, status, rng)


def _progress(world: VidaxlWorld, order: Order, status: StatusOrder, rng: random.Random) -> None:
    """Bring a seeded order to `status` through the lifecycle's own events."""
    paid = {"_at": order.created_at + timedelta(minutes=rng.randint(5, 90))}
    events = {
        StatusOrder.TEMPORARY: [],
        StatusOrder.SUBMITTED: ["pay"],
        StatusOrder.AWAITING_PAYMENT: ["submit"],
        StatusOrder.BEING_PREPARED: ["pay", "prepare"],
        StatusOrder.SENT: ["pay", "ship"],
        StatusOrder.CANCELLED: ["cancel"],
        StatusOrder.REFUNDED: ["pay", "ship", "refund"],
    }[status]
    if events and events[0] != "cancel":  # the others keep the standard option they were placed with
        order.shipping_option_id = rng.choice(list(SHIPPING_OPTIONS))
    for event in events:
        payload: dict[str, object] = dict(paid)
        if event == "ship":
            payload = {
                "_at": paid["_at"] + timedelta(hours=rng.uniform(20, 40)),
                "parcels": 2 if len(order.lines) > 1 and rng.random() < 0.5 else 1,
            }
        elif event == "refund" and order.sent_date is not None:
            # refunded after it was sent (no draw from `rng`: the rest of the world stays as it was)
            payload = {"_at": min(order.sent_date + timedelta(days=2), world.clock.start)}
        apply_event(world, order, event, payload, cause="seed")
