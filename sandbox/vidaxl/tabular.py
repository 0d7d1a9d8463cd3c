"""Orders and products as CSV (RFC 4180): a header row, then one row per order line or product.

An order row carries the order's own fields (named as in JSON), then the line's fields prefixed
`order_product_` (its addressbook's prefixed `order_product_addressbook_`). Objects are JSON text,
null is an empty cell, true and false are `true` and `false`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from sandbox.spec.loader import Spec

ORDER_PRODUCT = "order_product_"


def fields(spec: Spec, name: str) -> list[str]:
    return list(spec.properties({"$ref": f"#/components/schemas/{name}"}))


def order_columns(spec: Spec) -> list[str]:
    """The orders CSV's columns: the order's fields, then its line's, then the line's
    addressbook's (whose id is the line's addressbook_id, already there)."""
    return [
        *(f for f in fields(spec, "ListedOrder") if f != "order_products"),
        *(f"{ORDER_PRODUCT}{f}" for f in fields(spec, "ListedOrderProduct") if f != "addressbook"),
        *(f"{ORDER_PRODUCT}addressbook_{f}" for f in fields(spec, "Addressbook") if f != "id"),
    ]


def product_columns(spec: Spec) -> list[str]:
    return fields(spec, "Product")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def flatten(prefix: str, fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, dict) and key == "addressbook":
            out.update(flatten(f"{prefix}{key}_", value))
        else:
            out[f"{prefix}{key}"] = value
    return out


def order_rows(orders: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per line of each listed order (`{"order": {...}}`)."""
    rows = []
    for listed in orders:
        order = dict(listed["order"])
        lines = order.pop("order_products")
        for line in lines:
            rows.append({**order, **flatten(ORDER_PRODUCT, line["order_product"])})
    return rows


def to_csv(rows: list[dict[str, Any]], header: list[str]) -> bytes:
    return header_row(header) + records(rows, header)


def header_row(header: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(header)
    return out.getvalue().encode("utf-8")


def records(rows: list[dict[str, Any]], header: list[str]) -> bytes:
    """`rows` as CSV records, without the header row: a list's CSV is its header row, then the
    records of its rows, all at once or a few at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in header])
    return out.getvalue().encode("utf-8")
