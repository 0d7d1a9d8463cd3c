"""Identifiers drawn from a seeded generator, so the same seed gives the same ids."""

from __future__ import annotations

import random

_KEPT = ~((0xC000 << 48) | (0xF000 << 64)) & (1 << 128) - 1
"""The bits a version-4 UUID keeps of its 128 (not its variant's two, nor its version's four)."""
_VERSION_4 = (0x8000 << 48) | (4 << 76)
"""The RFC 4122 variant and version 4, as `uuid.UUID(version=4)` sets them."""


class IdSource:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid(self) -> str:
        """A version-4 UUID from the seeded generator: `str(uuid.UUID(int=bits, version=4))`,
        without the checks and the object."""
        text = f"{self.rng.getrandbits(128) & _KEPT | _VERSION_4:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def hex(self, length: int) -> str:
        return f"{self.rng.getrandbits(length * 4):0{length}x}"
