"""The toy supplier's handlers: one per operationId of toy.yaml."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request

from sandbox.errors import ApiError, NotFound, Unauthorized, Unprocessable
from sandbox.spec.router import Call, Handler, Reply
from tests.toy.world import PRODUCTS, Account, ToyWorld, view


class ToyApi:
    def __init__(self, world: Callable[[], ToyWorld]) -> None:
        self.world = world

    def handlers(self) -> Mapping[str, Handler]:
        return {"createOrder": self.create_order, "listOrders": self.list_orders, "getOrder": self.get_order}

    def authenticate(self, schemes: list[str], request: Request) -> Account:
        account = self.world().account(request.headers.get("x-toy-key", ""))
        if account is None:
            raise Unauthorized("Give your key in X-Toy-Key.")
        return account

    def error_reply(self, operation_id: str | None, error: ApiError) -> Reply:
        body: dict[str, Any] = {"error": error.detail or error.title}
        if error.errors:
            body["errors"] = error.errors
        return Reply(body, error.status, dict(error.headers), format="json")

    def create_order(self, call: Call) -> Reply:
        sku = call.body["sku"]
        if sku not in PRODUCTS:
            raise Unprocessable(f"No product has the SKU {sku}.")
        order = self.world().place(
            call.principal.key, sku, call.body["quantity"], call.body.get("reference"), "api"
        )
        return Reply(view(order), 201, format="json")

    def list_orders(self, call: Call) -> Reply:
        return Reply([view(order) for order in self.world().orders.of(call.principal.key)], format="json")

    def get_order(self, call: Call) -> Reply:
        order = self.world().orders.get(call.principal.key, call.params["orderId"])
        if order is None:
            raise NotFound(f"You have no order {call.params['orderId']}.")
        return Reply(view(order), format="json")
