"""Fixje orders: their addresses, lines and shipments. Every stored order holds these, so they keep
no `__dict__` (slots) and no amount that follows from another (a line's tax and totals are worked
out when shown)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sandbox.world.money import vat
from sandbox.world.orders import Change


@dataclass(frozen=True, slots=True)
class Address:
    last_name: str | None
    street: str
    house_number: str
    zip_code: str
    city: str
    country_code: str
    first_name: str | None = None
    company: str | None = None
    house_number_extension: str | None = None
    extra: str | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    chamber_of_commerce: str | None = None


@dataclass(slots=True)
class OrderLine:
    id: str
    sku: str
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal
    stock_id: str | None
    reserved: int
    backordered: int
    reference: str | None = None
    quantity_shipped: int = 0

    @property
    def tax(self) -> Decimal:
        """VAT on one unit."""
        return vat(self.unit_price, self.vat_rate)

    @property
    def total_unit_price(self) -> Decimal:
        return self.unit_price + self.tax

    @property
    def total(self) -> Decimal:
        return self.total_unit_price * self.quantity


@dataclass(slots=True)
class Shipment:
    id: str
    shipped_at: datetime
    tracking_number: str
    provider: str
    quantities: dict[str, int]


@dataclass(slots=True)
class Order:
    id: str
    owner: str
    reference: str
    status: str
    created_at: datetime
    lines: list[OrderLine]
    shipping_address: Address
    shipping_method_id: str
    storefront_id: str
    billing_address: Address | None = None
    requested_delivery_date: date | None = None
    delivery_note: str | None = None
    shipments: list[Shipment] = field(default_factory=list)
    status_since: datetime | None = None
    """When the order entered its status (None: when it was created)."""
    history: list[Change] = field(default_factory=list)
    """Every status change, oldest first (the dashboard's timeline; no API shows it)."""
    warnings: tuple[str, ...] = ()
    """The `creationWarnings` its creation answered with (the dashboard shows them; no later
    answer of the API does)."""
