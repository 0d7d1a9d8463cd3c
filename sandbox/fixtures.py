"""The fixtures file: seed, clock start, catalogue size and accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from sandbox.spec.messages import collect, summary
from sandbox.world.clock import parse_duration
from sandbox.world.schedule import Rule


def closed(schema: Any) -> Any:
    """`schema` with every object schema that lists its properties closed to others: a misspelt
    key is an error, not a setting silently ignored."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if "properties" in out:
        out.setdefault("additionalProperties", False)
    return out


SCHEMA: dict[str, Any] = closed(
    {
        "type": "object",
        "required": ["fixje"],
        "properties": {
            "seed": {"type": "integer"},
            "locale": {"type": "string", "minLength": 2},
            "clock": {
                "type": "object",
                "properties": {"start": {"type": "string"}},
            },
            "rate_limits": {
                "type": "object",
                "properties": {
                    "enabled": {"type": "boolean"},
                    **{
                        api: {
                            "type": "object",
                            "required": ["requests", "per"],
                            "properties": {
                                "requests": {"type": "integer", "minimum": 1},
                                "per": {"type": "string"},
                            },
                        }
                        for api in ("fixje", "vidaxl")
                    },
                },
            },
            "faults": {
                "type": "array",
                "description": "Fault rules, each as POST /_sandbox/faults takes it (checked there).",
                "items": {"type": "object"},
            },
            "schedule": {
                "type": "object",
                "properties": {
                    api: {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["from", "after", "event"],
                            "properties": {
                                "from": {"type": "string"},
                                "after": {"type": "string"},
                                "event": {"type": "string"},
                                "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                            },
                        },
                    }
                    for api in ("fixje", "vidaxl")
                },
            },
            "vidaxl": {
                "type": "object",
                "properties": {
                    "products": {"type": "integer", "minimum": 1, "maximum": 100000},
                    "orders_per_customer": {"type": "integer", "minimum": 0, "maximum": 10000},
                    "customers": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "email", "token"],
                            "properties": {
                                "name": {"type": "string", "minLength": 1},
                                "company": {"type": ["string", "null"]},
                                "email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
                                "token": {"type": "string", "minLength": 1},
                                "pricelist_id": {"type": "integer", "minimum": 1},
                                "price_factor": {"type": "number", "exclusiveMinimum": 0},
                                "api_enabled": {"type": "boolean"},
                            },
                        },
                    },
                },
            },
            "fixje": {
                "type": "object",
                "required": ["partners"],
                "properties": {
                    "products": {"type": "integer", "minimum": 1, "maximum": 100000},
                    "orders_per_partner": {"type": "integer", "minimum": 0, "maximum": 10000},
                    "partners": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["name", "client_id", "client_secret"],
                            "properties": {
                                "name": {"type": "string", "minLength": 1},
                                "client_id": {"type": "string", "minLength": 1},
                                "client_secret": {"type": "string", "minLength": 1},
                                "storefronts": {"type": "integer", "minimum": 1, "maximum": 20},
                            },
                        },
                    },
                },
            },
        },
    }
)


class FixtureError(ValueError):
    """A fixtures file that cannot be used, with the reason."""


@dataclass(frozen=True)
class PartnerFixture:
    name: str
    client_id: str
    client_secret: str
    storefronts: int


@dataclass(frozen=True)
class FixjeFixture:
    products: int
    orders_per_partner: int
    partners: tuple[PartnerFixture, ...]


@dataclass(frozen=True)
class CustomerFixture:
    name: str
    company: str | None
    email: str
    token: str
    pricelist_id: int
    price_factor: float
    api_enabled: bool


@dataclass(frozen=True)
class VidaxlFixture:
    products: int
    orders_per_customer: int
    customers: tuple[CustomerFixture, ...]


@dataclass(frozen=True)
class Fixtures:
    seed: int
    locale: str
    clock_start: datetime | None
    """None: start at the real time."""
    fixje: FixjeFixture
    vidaxl: VidaxlFixture
    schedule: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    """Per API, the moves orders make on their own."""
    rate_limits: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per API, (requests, per seconds) for each credential."""
    rate_limits_enabled: bool = False
    faults: tuple[dict[str, Any], ...] = ()
    """Fault rules in force from the start (and after each reset)."""


def _instant(text: str) -> datetime | None:
    if text == "now":
        return None
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FixtureError(f"clock.start: {text!r} is not an RFC 3339 time or 'now'") from None
    if instant.tzinfo is None:
        raise FixtureError(f"clock.start: {text!r} needs a time zone (for example Z)")
    return instant.astimezone(UTC)


def parse_fixtures(data: Any, where: str = "fixtures") -> Fixtures:
    errors = collect(Draft202012Validator(SCHEMA).iter_errors(data))
    if errors:
        raise FixtureError(f"{where}: {summary(errors)}")
    fixje = data["fixje"]
    partners = tuple(
        PartnerFixture(p["name"], p["client_id"], p["client_secret"], p.get("storefronts", 1))
        for p in fixje["partners"]
    )
    ids = [p.client_id for p in partners]
    if len(set(ids)) != len(ids):
        raise FixtureError(f"{where}: fixje.partners: client_id values must be unique")
    vidaxl = data.get("vidaxl", {})
    customers = tuple(
        CustomerFixture(
            c["name"],
            c.get("company"),
            c["email"],
            c["token"],
            c.get("pricelist_id", 25),
            c.get("price_factor", 1.0),
            c.get("api_enabled", True),
        )
        for c in vidaxl.get("customers", [])
    )
    emails = [c.email.lower() for c in customers]
    if len(set(emails)) != len(emails):
        raise FixtureError(f"{where}: vidaxl.customers: email values must be unique")
    return Fixtures(
        seed=data.get("seed", 42),
        locale=data.get("locale", "nl_NL"),
        clock_start=_instant(data.get("clock", {}).get("start", "now")),
        fixje=FixjeFixture(
            products=fixje.get("products", 600),
            orders_per_partner=fixje.get("orders_per_partner", 24),
            partners=partners,
        ),
        vidaxl=VidaxlFixture(
            products=vidaxl.get("products", 600),
            orders_per_customer=vidaxl.get("orders_per_customer", 16),
            customers=customers,
        ),
        schedule=_schedule(data.get("schedule", {}), where),
        rate_limits=_rate_limits(data.get("rate_limits", {}), where),
        rate_limits_enabled=data.get("rate_limits", {}).get("enabled", False),
        faults=tuple(data.get("faults", ())),
    )


# vidaXL documents 1 request per second per customer; Fixje documents none.
DEFAULT_RATE_LIMITS = {"vidaxl": (1, 1.0), "fixje": (10, 1.0)}


def _rate_limits(data: dict[str, Any], where: str) -> dict[str, tuple[int, float]]:
    limits = dict(DEFAULT_RATE_LIMITS)
    for api in ("fixje", "vidaxl"):
        if api in data:
            try:
                per = parse_duration(data[api]["per"]).total_seconds()
            except ValueError as error:
                raise FixtureError(f"{where}: rate_limits.{api}.per: {error}") from None
            limits[api] = (data[api]["requests"], per)
    return limits


def _schedule(data: dict[str, Any], where: str) -> dict[str, tuple[Rule, ...]]:
    rules: dict[str, tuple[Rule, ...]] = {}
    for api, items in data.items():
        parsed = []
        for index, item in enumerate(items):
            try:
                after = parse_duration(item["after"])
            except ValueError as error:
                raise FixtureError(f"{where}: schedule.{api}[{index}].after: {error}") from None
            parsed.append(Rule(item["from"], after, item["event"], item.get("share", 1.0)))
        rules[api] = tuple(parsed)
    return rules


def load_fixtures(path: Path) -> Fixtures:
    """Read and check the fixtures file at `path`."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as error:
        raise FixtureError(f"cannot read fixtures {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise FixtureError(f"{path} is not valid YAML: {error}") from None
    return parse_fixtures(data, str(path))
