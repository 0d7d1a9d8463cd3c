"""The sandbox's clock: every time the sandbox shows or uses comes from here."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sandbox.errors import BadRequest


class Clock:
    """Virtual time: starts at `start`, then runs at `scale` times real time unless frozen."""

    def __init__(
        self,
        start: datetime,
        *,
        frozen: bool = False,
        scale: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start must carry a time zone")
        self._monotonic = monotonic
        self.start = start.astimezone(UTC)
        """Where the clock started: the seeded world's "now", whatever the clock says later."""
        self._base = self.start
        self._mark = monotonic()
        self.frozen = frozen
        self.scale = scale
        self.pinned: datetime | None = None
        """While set (`pin`), the time `now` gives, however the clock runs meanwhile."""
        self.moves = 0
        """How many times the clock was set, frozen or resumed: its place against real time changed."""

    def now(self) -> datetime:
        if self.pinned is not None:
            return self.pinned
        if self.frozen:
            return self._base
        return self._base + timedelta(seconds=(self._monotonic() - self._mark) * self.scale)

    def pin(self, instant: datetime) -> None:
        """Give `instant` as the time until `unpin`: a change to the state sees one time from start
        to end, the one its record keeps, so that replaying it gives the same. The clock itself
        runs on meanwhile (or is set, frozen, resumed: `set` moves the pin too)."""
        self.pinned = instant

    def unpin(self) -> None:
        self.pinned = None

    def freeze(self) -> None:
        """Stop the clock where it is."""
        self._base = self.now()
        self.frozen = True
        self.moves += 1

    def resume(self) -> None:
        """Let a frozen clock run again from where it stands."""
        if self.frozen:
            self._mark = self._monotonic()
            self.frozen = False
            self.moves += 1

    def set(self, instant: datetime) -> None:
        self._base = instant.astimezone(UTC)
        self._mark = self._monotonic()
        self.moves += 1
        if self.pinned is not None:
            self.pinned = self._base

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)


DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds (`P1DT2H`)."""
    found = DURATION.match(text)
    if not found or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as PT2H or P1D")
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    try:
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise ValueError(f"'{text}' is longer than the sandbox can count") from None


def duration_text(span: timedelta) -> str:
    """The ISO 8601 form of a whole number of seconds: `PT1S`, `P1DT2H`."""
    days, rest = divmod(int(span.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = ((hours, "H"), (minutes, "M"), (seconds, "S"))
    time = "".join(f"{value}{unit}" for value, unit in parts if value)
    text = (f"P{days}D" if days else "P") + (f"T{time}" if time else "")
    return text if text != "P" else "PT0S"


def rfc3339(instant: datetime) -> str:
    """`2026-11-02T09:00:00Z`: UTC, whole seconds."""
    return instant.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


# The clock stays where every date the sandbox derives from it (a day before, a token's hour after,
# the schedule's moves) is still a date.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def duration(text: str, field: str = "advance") -> timedelta:
    """An ISO 8601 duration, or a 400 naming `field`."""
    try:
        return parse_duration(text)
    except ValueError as error:
        raise BadRequest.field(field, f"{error}.") from None


def within_range(field: str, moved: Callable[[], datetime]) -> datetime:
    """The clock's new time, or a 400 naming `field` when it falls outside EARLIEST to LATEST."""
    try:
        instant = moved().astimezone(UTC)
    except OverflowError:
        instant = LATEST + timedelta(days=1)
    if not EARLIEST <= instant <= LATEST:
        raise BadRequest.field(
            field, f"The clock must stay between {rfc3339(EARLIEST)} and {rfc3339(LATEST)}."
        )
    return instant
