"""Money in euros: Decimal everywhere, rounded half up to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(amount: Decimal | int | str) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def vat(amount: Decimal, rate_percent: Decimal) -> Decimal:
    """The VAT on `amount` at `rate_percent`, to the cent."""
    return cents(amount * rate_percent / 100)
