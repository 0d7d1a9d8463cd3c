"""vidaXL (B2BWave) order statuses: `status_order_id` and `status_order_name`."""

from __future__ import annotations

from enum import IntEnum


class StatusOrder(IntEnum):
    TEMPORARY = 1
    """Placed, not paid: every order made through the API starts here."""
    SUBMITTED = 2
    """Paid; `submitted_at` is set."""
    AWAITING_PAYMENT = 3
    BEING_PREPARED = 4
    SENT = 5
    """Tracking numbers and tracking URLs are available."""
    CANCELLED = 7
    REFUNDED = 8
    REPLACED = 9

    @property
    def label(self) -> str:
        """The `status_order_name`: "Awaiting Payment", "Being Prepared", ..."""
        return LABELS[self]


LABELS = {status: status.name.replace("_", " ").title() for status in StatusOrder}
"""Each status's label, made once (every order's timeline holds them)."""
