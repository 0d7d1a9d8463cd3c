"""Secrets a change to the state draws (a token, a tenant's key and secret), on a tape: a durable
sandbox keeps what a change drew with its record, and replaying the change draws the same again.

Outside a change (`taped` not entered) they are plain `secrets`."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_TAPE: ContextVar[Tape | None] = ContextVar("sandbox_tape", default=None)


class Tape:
    """The secrets drawn during one change, in order: recorded as they are drawn, or played back."""

    def __init__(self, played: list[str] | None = None) -> None:
        self.drawn: list[str] = []
        self.played = list(played) if played is not None else None

    def take(self, fresh: str) -> str:
        if self.played is not None:
            if not self.played:
                raise LookupError("the change draws more secrets than its record holds")
            fresh = self.played.pop(0)
        self.drawn.append(fresh)
        return fresh


@contextmanager
def taped(tape: Tape) -> Iterator[Tape]:
    reset = _TAPE.set(tape)
    try:
        yield tape
    finally:
        _TAPE.reset(reset)


def token_urlsafe(nbytes: int) -> str:
    fresh = secrets.token_urlsafe(nbytes)
    tape = _TAPE.get()
    return fresh if tape is None else tape.take(fresh)


def token_hex(nbytes: int) -> str:
    fresh = secrets.token_hex(nbytes)
    tape = _TAPE.get()
    return fresh if tape is None else tape.take(fresh)
