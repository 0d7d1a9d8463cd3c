"""POST /api/v1/orders beyond the schema: references that must exist, then placement and warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sandbox.errors import BadRequest
from sandbox.fixje.orders import Address, Order
from sandbox.fixje.world import FixjeWorld, LineRequest, Partner
from sandbox.world.countries import ISO_3166_ALPHA2, upper_code


@dataclass
class Placed:
    order: Order
    warnings: list[str]


def _address(data: dict[str, Any]) -> Address:
    return Address(
        company=data.get("companyName"),
        first_name=data.get("firstName"),
        last_name=data.get("lastName"),
        street=data["street"],
        house_number=data["houseNumber"],
        house_number_extension=data.get("houseNumberExtension"),
        extra=data.get("extraAddressInformation"),
        zip_code=data["zipCode"],
        city=data["city"],
        country_code=upper_code(data["countryCode"]),
        email=data.get("shipmentEmailAddress") or data.get("billingEmailAddress"),
        phone=data.get("billingPhoneNumber"),
        vat_number=data.get("vatNumber"),
        chamber_of_commerce=data.get("camberOfCommerce"),
    )


def _to_cents(price: float | int | None) -> Decimal | None:
    """A given price to the cent (half even, as any size of number allows), None when absent."""
    return None if price is None else Decimal(format(Decimal(str(price)), ".2f"))


def place_order(world: FixjeWorld, partner: Partner, body: dict[str, Any]) -> Placed:
    """Check what the schema cannot, then store the order; nothing is stored on an error."""
    errors: dict[str, list[str]] = {}

    def fail(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    method = world.shipping_method(body["shippingMethodId"].lower())
    if method is None:
        fail("shippingMethodId", f"Shipping method '{body['shippingMethodId']}' does not exist.")
    storefront = partner.storefront(body["storeFrontId"].lower())
    if storefront is None:
        fail("storeFrontId", f"Storefront '{body['storeFrontId']}' does not exist for this partner.")
    for key in ("shippingAddress", "billingAddress"):
        country = (body.get(key) or {}).get("countryCode")
        if country is not None and country.upper() not in ISO_3166_ALPHA2:
            fail(f"{key}.countryCode", f"'{country}' is not an ISO 3166-1 alpha-2 country code.")
    country = body["shippingAddress"]["countryCode"].upper()
    if method is not None and country in ISO_3166_ALPHA2 and country not in method.countries:
        fail(
            "shippingAddress.countryCode",
            f"Shipping method '{method.name}' does not ship to {country}; "
            f"it serves {', '.join(method.countries)}.",
        )
    requested = body.get("requestedDeliveryDate")
    requested_date = date.fromisoformat(requested) if requested else None
    today = world.clock.now().date()
    if requested_date is not None and requested_date < today:
        fail(
            "requestedDeliveryDate",
            f"The requested delivery date {requested} lies before today ({today.isoformat()}).",
        )
    lines = []
    for index, item in enumerate(body["orderItems"]):
        product = world.catalogue.by_sku.get(item["sku"])
        if product is None:
            fail(f"orderItems[{index}].sku", f"Unknown SKU '{item['sku']}'.")
            continue
        stock_id = (item.get("stockId") or "").lower() or None
        if stock_id and product.stock(stock_id) is None:
            held = ", ".join(s.id for s in product.stocks)
            fail(
                f"orderItems[{index}].stockId",
                f"Stock '{stock_id}' does not hold SKU '{product.sku}'; its stocks are {held}.",
            )
        lines.append(LineRequest(product, item["quantity"], stock_id, item.get("partnerReference")))
    if errors or method is None or storefront is None:
        raise BadRequest(errors=errors)

    warnings = []
    reference = body.get("reference")
    if reference and world.orders.has_reference(partner.id, reference):
        warnings.append(f"An order with reference '{reference}' already exists; this is a new order.")
    price_notes = {
        index: f"orderItems[{index}]: the price {given} for SKU {line.product.sku} differs from the "
        f"catalogue price {line.product.price}; the catalogue price is charged."
        for index, (item, line) in enumerate(zip(body["orderItems"], lines, strict=True))
        if (given := _to_cents(item.get("price"))) is not None and given != line.product.price
    }
    order = world.place(
        partner,
        lines,
        reference=reference,
        shipping_address=_address(body["shippingAddress"]),
        billing_address=_address(body["billingAddress"]) if body.get("billingAddress") else None,
        shipping_method=method,
        storefront=storefront,
        requested_delivery_date=requested_date,
        delivery_note=body.get("customerDeliveryNote"),
    )
    for index, line in enumerate(order.lines):
        if index in price_notes:
            warnings.append(price_notes[index])
        if line.backordered:
            stock = world.catalogue.by_sku[line.sku].stock(line.stock_id or "")
            where = stock.warehouse.name if stock else "any warehouse"
            warnings.append(
                f"orderItems[{index}]: only {line.reserved} of {line.quantity} x SKU {line.sku} "
                f"in stock at '{where}'; {line.backordered} backordered."
            )
    # the same warnings again and again (a reference used before) are one object
    order.warnings = world.recent.one(tuple(warnings)) if warnings else ()
    return Placed(order, warnings)
