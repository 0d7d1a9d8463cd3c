"""One colour per order status, white text on each (WCAG contrast 4.5:1 or more)."""

from __future__ import annotations

import re

COLOURS = {
    # Fixje
    "New": "#1d4ed8",
    "Processing": "#6d28d9",
    "PartiallyShipped": "#b45309",
    "Shipped": "#0f766e",
    "Delivered": "#15803d",
    "Cancelled": "#b91c1c",
    # vidaXL (Cancelled above)
    "Temporary": "#475569",
    "Submitted": "#0369a1",
    "Awaiting Payment": "#a16207",
    "Being Prepared": "#86198f",
    "Sent": "#0e7490",
    "Refunded": "#be185d",
    "Replaced": "#4338ca",
}


def css_class(status: str) -> str:
    """`status-being-prepared`."""
    return "status-" + re.sub(r"[^a-z0-9]+", "-", status.lower()).strip("-")


def stylesheet() -> str:
    return "\n".join(
        f".{css_class(status)} {{ background: {colour}; }}" for status, colour in COLOURS.items()
    )


def luminance(colour: str) -> float:
    """The relative luminance of `#rrggbb` (WCAG 2)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
