"""The suppliers a sandbox emulates unless told otherwise: the one place that names them."""

from __future__ import annotations

from sandbox.fixje.supplier import FIXJE
from sandbox.supplier import Supplier
from sandbox.vidaxl.supplier import VIDAXL

SUPPLIERS: tuple[Supplier, ...] = (FIXJE, VIDAXL)
