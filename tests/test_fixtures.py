"""The fixtures file: what it may say, and the errors it gets when it is wrong."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.fixtures import FixtureError, load_fixtures, parse_fixtures
from sandbox.resources import default_fixtures
from sandbox.suppliers import SUPPLIERS
from tests.helpers import FIXJE_DEMO, FIXJE_OTHER, VIDAXL_DEMO, VIDAXL_DISABLED, VIDAXL_OTHER

PARTNER = {"name": "A", "client_id": "a", "client_secret": "s"}


def test_the_default_fixtures() -> None:
    fixtures = load_fixtures(default_fixtures(), SUPPLIERS)
    assert fixtures.seed == 42
    assert fixtures.clock_start == datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert fixtures.suppliers["fixje"].products >= 500
    ids = [(p.client_id, p.client_secret) for p in fixtures.suppliers["fixje"].partners]
    assert ids[0] == FIXJE_DEMO
    assert len(ids) >= 2


def test_the_accounts_the_tests_name_are_those_of_the_default_fixtures() -> None:
    """tests/helpers.py names these accounts and says which each is."""
    fixtures = load_fixtures(default_fixtures(), SUPPLIERS)
    partners = fixtures.suppliers["fixje"].partners
    assert [(p.name, (p.client_id, p.client_secret), p.storefronts) for p in partners] == [
        ("Demo Webshop B.V.", FIXJE_DEMO, 2),
        ("Tuinhuis Online B.V.", FIXJE_OTHER, 1),
    ]
    customers = fixtures.suppliers["vidaxl"].customers
    assert [
        (c.name, (c.email, c.token), c.pricelist_id, c.price_factor, c.api_enabled) for c in customers
    ] == [
        ("Demo Dropshipper", VIDAXL_DEMO, 25, 1.0, True),
        ("Second Shop", VIDAXL_OTHER, 26, 0.95, True),
        ("Disabled Account", VIDAXL_DISABLED, 25, 1.0, False),
    ]


def test_defaults_for_what_is_left_out() -> None:
    fixtures = parse_fixtures({"fixje": {"partners": [PARTNER]}}, SUPPLIERS)
    assert (fixtures.seed, fixtures.locale, fixtures.clock_start) == (42, "nl_NL", None)
    assert fixtures.suppliers["fixje"].partners[0].storefronts == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "fixje: The fixje field is required."),
        ({"fixje": {"partners": []}}, "fixje.partners: The field partners must have at least 1 item(s)."),
        (
            {"fixje": {"partners": [{"name": "A"}]}},
            "fixje.partners[0].client_id: The client_id field is required.",
        ),
        ({"fixje": {"partners": [PARTNER, PARTNER]}}, "client_id values must be unique"),
        ({"seed": "x", "fixje": {"partners": [PARTNER]}}, "seed: Expected an integer"),
        ({"clock": {"start": "yesterday"}, "fixje": {"partners": [PARTNER]}}, "is not an RFC 3339 time"),
        ({"clock": {"start": "2026-01-01T00:00:00"}, "fixje": {"partners": [PARTNER]}}, "needs a time zone"),
        (
            {"fixje": {"products": 0, "partners": [PARTNER]}},
            "fixje.products: The field products must be at least 1.",
        ),
        ([], "$: Expected an object"),
        # a misspelt key stops the sandbox instead of being ignored
        (
            {"fixje": {"orders_per_partnr": 24, "partners": [PARTNER]}},
            "fixje.orders_per_partnr: Unknown field 'orders_per_partnr' (expected one of: products, "
            "orders_per_partner, partners).",
        ),
        ({"seeed": 1, "fixje": {"partners": [PARTNER]}}, "seeed: Unknown field 'seeed'"),
        ({"fixje": {"partners": [{**PARTNER, "secret": "s"}]}}, "fixje.partners[0].secret: Unknown field"),
        (
            {"clock": {"start": "now", "scale": 2}, "fixje": {"partners": [PARTNER]}},
            "clock.scale: Unknown field 'scale' (expected one of: start).",
        ),
        (
            {
                "schedule": {"vidaxl": [{"from": "Submitted", "after": "PT1H", "event": "pay", "when": 1}]},
                "fixje": {"partners": [PARTNER]},
            },
            "schedule.vidaxl[0].when: Unknown field",
        ),
        ({"schedule": {"amazon": []}, "fixje": {"partners": [PARTNER]}}, "schedule.amazon: Unknown field"),
    ],
)
def test_wrong_fixtures_say_what_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(FixtureError) as raised:
        parse_fixtures(data, SUPPLIERS)
    assert message in str(raised.value)


def test_an_unknown_key_names_the_key_and_the_file(tmp_path: Any) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(default_fixtures().read_text().replace("orders_per_partner:", "orders_per_partnr:"))
    with pytest.raises(FixtureError) as raised:
        load_fixtures(path, SUPPLIERS)
    assert str(raised.value).startswith(f"{path}: fixje.orders_per_partnr: Unknown field 'orders_per_partnr'")
