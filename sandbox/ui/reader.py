"""What the dashboard shows, read straight from the worlds: accounts, order rows, one order in
full with its timeline, and the order as each API returns it (the APIs' own views)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.dom import minidom

from sandbox.fixje import views as fixje_views
from sandbox.fixje.lifecycle import remaining
from sandbox.fixje.orders import Address, Order
from sandbox.fixje.statuses import OrderStatus
from sandbox.fixje.world import FixjeWorld, Partner
from sandbox.spec.loader import Spec
from sandbox.spec.xmlcodec import xml_writer
from sandbox.vidaxl import tabular
from sandbox.vidaxl import views as vidaxl_views
from sandbox.vidaxl.api import VidaxlApi
from sandbox.vidaxl.statuses import StatusOrder
from sandbox.vidaxl.world import CARRIERS, SHIPPING_OPTIONS, Addressbook, Customer, VidaxlWorld
from sandbox.world.carriers import tracking_url
from sandbox.world.clock import rfc3339
from sandbox.world.orders import Change, OrderBook

if TYPE_CHECKING:
    from sandbox.app import Sandbox

APIS = {"fixje": "Fixje Partner Web API", "vidaxl": "vidaXL customer API"}
STATUSES = {
    "fixje": [str(status) for status in OrderStatus],
    "vidaxl": [status.label for status in StatusOrder],
}
FIXJE_CARRIERS = ["PostNL", "DHL", "DPD", "UPS"]
CAUSES = {
    "api": "API call",
    "control": "control API",
    "schedule": "schedule",
    "scenario": "scenario",
    "seed": "seeded history",
}


@dataclass(frozen=True)
class Account:
    """A Fixje partner or a vidaXL customer, as the dashboard names it (`key`: its client_id or
    e-mail)."""

    api: str
    key: str
    name: str
    owner: str
    secret: str
    seeded: bool
    enabled: bool = True


@dataclass
class Row:
    id: str
    reference: str | None
    status: str
    created: str
    items: int
    total: str
    url: str


@dataclass
class Rendering:
    """The order as one of the API's requests returns it."""

    label: str
    request: str
    text: str


@dataclass
class Shipped:
    at: str | None
    carrier: str
    tracking: str
    url: str | None
    contents: str | None = None


@dataclass
class OrderPage:
    api: str
    id: str
    reference: str | None
    status: str
    account: Account
    url: str
    facts: list[tuple[str, str]]
    columns: list[str]
    items: list[list[str]]
    totals: list[tuple[str, str]]
    addresses: list[tuple[str, list[str]]]
    shipments: list[Shipped]
    timeline: list[Change]
    allowed: list[str]
    renderings: list[Rendering]
    to_ship: list[tuple[str, int]] = field(default_factory=list)
    """Fixje: what is left to ship, per SKU."""
    carriers: list[str] = field(default_factory=list)
    carrier: str | None = None


def money(amount: Decimal) -> str:
    return f"€\u00a0{amount:,.2f}"


def when(instant: Any) -> str | None:
    return rfc3339(instant) if instant is not None else None


def lines(*parts: str | None) -> list[str]:
    return [part for part in parts if part and part.strip()]


def fixje_address(a: Address) -> list[str]:
    return lines(
        a.company,
        " ".join(lines(a.first_name, a.last_name)),
        " ".join(lines(a.street, a.house_number, a.house_number_extension)),
        a.extra,
        f"{a.zip_code} {a.city}",
        a.country_code,
        a.email,
        a.phone,
        a.vat_number,
    )


def vidaxl_address(a: Addressbook) -> list[str]:
    place = " ".join(part for part in (a.postal_code, a.city) if part)
    return lines(a.name, a.address, a.address2, place, a.province, a.country, a.phone, a.email)


def order_url(api: str, order_id: Any) -> str:
    return f"/_sandbox/ui/{api}/orders/{order_id}"


class Reader:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.fixje_xml = xml_writer(sandbox.specs["fixje"])
        self.vidaxl_xml = xml_writer(sandbox.specs["vidaxl"])
        self.order_schema = response_schema(sandbox.specs["fixje"], "getOrder")
        self.list_schema = response_schema(sandbox.specs["vidaxl"], "listOrdersXml")
        self.columns = VidaxlApi(sandbox.vidaxl, sandbox.specs["vidaxl"]).order_columns

    @property
    def fixje(self) -> FixjeWorld:
        return self.sandbox.fixje

    @property
    def vidaxl(self) -> VidaxlWorld:
        return self.sandbox.vidaxl

    def books(self) -> list[tuple[str, OrderBook[Any]]]:
        return [("fixje", self.fixje.orders), ("vidaxl", self.vidaxl.orders)]

    # accounts

    def accounts(self, api: str | None = None) -> list[Account]:
        found = []
        if api in (None, "fixje"):
            seeded = {p.client_id for p in self.sandbox.fixtures.fixje.partners}
            found += [self._partner(p, seeded) for p in self.fixje.partners]
        if api in (None, "vidaxl"):
            seeded = {c.email for c in self.sandbox.fixtures.vidaxl.customers}
            found += [self._customer(c, seeded) for c in self.vidaxl.customers]
        return found

    @staticmethod
    def _partner(partner: Partner, seeded: set[str]) -> Account:
        return Account(
            "fixje",
            partner.client_id,
            partner.name,
            partner.id,
            partner.client_secret,
            partner.client_id in seeded,
        )

    @staticmethod
    def _customer(customer: Customer, seeded: set[str]) -> Account:
        return Account(
            "vidaxl",
            customer.email,
            customer.name,
            customer.key,
            customer.token,
            customer.email in seeded,
            customer.api_enabled,
        )

    def account(self, api: str, key: str) -> Account | None:
        return next((a for a in self.accounts(api) if a.key == key), None)

    def owner_of(self, api: str, order: Any) -> Account:
        if api == "vidaxl":
            customer: Customer = order.customer
            return self._customer(customer, {c.email for c in self.sandbox.fixtures.vidaxl.customers})
        partner = next(p for p in self.fixje.partners if p.id == order.owner)
        return self._partner(partner, {p.client_id for p in self.sandbox.fixtures.fixje.partners})

    # orders

    def book(self, api: str) -> OrderBook[Any]:
        return self.fixje.orders if api == "fixje" else self.vidaxl.orders

    def find(self, api: str, order_id: str) -> Any:
        if api == "fixje":
            return self.fixje.orders.find(order_id.lower())
        return self.vidaxl.orders.find(int(order_id)) if order_id.isdigit() else None

    @staticmethod
    def status(api: str, order: Any) -> str:
        return str(order.status) if api == "fixje" else str(order.status.label)

    def newest_first(self, account: Account) -> list[Any]:
        return self.book(account.api).of(account.owner)[::-1]

    def counts(self, account: Account) -> dict[str, int]:
        """Orders per status, in the lifecycle's order; statuses without orders left out."""
        orders = self.book(account.api).of(account.owner)
        counted = Counter(self.status(account.api, order) for order in orders)
        return {status: counted[status] for status in STATUSES[account.api] if counted[status]}

    def row(self, api: str, order: Any) -> Row:
        if api == "fixje":
            total = sum((line.total for line in order.lines), Decimal(0))
        else:
            total = sum((line.total_after_vat for line in order.lines), Decimal(0))
        return Row(
            str(order.id),
            order.reference,
            self.status(api, order),
            rfc3339(order.created_at),
            sum(line.quantity for line in order.lines),
            money(total),
            order_url(api, order.id),
        )

    def describe(self, api: str, order: Any, change: Change) -> dict[str, Any]:
        """An order change for the live feed."""
        return {
            "api": api,
            "orderId": str(order.id),
            "account": self.owner_of(api, order).key,
            "reference": order.reference,
            "status": self.status(api, order),
            "url": order_url(api, order.id),
            "change": change_view(change),
        }

    def recent(self, limit: int) -> list[tuple[str, Any, Change]]:
        """The latest changes of every order, newest first."""
        changes = [
            (change.at, index, api, order, change)
            for api, book in self.books()
            for order in book.placed
            for index, change in enumerate(order.history)
        ]
        changes.sort(key=lambda item: (item[0], item[1]), reverse=True)
        return [(api, order, change) for _, _, api, order, change in changes[:limit]]

    def page(self, api: str, order: Any) -> OrderPage:
        return self._fixje_page(order) if api == "fixje" else self._vidaxl_page(order)

    def _fixje_page(self, order: Order) -> OrderPage:
        world = self.fixje
        method = world.shipping_method(order.shipping_method_id)
        account = self.owner_of("fixje", order)
        partner = world.partner_by_client(account.key)
        storefront = partner.storefront(order.storefront_id) if partner else None
        shipping = f"{method.name} ({method.carrier})" if method else order.shipping_method_id
        facts = [
            ("Placed", rfc3339(order.created_at)),
            ("Storefront", storefront.name if storefront else order.storefront_id),
            ("Shipping method", shipping),
        ]
        if order.requested_delivery_date:
            facts.append(("Requested delivery", order.requested_delivery_date.isoformat()))
        if order.delivery_note:
            facts.append(("Delivery note", order.delivery_note))
        items = []
        for line in order.lines:
            product = world.catalogue.by_sku.get(line.sku)
            items.append(
                [
                    line.sku,
                    product.name if product else "",
                    str(line.quantity),
                    str(line.quantity_shipped),
                    money(line.unit_price),
                    money(line.tax),
                    money(line.total),
                ]
            )
        net = sum((line.unit_price * line.quantity for line in order.lines), Decimal(0))
        tax = sum((line.tax * line.quantity for line in order.lines), Decimal(0))
        addresses = [("Shipping address", fixje_address(order.shipping_address))]
        if order.billing_address:
            addresses.append(("Billing address", fixje_address(order.billing_address)))
        zip_code = order.shipping_address.zip_code
        shipments = [
            Shipped(
                rfc3339(s.shipped_at),
                s.provider,
                s.tracking_number,
                tracking_url(s.provider, s.tracking_number, zip_code),
                ", ".join(f"{n} x {sku}" for sku, n in s.quantities.items()),
            )
            for s in order.shipments
        ]
        view = fixje_views.order(order)
        xml = self.fixje_xml.document(view, self.order_schema, "response")
        renderings = [
            Rendering("JSON", f"GET /api/v1/orders/{order.id}", pretty_json(view)),
            Rendering("XML", f"GET /api/v1/orders/{order.id}  (Accept: application/xml)", pretty_xml(xml)),
        ]
        return OrderPage(
            "fixje",
            order.id,
            order.reference,
            str(order.status),
            account,
            order_url("fixje", order.id),
            facts,
            ["SKU", "Product", "Quantity", "Shipped", "Unit price", "VAT per unit", "Total"],
            items,
            [("Before VAT", money(net)), ("VAT", money(tax)), ("Total", money(net + tax))],
            addresses,
            shipments,
            list(order.history),
            world.lifecycle.allowed(OrderStatus(order.status)),
            renderings,
            to_ship=sorted(remaining(order).items()),
            carriers=FIXJE_CARRIERS,
            carrier=method.carrier if method else None,
        )

    def _vidaxl_page(self, order: Any) -> OrderPage:
        world = self.vidaxl
        facts = [("Order number", order.order_number), ("Placed", rfc3339(order.created_at))]
        for label, instant in (
            ("Submitted", order.submitted_at),
            ("Paid", order.payment_date),
            ("Sent", order.sent_date),
        ):
            if instant is not None:
                facts.append((label, rfc3339(instant)))
        facts.append(("Shipping option", SHIPPING_OPTIONS.get(order.shipping_option_id, "")))
        if order.replacement_tracking_number:
            facts.append(("Replacement", order.replacement_tracking_number))
        if order.comments:
            facts.append(("Comments", order.comments))
        items = [
            [
                line.product.code,
                line.product.name,
                str(line.quantity),
                money(line.price),
                f"{line.vat_percentage} %",
                money(line.total_vat),
                money(line.total_after_vat),
                f"{line.backordered} backordered" if line.is_backorder else "",
            ]
            for line in order.lines
        ]
        net = sum((line.total_before_vat for line in order.lines), Decimal(0))
        vat = sum((line.total_vat for line in order.lines), Decimal(0))
        books: list[Addressbook] = []
        for entry in [order.addressbook, *(line.addressbook for line in order.lines)]:
            if entry is not None and entry not in books:
                books.append(entry)
        addresses = [
            ("Address" if index == 0 else f"Address {index + 1}", vidaxl_address(entry))
            for index, entry in enumerate(books)
        ]
        shipments = [
            Shipped(when(order.sent_date), p.carrier, p.tracking_number, p.tracking_url)
            for p in order.parcels
        ]
        listed = [vidaxl_views.listed(order)]
        xml = self.vidaxl_xml.document(listed, self.list_schema, "response")
        query = f"?id_eq={order.id}"
        renderings = [
            Rendering("JSON", f"GET /api_customer/orders.json{query}", pretty_json(listed)),
            Rendering("XML", f"GET /api_customer/orders.xml{query}", pretty_xml(xml)),
            Rendering(
                "CSV",
                f"GET /api_customer/orders.csv{query}",
                tabular.to_csv(tabular.order_rows(listed), self.columns).decode(),
            ),
        ]
        return OrderPage(
            "vidaxl",
            str(order.id),
            order.reference,
            order.status.label,
            self.owner_of("vidaxl", order),
            order_url("vidaxl", order.id),
            facts,
            ["Code", "Product", "Quantity", "Price", "VAT", "VAT total", "Total", ""],
            items,
            [("Before VAT", money(net)), ("VAT", money(vat)), ("Total", money(net + vat))],
            addresses,
            shipments,
            list(order.history),
            world.lifecycle.allowed(order.status),
            renderings,
            carriers=CARRIERS,
        )


def change_view(change: Change) -> dict[str, Any]:
    return {
        "at": rfc3339(change.at),
        "previous": change.previous,
        "status": change.status,
        "event": change.event,
        "cause": change.cause,
        "detail": change.detail,
    }


def response_schema(spec: Spec, operation_id: str) -> dict[str, Any]:
    """The schema of the operation's 200 XML answer (what names the XML's elements)."""
    operation = next(op for op in spec.operations if op.operation_id == operation_id)
    return operation.responses["200"]["application/xml"].schema


def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def pretty_xml(document: bytes) -> str:
    return minidom.parseString(document).toprettyxml(indent="  ")
