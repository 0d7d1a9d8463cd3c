"""Fixje order statuses (the sandbox's choice; the real API publishes no list)."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    NEW = "New"
    """Received; stock reserved."""
    PROCESSING = "Processing"
    """Being picked in the warehouse."""
    PARTIALLY_SHIPPED = "PartiallyShipped"
    """Some items shipped."""
    SHIPPED = "Shipped"
    """Every item shipped."""
    DELIVERED = "Delivered"
    CANCELLED = "Cancelled"
    """Cancelled; reserved stock returned."""
