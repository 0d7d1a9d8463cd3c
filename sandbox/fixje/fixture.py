"""The Fixje section of the fixtures file: the catalogue's size, the partners and their orders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCHEMA: dict[str, Any] = {
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
}


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


def read(data: Mapping[str, Any]) -> FixjeFixture:
    """The section, checked by SCHEMA already; a ValueError when client ids repeat."""
    partners = tuple(
        PartnerFixture(p["name"], p["client_id"], p["client_secret"], p.get("storefronts", 1))
        for p in data["partners"]
    )
    ids = [p.client_id for p in partners]
    if len(set(ids)) != len(ids):
        raise ValueError("partners: client_id values must be unique")
    return FixjeFixture(data.get("products", 600), data.get("orders_per_partner", 24), partners)
