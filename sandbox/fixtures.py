"""The fixtures file: seed, locale, clock start, schedule, rate limits, fault rules, and a section
per supplier (its catalogue size, accounts and seeded orders), each checked by the supplier's own
schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from sandbox.resources import read_yaml
from sandbox.spec.messages import collect, summary
from sandbox.supplier import Supplier
from sandbox.world.clock import parse_duration
from sandbox.world.schedule import Rule


class FixtureError(ValueError):
    """A fixtures file that cannot be used, with the reason."""


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


RULE = {
    "type": "object",
    "required": ["from", "after", "event"],
    "properties": {
        "from": {"type": "string"},
        "after": {"type": "string"},
        "event": {"type": "string"},
        "share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    },
}
RATE_LIMIT = {
    "type": "object",
    "required": ["requests", "per"],
    "properties": {"requests": {"type": "integer", "minimum": 1}, "per": {"type": "string"}},
}


def schema(suppliers: Sequence[Supplier]) -> dict[str, Any]:
    """The fixtures file's schema, with a section for each of `suppliers`."""
    names = [supplier.name for supplier in suppliers]
    found: dict[str, Any] = closed(
        {
            "type": "object",
            "required": [supplier.name for supplier in suppliers if supplier.fixtures_required],
            "properties": {
                "seed": {"type": "integer"},
                "locale": {"type": "string", "minLength": 2},
                "clock": {"type": "object", "properties": {"start": {"type": "string"}}},
                "rate_limits": {
                    "type": "object",
                    "properties": {"enabled": {"type": "boolean"}, **{name: RATE_LIMIT for name in names}},
                },
                "faults": {
                    "type": "array",
                    "description": "Fault rules, each as POST /_sandbox/faults takes it (checked there).",
                    "items": {"type": "object"},
                },
                "schedule": {
                    "type": "object",
                    "properties": {name: {"type": "array", "items": RULE} for name in names},
                },
                **{supplier.name: supplier.fixtures_schema for supplier in suppliers},
            },
        }
    )
    return found


@dataclass(frozen=True)
class Fixtures:
    seed: int
    locale: str
    clock_start: datetime | None
    """None: start at the real time."""
    suppliers: dict[str, Any]
    """Each supplier's section, as the supplier reads it."""
    schedule: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    """Per supplier, the moves orders make on their own."""
    rate_limits: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Per supplier, (requests, per seconds) for each credential."""
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


def parse_fixtures(data: Any, suppliers: Sequence[Supplier], where: str = "fixtures") -> Fixtures:
    errors = collect(Draft202012Validator(schema(suppliers)).iter_errors(data))
    if errors:
        raise FixtureError(f"{where}: {summary(errors)}")
    sections = {}
    for supplier in suppliers:
        try:
            sections[supplier.name] = supplier.fixture(data.get(supplier.name, {}))
        except ValueError as error:
            raise FixtureError(f"{where}: {supplier.name}.{error}") from None
    return Fixtures(
        seed=data.get("seed", 42),
        locale=data.get("locale", "nl_NL"),
        clock_start=_instant(data.get("clock", {}).get("start", "now")),
        suppliers=sections,
        schedule=_schedule(data.get("schedule", {}), where),
        rate_limits=_rate_limits(data.get("rate_limits", {}), suppliers, where),
        rate_limits_enabled=data.get("rate_limits", {}).get("enabled", False),
        faults=tuple(data.get("faults", ())),
    )


def _rate_limits(
    data: dict[str, Any], suppliers: Sequence[Supplier], where: str
) -> dict[str, tuple[int, float]]:
    limits = {supplier.name: supplier.default_rate_limit for supplier in suppliers}
    for name in limits:
        if name in data:
            try:
                per = parse_duration(data[name]["per"]).total_seconds()
            except ValueError as error:
                raise FixtureError(f"{where}: rate_limits.{name}.per: {error}") from None
            limits[name] = (data[name]["requests"], per)
    return limits


def _schedule(data: dict[str, Any], where: str) -> dict[str, tuple[Rule, ...]]:
    rules: dict[str, tuple[Rule, ...]] = {}
    for name, items in data.items():
        parsed = []
        for index, item in enumerate(items):
            try:
                after = parse_duration(item["after"])
            except ValueError as error:
                raise FixtureError(f"{where}: schedule.{name}[{index}].after: {error}") from None
            parsed.append(Rule(item["from"], after, item["event"], item.get("share", 1.0)))
        rules[name] = tuple(parsed)
    return rules


def load_fixtures(path: Path, suppliers: Sequence[Supplier]) -> Fixtures:
    """Read and check the fixtures file at `path`."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = read_yaml(handle)
    except OSError as error:
        raise FixtureError(f"cannot read fixtures {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise FixtureError(f"{path} is not valid YAML: {error}") from None
    return parse_fixtures(data, suppliers, str(path))
