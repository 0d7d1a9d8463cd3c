"""The vidaXL customer API (B2BWave) as a supplier of the sandbox (`sandbox.supplier.Supplier`)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from sandbox.errors import NotFound
from sandbox.resources import spec_path
from sandbox.spec.loader import Spec
from sandbox.spec.router import SpecApi
from sandbox.spec.xmlcodec import xml_writer
from sandbox.supplier import Account, Field, OrderPage, Rendering, Shipped, money, pretty_json, pretty_xml
from sandbox.vidaxl import auth, fixture, probes, state, tabular, views
from sandbox.vidaxl.api import VidaxlApi
from sandbox.vidaxl.fixture import VidaxlFixture
from sandbox.vidaxl.lifecycle import LIFECYCLE, TRANSITIONS, apply_event
from sandbox.vidaxl.seeding import build_vidaxl_world
from sandbox.vidaxl.statuses import StatusOrder
from sandbox.vidaxl.world import (
    CARRIERS,
    SHIPPING_OPTIONS,
    Addressbook,
    Customer,
    NewLine,
    Order,
    VidaxlWorld,
)
from sandbox.world import entropy
from sandbox.world.clock import Clock, rfc3339
from sandbox.world.fake import seeded_faker
from sandbox.world.orders import OrderBook


def address_lines(a: Addressbook) -> list[str]:
    place = " ".join(part for part in (a.postal_code, a.city) if part)
    parts = [a.name, a.address, a.address2, place, a.province, a.country, a.phone, a.email]
    return [part for part in parts if part and part.strip()]


LABELLED = {event: {s.label: t.label for s, t in moves.items()} for event, moves in TRANSITIONS.items()}
"""The lifecycle's moves by status label, as the schedule's rules name them."""


class Vidaxl:
    name = "vidaxl"
    label = "vidaXL"
    title = "vidaXL customer API"
    spec = spec_path("vidaxl")
    prefixes = ("/api_customer/", "/api_customers/")
    auth = ("HTTP Basic: e-mail and API token", "")
    account_line = "{key}  {secret}"
    error_schema = "Error"
    statuses = tuple(status.label for status in StatusOrder)
    transitions = LABELLED
    default_rate_limit = (1, 1.0)  # the documented 1 request per second per customer
    fixtures_schema = fixture.SCHEMA
    probes = probes.PROBES
    fixtures_required = False

    def fixture(self, data: Mapping[str, Any]) -> VidaxlFixture:
        return fixture.read(data)

    def build(self, fixture: VidaxlFixture, seed: int, locale: str, clock: Clock) -> VidaxlWorld:
        # a Faker of its own, so that a change to another supplier's world leaves this one as it was
        return build_vidaxl_world(seeded_faker(locale, f"{seed}:vidaxl"), seed, fixture, clock)

    def api(self, world: Callable[[], VidaxlWorld], spec: Spec) -> SpecApi:
        return VidaxlApi(world, spec)

    def credential(self, principal: Customer) -> str:
        return principal.email

    def export(self, world: VidaxlWorld) -> dict[str, Any]:
        return state.export(world)

    def restore(self, world: VidaxlWorld, data: dict[str, Any]) -> None:
        state.restore(world, data)

    def orders(self, world: VidaxlWorld) -> OrderBook[Order]:
        return world.orders

    def find(self, world: VidaxlWorld, order_id: str) -> Order | None:
        number = order_id.isascii() and order_id.isdigit()
        return world.orders.find(int(order_id)) if number else None

    def status(self, order: Order) -> str:
        return order.status.label

    def since(self, order: Order) -> datetime:
        return order.updated_at

    def apply(
        self, world: VidaxlWorld, order: Order, event: str, payload: Mapping[str, Any], cause: str
    ) -> str:
        return apply_event(world, order, event, payload, cause=cause).label

    def terms(self, order: Order) -> list[str]:
        return [
            str(order.id),
            order.order_number,
            *([order.reference] if order.reference else []),
            *(parcel.tracking_number for parcel in order.parcels),
            *([order.replacement_tracking_number] if order.replacement_tracking_number else []),
            *(line.product.code for line in order.lines),
        ]

    def allowed(self, order: Order) -> list[str]:
        return LIFECYCLE.allowed(order.status)

    def _account(self, customer: Customer, fixture: VidaxlFixture) -> Account:
        seeded = any(c.email == customer.email for c in fixture.customers)
        return Account(
            self.name,
            customer.email,
            customer.name,
            customer.key,
            customer.token,
            seeded,
            customer.api_enabled,
        )

    def accounts(self, world: VidaxlWorld, fixture: VidaxlFixture) -> list[Account]:
        return [self._account(customer, fixture) for customer in world.customers]

    def owner(self, world: VidaxlWorld, order: Order, fixture: VidaxlFixture) -> Account:
        return self._account(order.customer, fixture)

    def tenants(self, world: VidaxlWorld, fixture: VidaxlFixture) -> int:
        return len(world.customers) - len(fixture.customers)

    def add_tenant(self, world: VidaxlWorld, name: str, key: str) -> dict[str, Any]:
        customer = world.add_customer(name, f"{key}@vidaxl.sandbox", entropy.token_urlsafe(24))
        return {"api": self.name, "name": name, "email": customer.email, "token": customer.token}

    def place(
        self, world: VidaxlWorld, account: str, items: list[dict[str, Any]], reference: str | None
    ) -> Order:
        customer = world.customer_by_email(account)
        if customer is None:
            raise NotFound(f"No vidaXL customer '{account}'.")
        address = world.add_addressbook(
            customer,
            address="Stationsstraat 12",
            city="Tilburg",
            postal_code="5038 EA",
            country="NL",
            name="Sanne de Vries",
            phone="0131234567",
        )
        lines = [NewLine(world.by_code[item["code"]], item["quantity"], address) for item in items]
        return world.place(
            customer, lines, reference=reference, comments=None, addressbook=address, cause="scenario"
        )

    def total(self, order: Order) -> tuple[int, Decimal]:
        units = sum(line.quantity for line in order.lines)
        return units, sum((line.total_after_vat for line in order.lines), Decimal(0))

    def page(self, world: VidaxlWorld, order: Order, spec: Spec, account: Account) -> OrderPage:
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
            ("Address" if index == 0 else f"Address {index + 1}", address_lines(entry))
            for index, entry in enumerate(books)
        ]
        sent = rfc3339(order.sent_date) if order.sent_date else None
        shipments = [Shipped(sent, p.carrier, p.tracking_number, p.tracking_url) for p in order.parcels]
        listed = [views.listed(order)]
        schema = spec.operation("listOrdersXml").responses["200"]["application/xml"].schema
        xml = xml_writer(spec).document(listed, schema, "response")
        query = f"?id_eq={order.id}"
        renderings = [
            Rendering("JSON", f"GET /api_customer/orders.json{query}", pretty_json(listed)),
            Rendering("XML", f"GET /api_customer/orders.xml{query}", pretty_xml(xml)),
            Rendering(
                "CSV",
                f"GET /api_customer/orders.csv{query}",
                tabular.to_csv(tabular.order_rows(listed), tabular.order_columns(spec)).decode(),
                csv=True,
            ),
        ]
        return OrderPage(
            str(order.id),
            order.reference,
            order.status.label,
            account,
            facts,
            ["Code", "Product", "Quantity", "Price", "VAT", "VAT total", "Total", "Backorder"],
            items,
            [("Before VAT", money(net)), ("VAT", money(vat)), ("Total", money(net + vat))],
            addresses,
            shipments,
            renderings,
            ship_note="vidaXL sends the whole order, in one or more parcels.",
            ship_fields=[
                Field(
                    "count",
                    "parcels",
                    "Parcels",
                    value=1,
                    most=20,
                    unless="trackingNumbers",
                    message="Give one tracking number per parcel: {count} parcel(s), {given} number(s).",
                ),
                Field(
                    "list",
                    "trackingNumbers",
                    "Tracking numbers",
                    placeholder="one per parcel; made up when empty",
                ),
            ],
            carriers=CARRIERS,
            curl=f"curl -s -u {shlex.quote(f'{account.key}:{account.secret}')} "
            f"'{{base}}/api_customer/orders.json?id_eq={order.id}'; echo",
        )

    def docs_credentials(self, fixture: VidaxlFixture) -> dict[str, Any]:
        customer = next((c for c in fixture.customers if c.api_enabled), None)
        return {"basic": [customer.email, customer.token]} if customer is not None else {}

    def token_fault(self, api: SpecApi, action: str, token: str | None, client: str | None) -> int | None:
        return None  # HTTP Basic on every call: no tokens to revoke or expire

    def claimant(self, api: SpecApi, request: Request, body: bytes) -> str | None:
        assert isinstance(api, VidaxlApi)
        return auth.claimant(api.world, request)

    def api_state(self, api: SpecApi) -> Any:
        return None

    def resume_api(self, api: SpecApi, state: Any) -> None:
        pass


VIDAXL = Vidaxl()
