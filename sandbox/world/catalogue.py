"""What every supplier's catalogue is made of: stocks in named warehouses and their reservation,
and the words and EAN-13 codes products are named and numbered with."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Generic, TypeVar


@dataclass(frozen=True)
class Warehouse:
    name: str
    additional_cost: Decimal


@dataclass
class Stock:
    id: str
    warehouse: Warehouse
    available: int
    reserved: int = 0

    changes: ClassVar[int] = 0
    """How many times a stock changed, any stock of any world: what is made of stock levels (a
    page of products) stays true while this stays the same. Whatever sets a level other than
    through these methods (a state import) counts it with `Stock.changed()`."""

    @staticmethod
    def changed() -> None:
        Stock.changes += 1

    def reserve(self, quantity: int) -> int:
        """Reserve up to `quantity` units; the number reserved (never below zero available)."""
        taken = min(quantity, self.available)
        self.available -= taken
        self.reserved += taken
        Stock.changes += 1
        return taken

    def release(self, quantity: int) -> None:
        """Return reserved units to the available stock."""
        self.reserved -= quantity
        self.available += quantity
        Stock.changes += 1

    def consume(self, quantity: int) -> None:
        """Reserved units leave the warehouse."""
        self.reserved -= quantity
        Stock.changes += 1


T = TypeVar("T")


class UntilStockChanges(Generic[T]):
    """What is made of stock levels (a page of products), by key, kept until any stock changes;
    at most `most` at once (past it they are all made afresh)."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.kept: dict[Hashable, tuple[int, T]] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        kept = self.kept.get(key)
        if kept is None or kept[0] != Stock.changes:
            changes = Stock.changes
            if len(self.kept) >= self.most:
                self.kept.clear()
            kept = self.kept[key] = (changes, make())
        return kept[1]

    def clear(self) -> None:
        self.kept.clear()


ADJECTIVES = (
    "Foldable",
    "Classic",
    "Compact",
    "Deluxe",
    "Industrial",
    "Rustic",
    "Modern",
    "Nordic",
    "Weatherproof",
    "Stackable",
    "Vintage",
    "Eco",
)
MATERIALS = (
    "Oak",
    "Bamboo",
    "Steel",
    "Rattan",
    "Teak",
    "Ceramic",
    "Glass",
    "Linen",
    "Cast Iron",
    "Walnut",
    "Aluminium",
    "Cotton",
)


def ean13(first12: str) -> str:
    """`first12` with its EAN-13 check digit appended."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)
