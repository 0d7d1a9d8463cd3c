"""Plain JSON for the sandbox's state, and back: dataclasses, decimals, times, generator states."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")
Path = tuple[str | int, ...]


class StateError(ValueError):
    """A state that fits its schema but not the world it is put on; `path` names the field
    (`("orders", 3, "owner")`)."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@contextmanager
def under(*prefix: str | int) -> Iterator[None]:
    """Name the fields of the StateErrors raised inside from `prefix` on."""
    try:
        yield
    except StateError as error:
        raise StateError((*prefix, *error.path), error.message) from None


def lookup(found: Mapping[K, V], key: K, path: Path, message: str) -> V:
    """`found[key]`, or a StateError naming `path`."""
    if key not in found:
        raise StateError(path, message)
    return found[key]


def unique(ids: list[Any], path: Path, what: str) -> None:
    """A StateError naming the second of two equal ids (`path + (index, "id")`)."""
    seen: set[Any] = set()
    for index, value in enumerate(ids):
        if value in seen:
            raise StateError((*path, index, "id"), f"Another {what} already has the id {value!r}.")
        seen.add(value)


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


def set_rng_state(rng: random.Random, state: list[Any], *path: str | int) -> None:
    """Put an exported generator state onto `rng`; a StateError naming `path` when it is none."""
    try:
        rng.setstate((state[0], tuple(state[1]), state[2]))
    except (TypeError, ValueError, OverflowError, IndexError):
        raise StateError(
            path, "Not the state of a random generator: [3, [624 words and a position from 0 to 624], null]."
        ) from None
