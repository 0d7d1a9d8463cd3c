"""The world as the vidaXL API shows it: B2BWave's field names, decimals as strings."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.vidaxl import documents
from sandbox.vidaxl.world import SHIPPING_OPTIONS, Addressbook, Customer, Line, Order, Product
from sandbox.world.money import vat

ZERO = "0.0"


def dec(amount: Decimal | int) -> str:
    """A decimal as Ruby's BigDecimal prints it: `95.97`, `1.0`, `9.5`."""
    if type(amount) is int:
        return f"{amount}.0"
    text = f"{amount if type(amount) is Decimal else Decimal(amount):f}"
    if "." not in text:
        return text + ".0"
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


def time(instant: datetime | None) -> str | None:
    """`2026-11-02T09:00:00.000Z`, as Rails renders a UTC time."""
    return None if instant is None else _time(instant)


@functools.lru_cache(maxsize=4096)
def _time(instant: datetime) -> str:
    """Kept for the instants shown again and again (an order's times on every read of it); the
    text is the instant's alone, whatever its time zone."""
    utc = instant.astimezone(UTC)
    if utc.year < 1000:  # strftime's %Y does not pad
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return f"{utc.replace(tzinfo=None).isoformat(timespec='milliseconds')}Z"


def addressbook(entry: Addressbook) -> dict[str, Any]:
    """A line's addressbook (always deliverable); `""` where the docs show it for nothing given."""
    return {
        "id": entry.id,
        "address": entry.address,
        "address2": entry.address2,
        "province": entry.province or "",
        "city": entry.city,
        "postal_code": entry.postal_code,
        "country": entry.country,
        "name": entry.name,
        "phone": entry.phone,
        "comments": entry.comments or "",
        "email": entry.email,
        "reference_code": entry.reference_code,
    }


def _sum(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


Money = tuple[Decimal, Decimal]
"""A line's total before VAT and its VAT."""


def money(line: Line) -> Money:
    """A line's totals, worked out once for a view (the order's fields and the line's show them)."""
    before = line.total_before_vat
    return before, vat(before, line.vat_percentage)


def order_fields(order: Order, moneys: list[Money] | None = None) -> dict[str, Any]:
    """Every field of the docs' create sample, in its order (`moneys`: each line's `money`)."""
    moneys = moneys if moneys is not None else [money(line) for line in order.lines]
    before_vat = _sum([before for before, _ in moneys])
    arrivals = [estimate[1] for line in order.lines if (estimate := order.estimates(line))]
    total_vat = _sum([line_vat for _, line_vat in moneys])
    after_vat = before_vat + total_vat
    before, after = dec(before_vat), dec(after_vat)
    address = order.address
    return {
        "id": order.id,
        "status_order_id": int(order.status),
        "customer_id": order.customer.id,
        "invoice_no": documents.invoice_number(order) if order.payment_date else None,
        "customer_reference_no": None,
        "comments_customer": order.comments or "",
        "comments_wholesaler": None,
        "shipping_way": None,
        "shipping_costs": ZERO,
        "date_estimated": None,
        "total_before_discount": before,
        "discount_percentage": ZERO,
        "discount_comments": None,
        "discount_total": None,
        "gross_total": after,
        "address": address.address,
        "address2": address.address2,
        "city": address.city,
        "province": address.province or "",
        "country": address.country,
        "postal_code": address.postal_code,
        "created_at": time(order.created_at),
        "updated_at": time(order.updated_at),
        "addressbook_id": order.addressbook.id if order.addressbook else None,
        "submitted_at": time(order.submitted_at),
        "customer_order_reference": order.reference or "",
        "total_before_vat": before,
        "total_after_vat": after,
        "vat_group_id": None,
        "total_products_before_discount": before,
        "total_vat": dec(total_vat),
        "total_products_before_vat": before,
        "total_products_after_vat": after,
        "total_shipping_after_vat": ZERO,
        "sales_rep_id": None,
        "sales_rep_commission": ZERO,
        "extra_fields": {},
        "submitted_by": {},
        "submitted_by_class": None,
        "integration_ref": None,
        "payment_way_id": None,
        "payment_ip": None,
        "payment_token": None,
        "payment_payer_id": None,
        "paid_amount": after if order.payment_date else ZERO,
        "is_paid": order.payment_date is not None,
        "shipping_option_id": order.shipping_option_id,
        "total_m3": ZERO,
        "request_delivery_at": None,
        "pricelist_id": order.customer.pricelist_id,
        "shipping_tracking": ",".join(p.tracking_number for p in order.parcels) or None,
        "coupon_id": None,
        "brightpearl_sales_order_id": None,
        "cc_first_name": None,
        "cc_last_name": None,
        "cc_city": None,
        "cc_province": None,
        "cc_postal_code": None,
        "cc_country": None,
        "cc_address": None,
        "total_quantity": dec(sum(line.quantity for line in order.lines)),
        "payment_date": time(order.payment_date),
        "total_weight": ZERO,
        "payment_requested": False,
        "total_dimension": ZERO,
        "coupon_amount": ZERO,
        "coupon_vat": ZERO,
        "custom_discount_amount": ZERO,
        "save_for_later": order.submitted_at is None,
        "integration_ref_status": None,
        "shipping_service_code": None,
        "shipping_service_name": None,
        "integration_data": {},
        "estimated_delivery_at": time(max(arrivals)) if arrivals else None,
        "error_code": None,
        "notes": None,
    }


def line_fields(order: Order, line: Line, totals: Money | None = None) -> dict[str, Any]:
    """Every field of an order product in the docs' create sample, in its order (`totals`: the
    line's `money`)."""
    dispatch, delivery = order.estimates(line) or (None, None)
    before, line_vat = totals if totals is not None else money(line)
    return {
        "id": line.id,
        "order_id": order.id,
        "product_id": line.product.id,
        "quantity": dec(line.quantity),
        "price": dec(line.price),
        "final_price": dec(line.price),
        "discount_percentage": ZERO,
        "vat_percentage": dec(line.vat_percentage),
        "total_before_vat": dec(before),
        "comments_customer": None,
        "comments_wholesaler": None,
        "total_vat": dec(line_vat),
        "total_after_vat": dec(before + line_vat),
        "option_value_ids": None,
        "created_at": time(line.created_at),
        "updated_at": time(order.updated_at),
        "option_values": {},
        "product_variant_id": 0,
        "has_custom_price": False,
        "addressbook_id": line.addressbook.id,
        "status_order_id": int(order.status),
        "is_backorder": line.is_backorder,
        "estimated_delivery_at": time(delivery),
        "cost": ZERO,
        "estimated_dispatch_at": time(dispatch),
    }


def created(order: Order) -> dict[str, Any]:
    """The answer to a create: `{"order": {...}, "order_products": [...]}`."""
    moneys = [money(line) for line in order.lines]
    return {
        "order": order_fields(order, moneys),
        "order_products": [line_fields(order, line, m) for line, m in zip(order.lines, moneys, strict=True)],
    }


def customer_fields(customer: Customer) -> dict[str, Any]:
    return {
        "customer_email": customer.email,
        "customer_company": customer.company,
        "customer_name": customer.name,
        "customer_pricelist_id": customer.pricelist_id,
        "customer_phone": customer.phone,
        "customer_reference_code": customer.reference_code or "",
    }


def listed(order: Order) -> dict[str, Any]:
    """One element of the order list: `{"order": {..., "order_products": [{"order_product": ...}]}}`."""
    moneys = [money(line) for line in order.lines]
    fields = order_fields(order, moneys)
    fields.update(
        {
            "status_order_name": order.status.label,
            "order_number": order.order_number,
            "shipping_option_name": SHIPPING_OPTIONS.get(order.shipping_option_id),
            "shipping_tracking_url": order.parcels[0].tracking_url if order.parcels else None,
            # one URL per tracking number, in parcel order (a typed client reads a list of strings)
            "shipping_tracking_urls_by_number": [p.tracking_url for p in order.parcels],
            "sent_date": time(order.sent_date),
            "addressbook_reference_code": order.addressbook.reference_code if order.addressbook else None,
            "replacement_tracking_number": order.replacement_tracking_number,
            **customer_fields(order.customer),
            "order_products": [
                listed_line(order, line, m) for line, m in zip(order.lines, moneys, strict=True)
            ],
        }
    )
    return {"order": fields}


def listed_line(order: Order, line: Line, totals: Money | None = None) -> dict[str, Any]:
    """A line of a listed order: `{"order_product": {...}}`, with what integrations read beyond the
    create sample (the estimates again as `*_date`: timestamps, despite the name)."""
    fields = line_fields(order, line, totals)
    return {
        "order_product": {
            **fields,
            "product_name": line.product.name,
            "product_code": line.product.code,
            "status_order_name": order.status.label,
            "estimated_dispatch_date": fields["estimated_dispatch_at"],
            "estimated_delivery_date": fields["estimated_delivery_at"],
            "addressbook": addressbook(line.addressbook),
        }
    }


def product(item: Product, price: Decimal) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "code": item.code,
        "ean": item.ean,
        "category_path": item.category_path,
        "quantity": dec(item.stock.available),
        "price": dec(price),
        "active": item.active,
        "created_at": time(item.created_at),
        "updated_at": time(item.updated_at),
    }


def document(item: documents.Document, base_url: str) -> dict[str, Any]:
    """One document of the documents lists, with the address of its PDF under `base_url`."""
    total = _sum([line.total_after_vat for line in item.order.lines])
    return {
        "id": item.id,
        "order_id": item.order.id,
        "order_number": item.order.order_number,
        "type": item.type,
        "number": item.number,
        "date": time(item.date),
        "total": dec(item.sign * total),
        "currency": documents.CURRENCY,
        "file_name": item.file_name,
        "url": f"{base_url}/api_customer/documents/{item.id}.pdf",
    }
