"""Tracking numbers in each carrier's own format."""

from __future__ import annotations

import random
import string

ALNUM = string.ascii_uppercase + string.digits


def tracking_number(carrier: str, rng: random.Random) -> str:
    """A plausible tracking number for `carrier` (PostNL, DHL, DPD, UPS, others)."""

    def digits(count: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(count))

    match carrier:
        case "PostNL":
            return f"3S{''.join(rng.choice(string.ascii_uppercase) for _ in range(4))}{digits(9)}"
        case "DHL":
            return f"JVGL{digits(16)}"
        case "DPD":
            return f"0{digits(13)}"
        case "UPS":
            return f"1Z{''.join(rng.choice(ALNUM) for _ in range(16))}"
    return f"{carrier[:3].upper()}{digits(10)}"


def tracking_url(carrier: str, number: str, postal_code: str = "") -> str:
    """The page where a parcel of `carrier` can be followed."""
    match carrier:
        case "PostNL":
            return f"https://jouw.postnl.nl/track-and-trace/{number}-NL-{postal_code.replace(' ', '')}"
        case "DHL":
            return f"https://www.dhl.com/nl-en/home/tracking.html?tracking-id={number}"
        case "DPD":
            return f"https://tracking.dpd.de/status/en_US/parcel/{number}"
        case "UPS":
            return f"https://www.ups.com/track?tracknum={number}"
        case "GLS":
            return f"https://gls-group.com/track/{number}"
    return f"https://track.example/{carrier.lower()}/{number}"
