"""The same seed gives the same world, byte for byte; another seed gives another."""

from __future__ import annotations

from starlette.testclient import TestClient

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
