"""Changes to a valid request body, named by field path as the errors name fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Mutation = Callable[[Any, Any], Any]
"""(body, refs) -> the changed body; `refs` are ids found in the running sandbox."""


def field_keys(path: str) -> list[str | int]:
    """`orderItems[1].sku` -> `["orderItems", 1, "sku"]`."""
    return [int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", path)]


def _parent(body: Any, path: str) -> tuple[Any, str | int]:
    *parents, last = field_keys(path)
    for key in parents:
        body = body[key]
    return body, last


def put(path: str, value: Any) -> Mutation:
    """Set the field at `path` to `value`, or to `value(refs)` when it is callable; an index one
    past a list's end appends."""

    def change(body: Any, refs: Any) -> Any:
        target, key = _parent(body, path)
        new = value(refs) if callable(value) else value
        if isinstance(target, list) and key == len(target):
            target.append(new)
        else:
            target[key] = new
        return body

    return change


def drop(path: str) -> Mutation:
    """Remove the field at `path`."""

    def change(body: Any, refs: Any) -> Any:
        target, key = _parent(body, path)
        del target[key]
        return body

    return change


def both(*mutations: Mutation) -> Mutation:
    """One mutation after the other."""

    def change(body: Any, refs: Any) -> Any:
        for mutation in mutations:
            body = mutation(body, refs)
        return body

    return change
