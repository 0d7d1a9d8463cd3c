"""The answers' JSON: orjson's bytes where it writes what the standard library writes, the standard
library's where orjson refuses the value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.spec.router import json_bytes


@pytest.mark.parametrize(
    "value",
    [
        {"id": 1, "name": "Café \u2028 \x7f \x00", "total": "95.97", "lines": [{"price": 94.99}]},
        {1: "a key that is not a string", None: "nor this"},
        {"past 64 bits": 2**70, "below": -(2**64)},
        [0.1, 2.5, 100.0, 1e16, 1e22, -0.0, 12345.678],
    ],
    ids=["a view", "keys", "big integers", "floats"],
)
def test_the_same_bytes_as_the_standard_library(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    assert json_bytes(value) == expected
