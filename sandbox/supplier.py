"""What a supplier gives the rest of the sandbox.

A supplier is one package (`sandbox/fixje/`, `sandbox/vidaxl/`, or a test's own) with one object
that meets `Supplier`: its name and paths, its spec and the handlers of its operations, its
seeded world and how that world is exported and restored, its orders' lifecycle, its accounts and
tenants, the orders a scenario places, and what the dashboard and the docs show of it. The
runtime, the control API, scenarios, the dashboard and the docs loop over the registered
suppliers and ask them; none of them knows a supplier by name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from xml.dom import minidom

from starlette.requests import Request

from sandbox.probes import Probes
from sandbox.spec.loader import Spec
from sandbox.spec.router import SpecApi
from sandbox.world.clock import Clock
from sandbox.world.orders import OrderBook

World = Any
"""A supplier's world: its catalogue, accounts and orders (a type of the supplier's own)."""
Order = Any
"""One of a supplier's orders (it has `id`, `owner`, `reference`, `created_at` and `history`)."""


@dataclass(frozen=True)
class Account:
    """A supplier's account as the dashboard names it: `key` is what its credentials call it (a
    client id, an e-mail), `owner` what its orders' `owner` says."""

    api: str
    key: str
    name: str
    owner: str
    secret: str
    seeded: bool
    enabled: bool = True


@dataclass(frozen=True)
class Rendering:
    """An order as one of the API's requests returns it."""

    label: str
    request: str
    text: str
    csv: bool = False
    """The text is CSV: the dashboard shows it as a table, with a download."""

    @property
    def rows(self) -> list[list[str]]:
        """The CSV's rows, its header first (none for a text that is not CSV)."""
        return list(csv.reader(io.StringIO(self.text))) if self.csv else []


@dataclass(frozen=True)
class Shipped:
    at: str | None
    carrier: str
    tracking: str
    url: str | None
    contents: str | None = None


@dataclass(frozen=True)
class Field:
    """One input of the dashboard's form for an event (its `ship`): `units` (a number per `key`,
    sent as `{name: {key: n}}`), `text`, `list` (one per line, sent as a list) or `count` (a
    number, sent unless the list named `unless` has entries; when it has, their numbers must
    agree, else `message` is shown with its `{count}` and `{given}` filled in)."""

    kind: str
    name: str
    label: str
    key: str = ""
    value: int | None = None
    most: int | None = None
    placeholder: str = ""
    unless: str = ""
    message: str = ""


@dataclass
class OrderPage:
    """One order in full, as the dashboard shows it."""

    id: str
    reference: str | None
    status: str
    account: Account
    facts: list[tuple[str, str]]
    columns: list[str]
    items: list[list[str]]
    totals: list[tuple[str, str]]
    addresses: list[tuple[str, list[str]]]
    shipments: list[Shipped]
    renderings: list[Rendering]
    ship_note: str = ""
    ship_fields: list[Field] = field(default_factory=list)
    carriers: list[str] = field(default_factory=list)
    carrier: str | None = None
    curl: str = ""
    """A shell command that fetches the order as its account would (`{base}`: the sandbox's
    address), or "" for none."""
    warnings: list[str] = field(default_factory=list)
    """What the API warned of when the order was placed."""


def money(amount: Decimal) -> str:
    return f"€\u00a0{amount:,.2f}"


def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def pretty_xml(document: bytes) -> str:
    return minidom.parseString(document).toprettyxml(indent="  ")


class Supplier(Protocol):
    """What a supplier gives the rest of the sandbox; its data members are read, never set."""

    @property
    def name(self) -> str:
        """The supplier's name in the control API's paths, the state, the fixtures and the dashboard."""
        ...

    @property
    def label(self) -> str:
        """A short name for people ("Fixje")."""
        ...

    @property
    def title(self) -> str:
        """Its API's name ("Fixje Partner Web API")."""
        ...

    @property
    def spec(self) -> Path:
        """Its OpenAPI document."""
        ...

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The paths its API answers under (the first is where clients start)."""
        ...

    @property
    def auth(self) -> tuple[str, str]:
        """How a client signs in, for the dashboard and the banner: words, then a request to show
        as code (`{base}` is the sandbox's address) or "" for none."""
        ...

    @property
    def account_line(self) -> str:
        """An account's credentials in the start-up banner (`{key}` and `{secret}` filled in)."""
        ...

    @property
    def error_schema(self) -> str:
        """The schema of its error answers, for errors met outside an operation (an unknown path)."""
        ...

    @property
    def statuses(self) -> Sequence[str]:
        """Its orders' statuses, in the lifecycle's order."""
        ...

    @property
    def transitions(self) -> Mapping[str, Mapping[Any, Any]]:
        """event -> {from status: to status}: what the schedule's rules are checked against."""
        ...

    @property
    def default_rate_limit(self) -> tuple[int, float]:
        """(requests, per seconds) per credential, when the fixtures give none."""
        ...

    @property
    def fixtures_schema(self) -> dict[str, Any]:
        """The JSON schema of its section of the fixtures file."""
        ...

    @property
    def fixtures_required(self) -> bool:
        """Whether the fixtures file must have its section."""
        ...

    def fixture(self, data: Mapping[str, Any]) -> Any:
        """Its section of the fixtures file (already checked by `fixtures_schema`), read."""
        ...

    def build(self, fixture: Any, seed: int, locale: str, clock: Clock) -> World:
        """The seeded world: the same seed gives the same world."""
        ...

    def api(self, world: Callable[[], World], spec: Spec) -> SpecApi:
        """The handlers of its operations; `world()` is the live world of the moment."""
        ...

    def credential(self, principal: Any) -> str:
        """What names an authenticated caller in the journal, fault rules and rate limits."""
        ...

    def export(self, world: World) -> dict[str, Any]:
        """The world's changing state as plain JSON."""
        ...

    def restore(self, world: World, state: dict[str, Any]) -> None:
        """Put an exported `state` onto `world`, freshly seeded (a StateError naming the field)."""
        ...

    def orders(self, world: World) -> OrderBook[Any]: ...

    def find(self, world: World, order_id: str) -> Order | None:
        """The order of this id (as the control API's path gives it), whoever owns it."""
        ...

    def status(self, order: Order) -> str: ...

    def since(self, order: Order) -> datetime:
        """When the order entered its status (what the schedule counts from)."""
        ...

    def apply(self, world: World, order: Order, event: str, payload: Mapping[str, Any], cause: str) -> str:
        """Move `order` on `event`: its new status; `lifecycle.Forbidden` (nothing changed) when
        its status does not allow it. `cause` goes into its timeline."""
        ...

    def terms(self, order: Order) -> Sequence[str]:
        """What the dashboard's search finds the order by: its id, reference, order number, the
        tracking numbers of its parcels and the SKUs or codes of its lines."""
        ...

    def allowed(self, order: Order) -> list[str]:
        """The events its status allows."""
        ...

    def accounts(self, world: World, fixture: Any) -> list[Account]: ...

    def owner(self, world: World, order: Order, fixture: Any) -> Account: ...

    def tenants(self, world: World, fixture: Any) -> int:
        """How many accounts the world holds beyond those of the fixtures."""
        ...

    def add_tenant(self, world: World, name: str, key: str) -> dict[str, Any]:
        """A new account with an empty order book: the control API's answer (its credentials)."""
        ...

    def place(self, world: World, account: str, items: list[dict[str, Any]], reference: str | None) -> Order:
        """A scenario's order for `account` (a credential) of `items`."""
        ...

    def total(self, order: Order) -> tuple[int, Decimal]:
        """The order's units and its total to pay."""
        ...

    def page(self, world: World, order: Order, spec: Spec, account: Account) -> OrderPage:
        """The order in full for the dashboard, with the answers its API gives for it."""
        ...

    def docs_credentials(self, fixture: Any) -> dict[str, Any]:
        """What the docs page fills in: `{"oauth": {"clientId", "clientSecret"}}` or
        `{"basic": [user, password]}`, from the fixtures' first account; `{}` for none."""
        ...

    def token_fault(self, api: SpecApi, action: str, token: str | None, client: str | None) -> int | None:
        """Revoke or expire (`action`) a token, or all of a client's: how many; None when the
        supplier has no tokens."""
        ...

    def claimant(self, api: SpecApi, request: Request, body: bytes) -> str | None:
        """The credential (as `credential` names it) that a request without a principal names, a
        sign-in or one refused, when it names an account that exists; None when it names none."""
        ...

    def api_state(self, api: SpecApi) -> Any:
        """What the API holds beside its world (the live tokens), as data that JSON could hold,
        for a durable sandbox's snapshot; None when it holds nothing."""
        ...

    def resume_api(self, api: SpecApi, state: Any) -> None:
        """Put back on the live world what `api_state` gave."""
        ...

    @property
    def probes(self) -> Probes:
        """Its drift check (`sandbox verify`): the credentials, how they sign in, and the read-only
        calls made of the real service and of the sandbox."""
        ...
