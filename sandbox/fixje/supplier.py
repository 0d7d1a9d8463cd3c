"""The Fixje Partner Web API as a supplier of the sandbox (`sandbox.supplier.Supplier`)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from sandbox.errors import NotFound
from sandbox.fixje import fixture, probes, state, views
from sandbox.fixje.api import FixjeApi
from sandbox.fixje.fixture import FixjeFixture
from sandbox.fixje.lifecycle import LIFECYCLE, TRANSITIONS, apply_event, remaining
from sandbox.fixje.orders import Address, Order
from sandbox.fixje.seeding import build_fixje_world
from sandbox.fixje.statuses import OrderStatus
from sandbox.fixje.world import FixjeWorld, LineRequest, Partner
from sandbox.resources import spec_path
from sandbox.spec.loader import Spec
from sandbox.spec.router import SpecApi
from sandbox.spec.xmlcodec import xml_writer
from sandbox.supplier import Account, Field, OrderPage, Rendering, Shipped, money, pretty_json, pretty_xml
from sandbox.world import entropy
from sandbox.world.carriers import tracking_url
from sandbox.world.clock import Clock, rfc3339
from sandbox.world.fake import seeded_faker
from sandbox.world.orders import OrderBook

CARRIERS = ["PostNL", "DHL", "DPD", "UPS"]
# where a scenario's orders go
SCENARIO_ADDRESS = Address(
    first_name="Sanne",
    last_name="de Vries",
    street="Stationsstraat",
    house_number="12",
    zip_code="5038 EA",
    city="Tilburg",
    country_code="NL",
)


def address_lines(a: Address) -> list[str]:
    parts = [
        a.company,
        " ".join(p for p in (a.first_name, a.last_name) if p),
        " ".join(p for p in (a.street, a.house_number, a.house_number_extension) if p),
        a.extra,
        f"{a.zip_code} {a.city}",
        a.country_code,
        a.email,
        a.phone,
        a.vat_number,
    ]
    return [part for part in parts if part and part.strip()]


class Fixje:
    name = "fixje"
    label = "Fixje"
    title = "Fixje Partner Web API"
    spec = spec_path("fixje")
    prefixes = ("/api/v1",)
    auth = ("token:", "POST {base}/api/v1/login")
    account_line = "client_id={key}  client_secret={secret}"
    error_schema = "ProblemDetails"
    statuses = tuple(str(status) for status in OrderStatus)
    transitions = TRANSITIONS
    default_rate_limit = (10, 1.0)
    fixtures_schema = fixture.SCHEMA
    probes = probes.PROBES
    fixtures_required = True

    def fixture(self, data: Mapping[str, Any]) -> FixjeFixture:
        return fixture.read(data)

    def build(self, fixture: FixjeFixture, seed: int, locale: str, clock: Clock) -> FixjeWorld:
        return build_fixje_world(seeded_faker(locale, seed), seed, fixture, clock)

    def api(self, world: Callable[[], FixjeWorld], spec: Spec) -> SpecApi:
        return FixjeApi(world)

    def credential(self, principal: Partner) -> str:
        return principal.client_id

    def export(self, world: FixjeWorld) -> dict[str, Any]:
        return state.export(world)

    def restore(self, world: FixjeWorld, data: dict[str, Any]) -> None:
        state.restore(world, data)

    def orders(self, world: FixjeWorld) -> OrderBook[Order]:
        return world.orders

    def find(self, world: FixjeWorld, order_id: str) -> Order | None:
        return world.orders.find(order_id.lower())

    def status(self, order: Order) -> str:
        return str(order.status)

    def since(self, order: Order) -> datetime:
        return order.status_since or order.created_at

    def apply(
        self, world: FixjeWorld, order: Order, event: str, payload: Mapping[str, Any], cause: str
    ) -> str:
        return str(apply_event(world, order, event, payload, cause=cause))

    def terms(self, order: Order) -> list[str]:
        return [
            order.id,
            *([order.reference] if order.reference else []),
            *(shipment.tracking_number for shipment in order.shipments),
            *(line.sku for line in order.lines),
        ]

    def allowed(self, order: Order) -> list[str]:
        return LIFECYCLE.allowed(OrderStatus(order.status))

    def _account(self, partner: Partner, fixture: FixjeFixture) -> Account:
        seeded = any(p.client_id == partner.client_id for p in fixture.partners)
        return Account(self.name, partner.client_id, partner.name, partner.id, partner.client_secret, seeded)

    def accounts(self, world: FixjeWorld, fixture: FixjeFixture) -> list[Account]:
        return [self._account(partner, fixture) for partner in world.partners]

    def owner(self, world: FixjeWorld, order: Order, fixture: FixjeFixture) -> Account:
        return self._account(world.by_id[order.owner], fixture)

    def tenants(self, world: FixjeWorld, fixture: FixjeFixture) -> int:
        return len(world.partners) - len(fixture.partners)

    def add_tenant(self, world: FixjeWorld, name: str, key: str) -> dict[str, Any]:
        partner = world.add_partner(name, key, entropy.token_urlsafe(24))
        return {
            "api": self.name,
            "name": name,
            "clientId": partner.client_id,
            "clientSecret": partner.client_secret,
            "storeFrontIds": [s.id for s in partner.storefronts],
        }

    def place(
        self, world: FixjeWorld, account: str, items: list[dict[str, Any]], reference: str | None
    ) -> Order:
        partner = world.partner_by_client(account)
        if partner is None:
            raise NotFound(f"No Fixje partner '{account}'.")
        lines = [LineRequest(world.catalogue.by_sku[item["sku"]], item["quantity"]) for item in items]
        method = next(m for m in world.shipping_methods if "NL" in m.countries)
        return world.place(
            partner,
            lines,
            reference=reference,
            shipping_address=SCENARIO_ADDRESS,
            shipping_method=method,
            storefront=partner.storefronts[0],
            cause="scenario",
        )

    def total(self, order: Order) -> tuple[int, Decimal]:
        return sum(line.quantity for line in order.lines), sum(
            (line.total for line in order.lines), Decimal(0)
        )

    def page(self, world: FixjeWorld, order: Order, spec: Spec, account: Account) -> OrderPage:
        method = world.shipping_method(order.shipping_method_id)
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
                    f"{line.backordered} backordered" if line.backordered else "",
                ]
            )
        net = sum((line.unit_price * line.quantity for line in order.lines), Decimal(0))
        tax = sum((line.tax * line.quantity for line in order.lines), Decimal(0))
        addresses = [("Shipping address", address_lines(order.shipping_address))]
        if order.billing_address:
            addresses.append(("Billing address", address_lines(order.billing_address)))
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
        view = views.order(order)
        schema = spec.operation("getOrder").responses["200"]["application/xml"].schema
        xml = xml_writer(spec).document(view, schema, "response")
        login = " ".join(
            f"-d {shlex.quote(f'{name}={value}')}"
            for name, value in (
                ("grant_type", "client_credentials"),
                ("client_id", account.key),
                ("client_secret", account.secret),
            )
        )
        curl = (
            f"TOKEN=$(curl -s {{base}}/api/v1/login {login} |\n"
            "  python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')\n"
            f'curl -s {{base}}/api/v1/orders/{order.id} -H "Authorization: Bearer $TOKEN"; echo'
        )
        renderings = [
            Rendering("JSON", f"GET /api/v1/orders/{order.id}", pretty_json(view)),
            Rendering("XML", f"GET /api/v1/orders/{order.id}  (Accept: application/xml)", pretty_xml(xml)),
        ]
        fields = [
            Field("units", "items", sku, key=sku, value=left, most=left)
            for sku, left in sorted(remaining(order).items())
        ]
        fields.append(Field("text", "trackingNumber", "Tracking number", placeholder="made up when empty"))
        return OrderPage(
            order.id,
            order.reference,
            str(order.status),
            account,
            facts,
            ["SKU", "Product", "Quantity", "Shipped", "Unit price", "VAT per unit", "Total", "Backorder"],
            items,
            [("Before VAT", money(net)), ("VAT", money(tax)), ("Total", money(net + tax))],
            addresses,
            shipments,
            renderings,
            ship_note="One parcel per shipment; leave units behind for a partial shipment.",
            ship_fields=fields,
            carriers=CARRIERS,
            carrier=method.carrier if method else None,
            curl=curl,
            warnings=list(order.warnings),
        )

    def docs_credentials(self, fixture: FixjeFixture) -> dict[str, Any]:
        partner = next(iter(fixture.partners), None)
        if partner is None:
            return {}
        return {"oauth": {"clientId": partner.client_id, "clientSecret": partner.client_secret}}

    def token_fault(self, api: SpecApi, action: str, token: str | None, client: str | None) -> int | None:
        assert isinstance(api, FixjeApi)
        oauth = api.oauth
        keys = oauth.matching(token, client)
        if action == "revoke":
            oauth.revoke(keys)
        else:
            oauth.expire(keys)
        return len(keys)

    def claimant(self, api: SpecApi, request: Request, body: bytes) -> str | None:
        assert isinstance(api, FixjeApi)
        return api.oauth.claimant(request, body)

    def api_state(self, api: SpecApi) -> Any:
        assert isinstance(api, FixjeApi)
        return api.oauth.tokens.kept()

    def resume_api(self, api: SpecApi, state: Any) -> None:
        assert isinstance(api, FixjeApi)
        api.oauth.tokens.resume(state, api.oauth.world())


FIXJE = Fixje()
