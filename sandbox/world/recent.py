"""One object for equal values met recently: what every stored order would otherwise hold a copy of."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeVar

H = TypeVar("H", bound=Hashable)

MOST = 4096


class Recent:
    """Equal immutable values (strings, frozen addresses) seen lately, one object each: an order
    stores the object already held for an equal value, so the same address or reference posted
    again and again (as tests do) is stored once. At most `most` are remembered; past that it
    starts afresh, so values seen once cost nothing for long."""

    def __init__(self, most: int = MOST) -> None:
        self.most = most
        self.kept: dict[Hashable, Hashable] = {}

    def one(self, value: H) -> H:
        """The object kept for `value`'s equal, else `value` (kept from now on)."""
        kept = self.kept.get(value)
        if kept is None:
            if len(self.kept) >= self.most:
                self.kept.clear()
            kept = self.kept[value] = value
        return kept  # type: ignore[return-value]
