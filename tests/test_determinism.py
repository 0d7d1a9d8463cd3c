"""The same seed gives the same world, byte for byte; another seed gives another."""

from __future__ import annotations

import random
import uuid

import pytest
from faker import Faker
from starlette.testclient import TestClient

from sandbox.world.fake import seeded_faker
from sandbox.world.ids import IdSource
from tests.helpers import FIRST_PRODUCT, FIXJE_OTHER, UTRECHT, VIDAXL_DEMO, Partner, make_app, vidaxl_order_to

VIDAXL_READS = [
    "/api_customer/products.json?limit=500",
    "/api_customer/orders.xml?submitted_at_gteq=2026-10-01",
    "/api_customer/orders.csv?submitted_at_gteq=20261001",
    "/api_customers/orders.json",
]
READS = [
    "/api/v1/products?pageSize=100&page=1",
    "/api/v1/products?pageSize=100&page=6",
    "/api/v1/orders",
    "/api/v1/shipping-methods",
    "/api/v1/storefronts",
    "/api/v1/orders/not-a-uuid",
]


def session(seed: int | None = None) -> list[bytes]:
    """What a fixed series of requests answers, as raw bytes."""
    with TestClient(make_app(seed=seed)) as client:
        demo = Partner.login(client)
        other = Partner.login(client, FIXJE_OTHER)
        answers = [demo.get(path).content for path in READS]
        answers.append(other.get("/api/v1/orders").content)
        created = demo.post("/api/v1/orders", json=demo.order_body())
        answers.append(created.content)
        answers.append(demo.get(f"/api/v1/orders/{created.json()['orderId']}").content)
        answers.append(demo.get("/api/v1/orders/not-a-uuid", headers={"accept": "application/xml"}).content)
        for path in VIDAXL_READS:
            answers.append(client.get(path, auth=VIDAXL_DEMO).content)
        order = vidaxl_order_to(UTRECHT, (FIRST_PRODUCT, 1))
        answers.append(client.post("/api_customer/orders", json=order, auth=VIDAXL_DEMO).content)
        return answers


def test_the_same_seed_gives_the_same_bytes() -> None:
    first, second = session(), session()
    assert len(first) == len(READS) + len(VIDAXL_READS) + 5
    for index, (one, two) in enumerate(zip(first, second, strict=True)):
        assert one == two, f"answer {index} differs"


def test_another_seed_gives_another_world() -> None:
    default, other = session(), session(seed=7)
    assert default[0] != other[0]
    assert default[2] != other[2]
    assert default[len(READS) + 4] != other[len(READS) + 4]  # the vidaXL catalogue
    assert session(seed=42)[0] == default[0]


def test_a_running_clock_does_not_change_the_seeded_world() -> None:
    """The world is seeded from the clock's start, not from the moment each part is built."""
    paths = [
        "/api_customer/products.json?limit=500",
        "/api_customer/orders.json?submitted_at_gteq=2026-10-01",
    ]
    answers = []
    for _ in range(2):
        with TestClient(make_app(freeze=False)) as client:
            fixje = Partner.login(client)
            answers.append(
                [
                    fixje.get("/api/v1/orders").content,
                    *(client.get(path, auth=VIDAXL_DEMO).content for path in paths),
                ]
            )
    assert answers[0] == answers[1]


@pytest.mark.parametrize("locale", ["nl_NL", "en_US", "de_DE", "fr_FR", "az_AZ"])
def test_the_seeding_faker_names_as_faker_with_all_its_providers(locale: str) -> None:
    """The seeding's Faker adds only the providers it asks (a tenth of the start-up less); each
    name comes from the same provider, so the same seed gives the same names."""
    methods = ["last_name", "first_name", "street_name", "building_number", "postcode", "city"]
    methods += ["email", "phone_number", "name"]
    for seed in (42, "42:vidaxl"):
        whole = Faker(locale)
        whole.seed_instance(seed)
        expected = [getattr(whole, method)() for _ in range(50) for method in methods]
        fake = seeded_faker(locale, seed)
        assert [getattr(fake, method)() for _ in range(50) for method in methods] == expected


@pytest.mark.parametrize("seed", [0, 1, 2026])
def test_ids_are_the_uuids_of_earlier_releases(seed: int) -> None:
    """An id is `uuid.UUID(int=bits, version=4)` of the generator's next 128 bits, as it always
    was: a seed's ids stay the same from one release to the next."""
    ids, bits = IdSource(random.Random(seed)), random.Random(seed)
    for _ in range(5000):
        assert ids.uuid() == str(uuid.UUID(int=bits.getrandbits(128), version=4))
