"""What the dashboard shows, read from the live worlds through each supplier: accounts, order
rows, one order in full with its timeline and allowed events (the supplier's `page`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sandbox.runtime import Runtime
from sandbox.supplier import Account, OrderPage, Supplier, money
from sandbox.world.clock import rfc3339
from sandbox.world.orders import Change, OrderBook

CAUSES = {
    "api": "API call",
    "control": "control API",
    "dashboard": "dashboard",
    "schedule": "schedule",
    "scenario": "scenario",
    "seed": "seeded history",
}


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
class Page:
    """One order for its page: what the supplier shows of it, and what every order has."""

    api: str
    label: str
    title: str
    url: str
    order: OrderPage
    timeline: list[Change]
    allowed: list[str]


SEARCH_MOST = 100
"""The most orders a search lists."""


def order_url(api: str, order_id: Any) -> str:
    return f"/_sandbox/ui/{api}/orders/{order_id}"


class Reader:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @property
    def suppliers(self) -> dict[str, Supplier]:
        return self.runtime.suppliers

    def books(self) -> list[tuple[str, OrderBook[Any]]]:
        return [(name, s.orders(self.runtime.worlds[name])) for name, s in self.suppliers.items()]

    def book(self, api: str) -> OrderBook[Any]:
        return self.suppliers[api].orders(self.runtime.worlds[api])

    # accounts

    def accounts(self, api: str | None = None) -> list[Account]:
        return [
            account
            for name, supplier in self.suppliers.items()
            if api in (None, name)
            for account in supplier.accounts(self.runtime.worlds[name], self.runtime.fixtures.suppliers[name])
        ]

    def account(self, api: str, key: str) -> Account | None:
        return next((a for a in self.accounts(api) if a.key == key), None)

    def owner_of(self, api: str, order: Any) -> Account:
        fixture = self.runtime.fixtures.suppliers[api]
        return self.suppliers[api].owner(self.runtime.worlds[api], order, fixture)

    # orders

    def find(self, api: str, order_id: str) -> Any:
        supplier = self.suppliers.get(api)
        return supplier.find(self.runtime.worlds[api], order_id) if supplier else None

    def search(self, text: str, most: int = SEARCH_MOST) -> list[tuple[str, Any]]:
        """The orders of every API that `text` names (one of their `terms`, in any case), newest
        first, at most `most`."""
        wanted = text.strip().casefold()
        found: list[tuple[str, Any]] = []
        if not wanted:
            return found
        for api, supplier in self.suppliers.items():
            for order in reversed(supplier.orders(self.runtime.worlds[api]).placed):
                if any(term.casefold() == wanted for term in supplier.terms(order)):
                    found.append((api, order))
                    if len(found) >= most:
                        return found
        return found

    def status(self, api: str, order: Any) -> str:
        return self.suppliers[api].status(order)

    def newest_first(self, account: Account) -> list[Any]:
        return self.book(account.api).of(account.owner)[::-1]

    def counts(self, account: Account) -> dict[str, int]:
        """Orders per status, in the lifecycle's order; statuses without orders left out."""
        orders = self.book(account.api).of(account.owner)
        counted = Counter(self.status(account.api, order) for order in orders)
        return {status: counted[status] for status in self.suppliers[account.api].statuses if counted[status]}

    def row(self, api: str, order: Any) -> Row:
        units, total = self.suppliers[api].total(order)
        return Row(
            str(order.id),
            order.reference,
            self.status(api, order),
            rfc3339(order.created_at),
            units,
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

    def page(self, api: str, order: Any) -> Page:
        supplier = self.suppliers[api]
        world = self.runtime.worlds[api]
        shown = supplier.page(world, order, self.runtime.specs[api], self.owner_of(api, order))
        return Page(
            api,
            supplier.label,
            supplier.title,
            order_url(api, order.id),
            shown,
            list(order.history),
            supplier.allowed(order),
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
