"""The world as the Fixje API shows it: its field names, its formats."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sandbox.fixje.catalogue import Product
from sandbox.fixje.orders import Address, Order, OrderLine, Shipment
from sandbox.fixje.world import ShippingMethod, StoreFront
from sandbox.world.clock import rfc3339


def money(amount: Decimal) -> float:
    return float(amount)


def page(items: Iterable[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"statusCode": "OK", "totalCount": total, "data": list(items)}


def address(a: Address) -> dict[str, Any]:
    return {
        "companyName": a.company,
        "firstName": a.first_name,
        "lastName": a.last_name,
        "street": a.street,
        "houseNumber": a.house_number,
        "houseNumberExtension": a.house_number_extension,
        "extraAddressInformation": a.extra,
        "zipCode": a.zip_code,
        "city": a.city,
        "countryCode": a.country_code,
    }


def line(item: OrderLine) -> dict[str, Any]:
    return {
        "orderItemId": item.id,
        "unitPrice": money(item.unit_price),
        "tax": money(item.tax),
        "totalUnitPrice": money(item.total_unit_price),
        "quantity": item.quantity,
        "quantityShipped": item.quantity_shipped,
        "total": money(item.total),
        "sku": item.sku,
        "reference": item.reference,
    }


def shipment(s: Shipment) -> dict[str, Any]:
    return {
        "orderShipmentId": s.id,
        "shipmentDate": rfc3339(s.shipped_at),
        "trackingNumber": s.tracking_number,
        "shipmentProvider": s.provider,
        "orderItems": dict(s.quantities),
    }


def order(o: Order) -> dict[str, Any]:
    return {
        "orderId": o.id,
        "reference": o.reference,
        "orderStatus": str(o.status),
        "shippingMethodId": o.shipping_method_id,
        "storeFrontId": o.storefront_id,
        "shippingAddress": address(o.shipping_address),
        "orderItems": [line(item) for item in o.lines],
        "shipments": [shipment(s) for s in o.shipments],
        "requestedDeliveryDate": o.requested_delivery_date.isoformat() if o.requested_delivery_date else None,
        "createdAt": rfc3339(o.created_at),
    }


def product(p: Product) -> dict[str, Any]:
    return {
        "sku": p.sku,
        "name": p.name,
        "ean": p.ean,
        "mpn": p.mpn,
        "taxClass": p.tax_class,
        "productPrice": {
            "price": money(p.price),
            "suggestedRetailPrice": money(p.suggested_retail_price),
            "oemPrice": money(p.oem_price),
            "defaultRetailPrice": money(p.default_retail_price),
        },
        "image": p.image,
        "stocks": [
            {
                "stockId": s.id,
                "name": s.warehouse.name,
                "quantity": s.available,
                "additionalCost": money(s.warehouse.additional_cost),
            }
            for s in p.stocks
        ],
    }


def shipping_method(m: ShippingMethod) -> dict[str, Any]:
    return {
        "shippingMethodId": m.id,
        "name": m.name,
        "carrier": m.carrier,
        "countries": list(m.countries),
        "price": money(m.price),
        "deliveryDays": m.delivery_days,
    }


def storefront(s: StoreFront) -> dict[str, Any]:
    return {
        "storeFrontId": s.id,
        "name": s.name,
        "url": s.url,
        "countryCode": s.country_code,
        "currency": s.currency,
        "language": s.language,
        "categories": list(s.categories),
    }
