"""The toy supplier's one registration object: everything the sandbox asks of a supplier."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.requests import Request

from sandbox.errors import NotFound
from sandbox.probes import Credential, Probe, Probes
from sandbox.spec.loader import Spec
from sandbox.spec.router import SpecApi
from sandbox.supplier import Account, Field, OrderPage, Rendering, Shipped
from sandbox.world.clock import Clock, rfc3339
from sandbox.world.orders import OrderBook
from tests.toy import world as toy
from tests.toy.api import ToyApi
from tests.toy.world import LIFECYCLE, PRODUCTS, TRANSITIONS, Order, ToyWorld

PRICE = Decimal("2.50")
DEMO = toy.Account("toy-demo-key", "Toy demo shop")

FIXTURES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "accounts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "name"],
                "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
            },
        }
    },
}
"""Its section of the fixtures file: the accounts (else one demo shop)."""

PROBES = Probes(
    credentials=(Credential("key", "the account's key (X-Toy-Key)", secret=True),),
    calls=(
        Probe("orders", "listOrders", "/toy/v1/orders", keep={"order_id": "[0].id"}),
        Probe("order", "getOrder", "/toy/v1/orders/{order_id}"),
    ),
    authorize=lambda values: {"X-Toy-Key": values["key"]},
    reference=lambda fixture: {"key": fixture[0].key} if fixture else {},
)
"""Its drift check: its orders, and the first of them."""


class Toy:
    name = "toy"
    label = "Toy"
    title = "Toy supplier API"
    spec = Path(__file__).with_name("toy.yaml")
    prefixes = ("/toy/",)
    auth = ("API key in the header", "X-Toy-Key")
    account_line = "X-Toy-Key: {key}"
    error_schema = "Error"
    statuses = ("open", "confirmed", "shipped", "cancelled")
    transitions = TRANSITIONS
    default_rate_limit = (5, 1.0)
    fixtures_schema = FIXTURES_SCHEMA
    fixtures_required = False
    probes = PROBES

    def fixture(self, data: Mapping[str, Any]) -> list[toy.Account]:
        return [toy.Account(a["key"], a["name"]) for a in data.get("accounts", ())] or [DEMO]

    def build(self, fixture: list[toy.Account], seed: int, locale: str, clock: Clock) -> ToyWorld:
        return toy.seed_world([toy.Account(a.key, a.name) for a in fixture], seed, clock)

    def api(self, world: Callable[[], ToyWorld], spec: Spec) -> SpecApi:
        return ToyApi(world)

    def credential(self, principal: toy.Account) -> str:
        return principal.key

    def export(self, world: ToyWorld) -> dict[str, Any]:
        return toy.export(world)

    def restore(self, world: ToyWorld, state: dict[str, Any]) -> None:
        toy.restore(world, state)

    def orders(self, world: ToyWorld) -> OrderBook[Order]:
        return world.orders

    def find(self, world: ToyWorld, order_id: str) -> Order | None:
        return world.orders.find(int(order_id)) if order_id.isascii() and order_id.isdigit() else None

    def status(self, order: Order) -> str:
        return order.status

    def since(self, order: Order) -> datetime:
        return order.status_since or order.created_at

    def apply(self, world: ToyWorld, order: Order, event: str, payload: Mapping[str, Any], cause: str) -> str:
        return toy.apply_event(world, order, event, payload, cause)

    def terms(self, order: Order) -> list[str]:
        return [str(order.id), order.sku, *(value for value in (order.reference, order.tracking) if value)]

    def allowed(self, order: Order) -> list[str]:
        return LIFECYCLE.allowed(order.status)

    def _account(self, account: toy.Account, fixture: list[toy.Account]) -> Account:
        seeded = any(a.key == account.key for a in fixture)
        return Account(self.name, account.key, account.name, account.key, account.key, seeded)

    def accounts(self, world: ToyWorld, fixture: list[toy.Account]) -> list[Account]:
        return [self._account(account, fixture) for account in world.accounts]

    def owner(self, world: ToyWorld, order: Order, fixture: list[toy.Account]) -> Account:
        return self._account(next(a for a in world.accounts if a.key == order.owner), fixture)

    def tenants(self, world: ToyWorld, fixture: list[toy.Account]) -> int:
        return len(world.accounts) - len(fixture)

    def add_tenant(self, world: ToyWorld, name: str, key: str) -> dict[str, Any]:
        world.accounts.append(toy.Account(key, name))
        return {"api": self.name, "name": name, "key": key}

    def place(
        self, world: ToyWorld, account: str, items: list[dict[str, Any]], reference: str | None
    ) -> Order:
        if world.account(account) is None:
            raise NotFound(f"No toy account '{account}'.")
        (item,) = items
        return world.place(account, item["sku"], item["quantity"], reference, "scenario")

    def total(self, order: Order) -> tuple[int, Decimal]:
        return order.quantity, order.quantity * PRICE

    def page(self, world: ToyWorld, order: Order, spec: Spec, account: Account) -> OrderPage:
        shipments = [Shipped(None, "Toy Post", order.tracking, None)] if order.tracking else []
        return OrderPage(
            str(order.id),
            order.reference,
            order.status,
            account,
            [("Placed", rfc3339(order.created_at))],
            ["SKU", "Product", "Quantity"],
            [[order.sku, PRODUCTS[order.sku], str(order.quantity)]],
            [("Total", f"€ {order.quantity * PRICE}")],
            [],
            shipments,
            [Rendering("JSON", f"GET /toy/v1/orders/{order.id}", json.dumps(toy.view(order), indent=2))],
            ship_note="A toy order ships whole.",
            ship_fields=[
                Field("text", "trackingNumber", "Tracking number", placeholder="made up when empty")
            ],
            carriers=["Toy Post"],
        )

    def docs_credentials(self, fixture: list[toy.Account]) -> dict[str, Any]:
        return {}

    def token_fault(self, api: SpecApi, action: str, token: str | None, client: str | None) -> int | None:
        return None

    def claimant(self, api: SpecApi, request: Request, body: bytes) -> str | None:
        return None

    def api_state(self, api: SpecApi) -> Any:
        return None

    def resume_api(self, api: SpecApi, state: Any) -> None:
        pass


TOY = Toy()
