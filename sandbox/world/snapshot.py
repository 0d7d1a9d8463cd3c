"""Plain JSON for the sandbox's state, and back: dataclasses, decimals, times, generator states."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator, Mapping
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
    kind = type(value)
    if kind in _AS_IS:
        return value
    make = _MAKERS.get(kind)
    if make is None:
        make = _MAKERS[kind] = _maker(kind)
    return make(value)


_AS_IS = frozenset({str, int, float, bool, type(None)})
"""What JSON holds as it is (the most of a state: ids, names, counts)."""

_MAKERS: dict[type, Callable[[Any], Any]] = {}
"""How a value of each type other than those is made plain, worked out at its first."""


def _maker(kind: type) -> Callable[[Any], Any]:
    # a field, item or entry is looked at here before `plain` is called for it: most need nothing
    as_is = _AS_IS
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind) if f.init)
        return lambda value: {
            name: field if type(field) in as_is else plain(field)
            for name in names
            for field in (getattr(value, name),)
        }
    if issubclass(kind, Enum):
        return lambda value: value.value
    if issubclass(kind, Decimal):
        return str
    if issubclass(kind, datetime | date):
        return lambda value: value.isoformat()
    if issubclass(kind, dict):
        return lambda value: {str(k): v if type(v) in as_is else plain(v) for k, v in value.items()}
    if issubclass(kind, list | tuple):
        return lambda value: [v if type(v) in as_is else plain(v) for v in value]
    return lambda value: value


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
