"""The vidaXL section of the fixtures file: the catalogue's size, the customers and their orders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SCHEMA: dict[str, Any] = {
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
}


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


def read(data: Mapping[str, Any]) -> VidaxlFixture:
    """The section, checked by SCHEMA already; a ValueError when e-mails repeat."""
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
        for c in data.get("customers", [])
    )
    emails = [c.email.lower() for c in customers]
    if len(set(emails)) != len(emails):
        raise ValueError("customers: email values must be unique")
    return VidaxlFixture(data.get("products", 600), data.get("orders_per_customer", 16), customers)
