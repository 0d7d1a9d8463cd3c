"""Plain JSON for the sandbox's state, and back: dataclasses, decimals, times, generator states."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any


def plain(value: Any) -> Any:
    """`value` as JSON-ready data: dataclasses as objects of their init fields, decimals as
    strings, times in ISO 8601, enums as their values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def when(text: str | None) -> datetime | None:
    return None if text is None else at(text)


def day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def rng_state(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def set_rng_state(rng: random.Random, state: list[Any]) -> None:
    rng.setstate((state[0], tuple(state[1]), state[2]))
