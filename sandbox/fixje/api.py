"""The Fixje Partner Web API: one handler per operationId of specs/fixje.yaml."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from starlette.requests import Request

from sandbox.errors import ApiError, NotFound
from sandbox.fixje import views
from sandbox.fixje.auth import OAuth
from sandbox.fixje.catalogue import Product
from sandbox.fixje.ordering import place_order
from sandbox.fixje.orders import Order
from sandbox.fixje.problems import oauth_error, problem
from sandbox.fixje.world import FixjeWorld, Partner
from sandbox.spec.router import Call, Handler, Reply, json_bytes
from sandbox.world.catalogue import UntilStockChanges

DEFAULT_PAGE_SIZE = 100
T = TypeVar("T")
VIEWS_KEPT = 4096
"""Orders whose views (and their JSON) are kept for the next read, at most (past it, all are made
afresh)."""


def paging(params: Mapping[str, Any], size: str = "pageSize") -> tuple[int, int]:
    """(offset, limit) from `page` and the page size (`size`: the spec's name for it, which also
    takes the other spelling)."""
    limit = params.get(size, DEFAULT_PAGE_SIZE)
    return (params.get("page", 1) - 1) * limit, limit


def page_of(items: Sequence[T], params: Mapping[str, Any], view: Callable[[T], dict[str, Any]]) -> Reply:
    offset, limit = paging(params)
    return Reply(views.page(map(view, items[offset : offset + limit]), len(items)))


class FixjeApi:
    """The handlers of the live world (`world()`); the views they keep go with a world that is
    replaced (a reset, an import)."""

    def __init__(self, world: Callable[[], FixjeWorld]) -> None:
        self.live = world
        self.oauth = OAuth(world)
        self._seen: FixjeWorld | None = None
        self._views: dict[str, tuple[tuple[str, int], dict[str, Any], bytes]] = {}
        self._products: dict[str, tuple[tuple[int, ...], dict[str, Any], bytes]] = {}
        self._pages: UntilStockChanges[Reply] = UntilStockChanges(most=64)

    @property
    def world(self) -> FixjeWorld:
        world = self.live()
        if world is not self._seen:
            self._seen = world
            self._views.clear()
            self._products.clear()
            self._pages.clear()
        return world

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "login": self.oauth.login,
            "listOrders": self.list_orders,
            "createOrder": self.create_order,
            "getOrder": self.get_order,
            "listProducts": self.list_products,
            "listShippingMethods": self.list_shipping_methods,
            "listStoreFronts": self.list_storefronts,
        }

    def authenticate(self, schemes: list[str], request: Request) -> Partner:
        return self.oauth.authenticate(request)

    def error_reply(self, operation_id: str | None, error: ApiError) -> Reply:
        if operation_id == "login":
            headers = {"Cache-Control": "no-store", **error.headers}
            return Reply(oauth_error(error), error.status, headers)
        return Reply(problem(error, self.world.traces), error.status, dict(error.headers), problem=True)

    def list_orders(self, call: Call) -> Reply:
        partner: Partner = call.principal
        offset, limit = paging(call.params, "pagesize")
        orders = self.world.orders.newest_first(partner.id, offset, limit)
        total = self.world.orders.count(partner.id)
        return Reply(views.page(map(views.order, orders), total))

    def create_order(self, call: Call) -> Reply:
        placed = place_order(self.world, call.principal, call.body)
        body = {
            "orderId": placed.order.id,
            "reference": placed.order.reference,
            "creationWarnings": placed.warnings,
        }
        return Reply(body, subjects=(placed.order.id,))

    def get_order(self, call: Call) -> Reply:
        partner: Partner = call.principal
        order = self.world.orders.get(partner.id, call.params["orderId"].lower())
        if order is None:
            raise NotFound(f"Order '{call.params['orderId']}' was not found.")
        return self.order_reply(order)

    def order_reply(self, order: Order) -> Reply:
        """The order's view, kept (with its JSON) until the order's status or shipments change:
        nothing else in the view can change after the order is placed."""
        version = (order.status, len(order.shipments))
        cached = self._views.get(order.id)
        if cached is None or cached[0] != version:
            view = views.order(order)
            if len(self._views) >= VIEWS_KEPT:  # bounded: past it, all are made afresh
                self._views.clear()
            cached = self._views[order.id] = (version, view, json_bytes(view))
        return Reply(cached[1], encoded=cached[2], subjects=(order.id,))

    def list_products(self, call: Call) -> Reply:
        """A page of products, kept whole (view and bytes) until a stock changes."""
        offset, limit = paging(call.params)
        world = self.world  # first: a new world (a reset, an import) drops the pages kept
        return self._pages.get((offset, limit), lambda: self.product_page(world, offset, limit))

    def product_page(self, world: FixjeWorld, offset: int, limit: int) -> Reply:
        products = world.catalogue.products
        shown = [self.product_view(product) for product in products[offset : offset + limit]]
        body = views.page((view for view, _ in shown), len(products))
        encoded = b"".join(
            (
                b'{"statusCode":"OK","totalCount":',
                str(len(products)).encode(),
                b',"data":[',
                b",".join(data for _, data in shown),
                b"]}",
            )
        )
        return Reply(body, encoded=encoded)

    def product_view(self, product: Product) -> tuple[dict[str, Any], bytes]:
        """A product's view and its JSON, kept until its stock changes (prices never do)."""
        stock = tuple(s.available for s in product.stocks)
        cached = self._products.get(product.sku)
        if cached is None or cached[0] != stock:
            view = views.product(product)
            cached = self._products[product.sku] = (stock, view, json_bytes(view))
        return cached[1], cached[2]

    def list_shipping_methods(self, call: Call) -> Reply:
        return page_of(self.world.shipping_methods, call.params, views.shipping_method)

    def list_storefronts(self, call: Call) -> Reply:
        partner: Partner = call.principal
        return page_of(partner.storefronts, call.params, views.storefront)
