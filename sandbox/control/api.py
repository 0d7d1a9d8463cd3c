"""The sandbox's own control API (specs/sandbox.yaml): order events, the virtual clock, the
request journal and tenants, behind the admin token off loopback."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request

from sandbox.access import Access
from sandbox.control.scenarios import Scenarios
from sandbox.errors import ApiError, Conflict, NotFound
from sandbox.runtime import Runtime
from sandbox.spec.router import Call, Handler, Reply
from sandbox.world import entropy, lifecycle
from sandbox.world.clock import duration, duration_text, rfc3339, within_range

JOURNALED = frozenset({"applyEvent"})
"""The control API's operations the journal keeps, for the order's page (`GET /_sandbox/requests`
lists the APIs' requests only)."""
TENANT_LIMIT = 10_000
"""The most tenants each API holds: accounts beyond those the sandbox was seeded with."""


class EventConflict(Conflict):
    """An event the order's status does not allow."""

    def __init__(self, status: str, event: str, allowed: list[str], subject: str) -> None:
        self.subject = subject
        super().__init__(
            f"The event '{event}' is not allowed in status '{status}'; "
            f"allowed: {', '.join(allowed) or 'none'}."
        )
        self.current = status
        self.allowed = allowed


def cause_of(request: Request) -> str:
    """What an event of the control API is credited to in the order's timeline: "dashboard" when
    the request says it comes from the dashboard's buttons, else "control"."""
    return "dashboard" if request.headers.get("x-sandbox-client") == "dashboard" else "control"


class ControlApi:
    prefix = "/_sandbox"

    def __init__(self, runtime: Runtime, scenarios: Scenarios, access: Access) -> None:
        self.runtime = runtime
        self.scenarios = scenarios
        self.access = access

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "health": self.health,
            "applyEvent": self.apply_event,
            "getClock": self.get_clock,
            "moveClock": self.move_clock,
            "listRequests": self.list_requests,
            "clearRequests": self.clear_requests,
            "getRequest": self.get_request,
            "createTenant": self.create_tenant,
            "reset": self.reset_world,
            "listScenarios": self.list_scenarios,
            "playScenario": self.play_scenario,
            "getState": self.get_state,
            "putState": self.put_state,
            "tokenFault": self.token_fault,
            "listFaults": self.list_faults,
            "addFault": self.add_fault,
            "clearFaults": self.clear_faults,
            "removeFault": self.remove_fault,
            "getRateLimits": self.get_rate_limits,
            "setRateLimits": self.set_rate_limits,
            "getCoverage": self.get_coverage,
            "clearCoverage": self.clear_coverage,
        }

    def authenticate(self, schemes: list[str], request: Request) -> Any:
        self.access.check(request)
        return None

    def error_reply(self, operation_id: str | None, error: ApiError) -> Reply:
        body: dict[str, Any] = {"error": type(error).__name__, "message": error.detail or error.title}
        if isinstance(error, EventConflict):
            body = {
                "error": "Conflict",
                "message": error.detail,
                "status": error.current,
                "allowedEvents": error.allowed,
            }
            return Reply(body, error.status, dict(error.headers), subjects=(error.subject,))
        elif error.errors:
            body["errors"] = error.errors
        return Reply(body, error.status, dict(error.headers))

    def health(self, call: Call) -> Reply:
        store = self.runtime.store
        if store is None:
            return Reply({"status": "ok", "durable": False})
        return Reply({"status": "ok", "durable": True, "data": str(store.path)})

    def apply_event(self, call: Call) -> Reply:
        name, order_id, event = call.params["api"], call.params["orderId"], call.body["event"]
        supplier, world = self.runtime.suppliers[name], self.runtime.worlds[name]
        order = supplier.find(world, order_id)
        if order is None:
            raise NotFound(f"No {supplier.label} order '{order_id}'.")
        before = supplier.status(order)
        subject = f"{name}/{order.id}"  # the journal's name for the order
        try:
            after = self.runtime.move(supplier, world, order, event, call.body, cause_of(call.request))
        except lifecycle.Forbidden as refused:
            raise EventConflict(before, event, refused.allowed, subject) from None
        self.runtime.schedule.touch(name, order)
        return Reply(
            {
                "api": name,
                "orderId": order_id,
                "event": event,
                "previousStatus": before,
                "status": after,
                "allowedEvents": supplier.allowed(order),
            },
            subjects=(subject,),
        )

    def list_requests(self, call: Call) -> Reply:
        found = self.runtime.journal.find(
            call.params.get("api"), call.params.get("path"), call.params.get("status")
        )
        return Reply({"total": len(found), "requests": found})

    def get_request(self, call: Call) -> Reply:
        found = self.runtime.journal.get(call.params["requestId"])
        if found is None:
            raise NotFound(f"The journal holds no request {call.params['requestId']} (any more).")
        return Reply(found)

    def clear_requests(self, call: Call) -> Reply:
        self.runtime.journal.clear()
        return Reply(None, 204)

    def create_tenant(self, call: Call) -> Reply:
        name = call.body["api"]
        supplier, world = self.runtime.suppliers[name], self.runtime.worlds[name]
        fixture = self.runtime.fixtures.suppliers[name]
        if supplier.tenants(world, fixture) >= TENANT_LIMIT:
            raise Conflict(
                f"This sandbox holds {TENANT_LIMIT:,} {supplier.label} tenants, the most it can; "
                "a reset (POST /_sandbox/reset) removes them."
            )
        self.runtime.tenants += 1
        number = self.runtime.tenants
        label = call.body.get("name") or f"Tenant {number}"
        key = f"tenant-{number}-{entropy.token_hex(4)}"
        return Reply(supplier.add_tenant(world, label, key), 201)

    def list_scenarios(self, call: Call) -> Reply:
        return Reply(self.scenarios.describe())

    def play_scenario(self, call: Call) -> Reply:
        return Reply(self.scenarios.play(call.params["name"]))

    def token_fault(self, call: Call) -> Reply:
        name = call.params["api"]
        supplier = self.runtime.suppliers[name]
        token, client = call.body.get("token"), call.body.get("clientId")
        touched = supplier.token_fault(self.runtime.apis[name], call.params["action"], token, client)
        if touched is None:
            raise NotFound(f"The {supplier.label} API issues no tokens.")
        if not touched:
            raise NotFound("No such token (a client's tokens vanish after a reset or an import).")
        return Reply({"tokens": touched})

    def list_faults(self, call: Call) -> Reply:
        return Reply({"faults": [rule.view() for rule in self.runtime.faults.rules]})

    def add_fault(self, call: Call) -> Reply:
        return Reply(self.runtime.faults.add(call.body).view(), 201)

    def clear_faults(self, call: Call) -> Reply:
        # not Faults.clear(): ids go on counting until a reset, so a client's old id never
        # names a newer rule
        self.runtime.faults.rules.clear()
        return Reply(None, 204)

    def remove_fault(self, call: Call) -> Reply:
        self.runtime.faults.remove(call.params["faultId"])
        return Reply(None, 204)

    def rate_limits_view(self) -> Reply:
        limits = self.runtime.rate_limits.limits
        return Reply(
            {
                "enabled": self.runtime.rate_limits.enabled,
                **{
                    api: {"requests": requests, "per": duration_text(timedelta(seconds=per))}
                    for api, (requests, per) in sorted(limits.items())
                },
            }
        )

    def get_rate_limits(self, call: Call) -> Reply:
        return self.rate_limits_view()

    def set_rate_limits(self, call: Call) -> Reply:
        limits = dict(self.runtime.rate_limits.limits)
        for api in self.runtime.suppliers:
            if api in call.body:
                # longer than zero and countable: the spec's RateLimitChange says so
                per = duration(call.body[api]["per"], f"{api}.per")
                limits[api] = (call.body[api]["requests"], per.total_seconds())
        self.runtime.rate_limits.set(call.body.get("enabled", self.runtime.rate_limits.enabled), limits)
        return self.rate_limits_view()

    def get_coverage(self, call: Call) -> Reply:
        return Reply(self.runtime.coverage.report(call.params.get("api"), call.params.get("tenant", [])))

    def clear_coverage(self, call: Call) -> Reply:
        self.runtime.coverage.clear()
        return Reply(None, 204)

    def reset_world(self, call: Call) -> Reply:
        self.runtime.reset()
        return self.clock_view()

    def get_state(self, call: Call) -> Reply:
        return Reply(self.runtime.export())

    def put_state(self, call: Call) -> Reply:
        self.runtime.restore(call.body)
        return self.clock_view()

    def clock_view(self, applied: int | None = None) -> Reply:
        body: dict[str, Any] = {"now": rfc3339(self.runtime.clock.now()), "frozen": self.runtime.clock.frozen}
        if applied is not None:
            body["applied"] = applied
        return Reply(body)

    def get_clock(self, call: Call) -> Reply:
        return self.clock_view()

    def move_clock(self, call: Call) -> Reply:
        change = call.body
        if "set" in change:
            self.runtime.clock.set(
                within_range(
                    "set", lambda: datetime.fromisoformat(change["set"].upper().replace("Z", "+00:00"))
                )
            )
        if "advance" in change:
            step = duration(change["advance"])
            self.runtime.clock.set(within_range("advance", lambda: self.runtime.clock.now() + step))
        if change.get("frozen") is True:
            self.runtime.clock.freeze()
        elif change.get("frozen") is False:
            self.runtime.clock.resume()
        return self.clock_view(self.runtime.schedule.catch_up())
