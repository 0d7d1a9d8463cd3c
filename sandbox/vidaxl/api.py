"""The vidaXL customer API: one handler per operationId of specs/vidaxl.yaml."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from starlette.requests import Request

from sandbox.errors import ApiError, BadRequest, NotFound
from sandbox.spec.loader import Spec
from sandbox.spec.messages import summary
from sandbox.spec.router import Call, Handler, Item, Listing, Reply, json_bytes
from sandbox.vidaxl import documents, tabular, views
from sandbox.vidaxl.auth import authenticate
from sandbox.vidaxl.ordering import place_order
from sandbox.vidaxl.world import Customer, Order, VidaxlWorld, microseconds
from sandbox.world.catalogue import UntilStockChanges

CSV = "text/csv; charset=utf-8"
PAGE_KEYS = ("id_eq", "id_in[]", "code_eq", "offset", "limit")
"""What makes one page of products another (with the customer's prices and the format)."""
SUBMITTED_FROM = ("submitted_at_gteq", "submitted_at_gt_eq")
SUBMITTED_ON = ("submitted_at_castedeq", "submitted_at_casted_eq")
KEPT = 100
"""The views kept of one list's orders: the newest, which clients ask for again (each costs about
14 KB; a list of 50,000 kept whole would hold 700 MB)."""
VIEWS_KEPT = 4096
"""Orders whose list views (and their JSON) are kept for the next read, at most (past it, all are
made afresh)."""
SKIPPED = 64
"""Orders a list's filters leave out between two steps (about 40 us of work)."""
FILTERS = (
    "id_eq",
    "status_order_id_eq",
    "customer_order_reference_eq",
    *SUBMITTED_FROM,
    "submitted_at_lteq",
    *SUBMITTED_ON,
)


def filter_date(name: str, text: str) -> date:
    """`2026-11-02` or `20261102`."""
    try:
        if len(text) == 8:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest.field(
            name, f"The value '{text}' is not a valid date (YYYY-MM-DD or YYYYMMDD)."
        ) from None


def filter_days(params: Mapping[str, Any]) -> dict[str, date]:
    """The date filters given, by name."""
    return {
        name: filter_date(name, params[name])
        for name in FILTERS
        if name.startswith("submitted_at") and name in params
    }


def day_range(days: Mapping[str, date]) -> tuple[int | None, int | None]:
    """The first and last day (ordinals, None: no bound) that every one of the date filters
    `days` lets through."""
    lows = [day.toordinal() for name, day in days.items() if name != "submitted_at_lteq"]
    highs = [day.toordinal() for name, day in days.items() if name not in SUBMITTED_FROM]
    return max(lows, default=None), min(highs, default=None)


def order_filter(params: Mapping[str, Any], now: datetime) -> Callable[[Order], bool]:
    """Which orders the filters in `params` keep; none given: those of the 24 hours before
    `now`."""
    if not any(name in params for name in FILTERS):
        since = now - timedelta(hours=24)
        return lambda order: order.created_at >= since
    days = filter_days(params)
    order_id, status = params.get("id_eq"), params.get("status_order_id_eq")
    reference = params.get("customer_order_reference_eq")

    def matches(order: Order) -> bool:
        if order_id is not None and order.id != order_id:
            return False
        if status is not None and int(order.status) != status:
            return False
        if reference is not None and order.reference != reference:
            return False
        if not days:
            return True
        if order.submitted_at is None:
            return False
        submitted = order.submitted_at.date()
        return all(
            (submitted >= day)
            if name in SUBMITTED_FROM
            else (submitted <= day)
            if name == "submitted_at_lteq"
            else (submitted == day)
            for name, day in days.items()
        )

    return matches


ListedViews = dict[int, tuple[tuple[Any, ...], dict[str, Any], bytes]]
"""Orders' list views and their JSON by order id, with the version of the order they show."""


def newest_documents(orders: list[Order], base: str) -> Iterator[Item | None]:
    """The documents of `orders` newest first, as `documents_reply` orders them: each order looked
    at a step at a time, then all sorted (a few milliseconds for 50,000 orders), then made."""
    found: list[tuple[tuple[datetime, int], documents.Document]] = []
    for order in orders:
        found.extend(((document.date, document.id), document) for document in documents.of(order))
        yield None
    found.sort(key=lambda keyed: keyed[0], reverse=True)
    for _, document in found:
        yield views.document(document, base), None


class VidaxlApi:
    """The handlers of the live world (`world()`); the views they keep go with a world that is
    replaced (a reset, an import)."""

    def __init__(self, world: Callable[[], VidaxlWorld], spec: Spec) -> None:
        self.live = world
        self.order_columns = tabular.order_columns(spec)
        self.product_columns = tabular.product_columns(spec)
        self._seen: VidaxlWorld | None = None
        self._listed: ListedViews = {}
        self._pages: UntilStockChanges[Reply] = UntilStockChanges(most=256)

    @property
    def world(self) -> VidaxlWorld:
        world = self.live()
        if world is not self._seen:
            self._seen = world
            self._listed = {}  # a new one: a list still going on the old world keeps to its own
            self._pages.clear()
        return world

    def handlers(self) -> Mapping[str, Handler]:
        listing: dict[str, Callable[[Call], Reply]] = {}
        for suffix, fmt in (("", None), ("Json", "json"), ("Xml", "xml"), ("Csv", "csv")):
            listing[f"listOrders{suffix}"] = self._with_format(self.list_orders, fmt)
            listing[f"listOrdersPlural{suffix}"] = self._with_format(self.list_orders, fmt)
            listing[f"listProducts{suffix}"] = self._with_format(self.list_products, fmt)
            if fmt != "csv":
                listing[f"listOrderDocuments{suffix}"] = self._with_format(self.order_documents, fmt)
                listing[f"listDocuments{suffix}"] = self._with_format(self.all_documents, fmt)
        return {
            "createOrder": self.create_order,
            "createOrderJson": self.create_order,
            "getDocumentPdf": self.document_pdf,
            **listing,
        }

    @staticmethod
    def _with_format(handler: Callable[[Call, str | None], Reply], fmt: str | None) -> Handler:
        return lambda call: handler(call, fmt)

    def authenticate(self, schemes: list[str], request: Request) -> Customer:
        return authenticate(self.world, request)

    def error_reply(self, operation_id: str | None, error: ApiError) -> Reply:
        body: dict[str, Any] = {"error": error.detail or self._summary(error)}
        if error.errors:
            body["errors"] = error.errors
        return Reply(body, error.status, dict(error.headers), format="json")

    @staticmethod
    def _summary(error: ApiError) -> str:
        if not error.errors:
            return error.title
        return summary(error.errors)

    def create_order(self, call: Call) -> Reply:
        order = place_order(self.world, call.principal, call.body)
        return Reply(views.created(order), format="json", subjects=(str(order.id),))

    def list_orders(self, call: Call, fmt: str | None) -> Reply:
        """The orders that match, newest first, as many as there are: made as they are sent."""
        customer: Customer = call.principal
        now = self.world.clock.now()
        matches = order_filter(call.params, now)
        candidates = self.candidates(customer, call.params, now)
        items = self.listed_items(candidates, matches)
        # one of the customer's orders asked for by its id (`candidates` is then it, or none): a read
        # of that order, for its page's requests
        order_id = call.params.get("id_eq")
        named = (str(order_id),) if order_id is not None and candidates else ()
        if fmt == "csv":
            return Reply(
                Listing(items, self.order_records, tabular.header_row(self.order_columns)),
                media=CSV,
                subjects=named,
            )
        return Reply(Listing(items), format=fmt, subjects=named)

    def order_records(self, view: dict[str, Any]) -> bytes:
        """A listed order's CSV records, one per line."""
        return tabular.records(tabular.order_rows([view]), self.order_columns)

    def listed_items(self, orders: Iterable[Order], keeps: Callable[[Order], bool]) -> Iterator[Item | None]:
        """Each order the filter `keeps`, as its list view and JSON; None after every SKIPPED
        orders it leaves out. The views of the first KEPT are kept (`listed`), those of a longer
        list's others only made."""
        kept, skipped, views_kept = 0, 0, self._listed
        for order in orders:
            if not keeps(order):
                skipped += 1
                if skipped % SKIPPED == 0:
                    yield None
            elif kept < KEPT:
                kept += 1
                yield self.listed(order, views_kept, keep=True)
            else:
                yield self.listed(order, views_kept, keep=False)

    def candidates(self, customer: Customer, params: Mapping[str, Any], now: datetime) -> Iterable[Order]:
        """The customer's orders that the filters may keep, newest first: the order of `id_eq`,
        else those of the reference, else the narrowest of those of the status and those
        submitted in the days asked for, else (no filter) those placed in the 24 hours before
        `now`: each found in the order book's indexes, in the time of what they hold however many
        orders the customer has; `order_filter` still decides."""
        orders = self.world.orders
        if params.get("id_eq") is not None:
            order = orders.get(customer.key, params["id_eq"])
            return [] if order is None else [order]
        if params.get("customer_order_reference_eq") is not None:
            return reversed(orders.with_reference(customer.key, params["customer_order_reference_eq"]))
        if not any(name in params for name in FILTERS):
            since = microseconds(now - timedelta(hours=24))
            return orders.narrowest(customer.key, {}, {"created": (since, None)}) or []
        groups = {"status": params["status_order_id_eq"]} if "status_order_id_eq" in params else {}
        days = filter_days(params)
        ranks = {"submitted": day_range(days)} if days else {}
        found = orders.narrowest(customer.key, groups, ranks)
        return reversed(orders.of(customer.key)) if found is None else found

    def listed(self, order: Order, kept: ListedViews, keep: bool) -> tuple[dict[str, Any], bytes]:
        """An order's list view and its JSON, as `kept` (a world's views, taken when its list began)
        has them until the order changes (every change of an order sets its `updated_at`; its
        parcels and status are checked too); else made, and kept there if to `keep`."""
        version = (order.status, order.updated_at, len(order.parcels))
        cached = kept.get(order.id)
        if cached is None or cached[0] != version:
            view = views.listed(order)
            cached = (version, view, json_bytes(view))
            if keep:
                if len(kept) >= VIEWS_KEPT:  # bounded: past it, all are made afresh
                    kept.clear()
                kept[order.id] = cached
        return cached[1], cached[2]

    def order_documents(self, call: Call, fmt: str | None) -> Reply:
        customer: Customer = call.principal
        order = self.world.orders.find(call.params["id"])
        if order is None or order.owner != customer.key:
            raise NotFound(f"No order {call.params['id']} of this customer.")
        return replace(self.documents_reply(call, documents.of(order), fmt), subjects=(str(order.id),))

    def all_documents(self, call: Call, fmt: str | None) -> Reply:
        customer: Customer = call.principal
        base = str(call.request.base_url).rstrip("/")
        return Reply(Listing(newest_documents(list(self.world.orders.of(customer.key)), base)), format=fmt)

    @staticmethod
    def documents_reply(call: Call, found: list[documents.Document], fmt: str | None) -> Reply:
        """Newest first, each with the address of its PDF on this server."""
        base = str(call.request.base_url).rstrip("/")
        found = sorted(found, key=lambda document: (document.date, document.id), reverse=True)
        return Reply([views.document(document, base) for document in found], format=fmt)

    def document_pdf(self, call: Call) -> Reply:
        customer: Customer = call.principal
        document = documents.find(self.world.orders, call.params["document_id"])
        if document is None or document.order.owner != customer.key:
            raise NotFound(f"No document {call.params['document_id']} of this customer.")
        headers = {"Content-Disposition": f'inline; filename="{document.file_name}"'}
        subjects = (str(document.order.id),)
        return Reply(documents.pdf(document), headers=headers, media="application/pdf", subjects=subjects)

    def list_products(self, call: Call, fmt: str | None) -> Reply:
        """A page of products at the customer's prices, kept whole until a stock changes (the
        products and the price lists do not)."""
        customer: Customer = call.principal
        params = call.params
        key = (
            customer.pricelist_id,
            customer.price_factor,
            fmt,
            *(str(params.get(name)) for name in PAGE_KEYS),
        )
        world = self.world  # first: a new world (a reset, an import) drops the pages kept
        return self._pages.get(key, lambda: self.product_page(world, customer, params, fmt))

    def product_page(
        self, world: VidaxlWorld, customer: Customer, params: Mapping[str, Any], fmt: str | None
    ) -> Reply:
        products = world.products
        if "id_eq" in params:
            products = [p for p in products if p.id == params["id_eq"]]
        if "id_in[]" in params:
            wanted = {int(value) for value in params["id_in[]"]}
            products = [p for p in products if p.id in wanted]
        if "code_eq" in params:
            products = [p for p in products if p.code == params["code_eq"]]
        offset, limit = params.get("offset", 0), params.get("limit", 100)
        data = [views.product(p, world.price_for(customer, p)) for p in products[offset : offset + limit]]
        if fmt == "csv":
            return Reply(tabular.to_csv(data, self.product_columns), media=CSV)
        body = {"data": data, "pagination": {"offset": offset, "limit": limit, "total": len(products)}}
        return Reply(body, format=fmt, encoded=json_bytes(body) if fmt != "xml" else None)
