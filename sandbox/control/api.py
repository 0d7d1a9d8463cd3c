"""The sandbox's own control API (specs/sandbox.yaml): order events, the virtual clock, the
request journal and tenants, behind the admin token off loopback."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from sandbox.control.faults import Faults
from sandbox.control.journal import Journal
from sandbox.control.scenarios import Scenarios
from sandbox.errors import ApiError, BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from sandbox.fixje import lifecycle as fixje_lifecycle
from sandbox.fixje.auth import OAuth
from sandbox.fixje.statuses import OrderStatus
from sandbox.fixje.world import FixjeWorld
from sandbox.ratelimit import RateLimits
from sandbox.settings import Settings
from sandbox.spec.router import Call, Handler, Reply
from sandbox.vidaxl import lifecycle as vidaxl_lifecycle
from sandbox.vidaxl.world import VidaxlWorld
from sandbox.world import lifecycle
from sandbox.world.clock import Clock, duration_text, parse_duration, rfc3339
from sandbox.world.schedule import Schedule

if TYPE_CHECKING:
    from sandbox.app import Keeper


# The clock stays where every date the sandbox derives from it (a day before, a token's hour after,
# the schedule's moves) is still a date.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def duration(text: str, field: str = "advance") -> timedelta:
    """An ISO 8601 duration, or a 400 naming `field`."""
    try:
        return parse_duration(text)
    except ValueError as error:
        raise BadRequest.field(field, f"{error}.") from None


def within_range(field: str, moved: Callable[[], datetime]) -> datetime:
    """The clock's new time, or a 400 naming `field` when it falls outside EARLIEST to LATEST."""
    try:
        instant = moved().astimezone(UTC)
    except OverflowError:
        instant = LATEST + timedelta(days=1)
    if not EARLIEST <= instant <= LATEST:
        raise BadRequest.field(
            field, f"The clock must stay between {rfc3339(EARLIEST)} and {rfc3339(LATEST)}."
        )
    return instant


TENANT_LIMIT = 10_000
"""The most tenants each API holds: accounts beyond those the sandbox was seeded with."""

ADMIN_COOKIE = "sandbox_admin"
"""The admin token as the dashboard keeps it in the browser (HttpOnly, SameSite=Strict)."""


def on_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EventConflict(Conflict):
    """An event the order's status does not allow."""

    def __init__(self, status: str, event: str, allowed: list[str]) -> None:
        super().__init__(
            f"The event '{event}' is not allowed in status '{status}'; "
            f"allowed: {', '.join(allowed) or 'none'}."
        )
        self.current = status
        self.allowed = allowed


class ControlApi:
    prefix = "/_sandbox"

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        fixje: FixjeWorld,
        vidaxl: VidaxlWorld,
        journal: Journal,
        schedule: Schedule,
        keeper: Keeper,
        scenarios: Scenarios,
        oauth: OAuth,
        faults: Faults,
        rate_limits: RateLimits,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.fixje = fixje
        self.vidaxl = vidaxl
        self.journal = journal
        self.schedule = schedule
        self.keeper = keeper
        self.scenarios = scenarios
        self.oauth = oauth
        self.faults = faults
        self.rate_limits = rate_limits
        self.tenants = 0
        # the accounts of the fixtures, which are not tenants (a reset brings back just these)
        self.seeded = {"fixje": len(fixje.partners), "vidaxl": len(vidaxl.customers)}

    def handlers(self) -> Mapping[str, Handler]:
        return {
            "health": self.health,
            "applyEvent": self.apply_event,
            "getClock": self.get_clock,
            "moveClock": self.move_clock,
            "listRequests": self.list_requests,
            "clearRequests": self.clear_requests,
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
        }

    def authenticate(self, schemes: list[str], request: Request) -> Any:
        token = self.settings.admin_token
        if token is None:
            if on_loopback(self.settings.host):
                return None
            raise Forbidden(
                "The control API is closed: the sandbox listens off loopback and was "
                "started without --admin-token."
            )
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if not scheme and ADMIN_COOKIE in request.cookies:  # the dashboard's, set from the token
            scheme, given = "bearer", request.cookies[ADMIN_COOKIE]
        if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), token.encode()):
            raise Unauthorized(
                "The control API needs Authorization: Bearer <admin token>.",
                headers={"WWW-Authenticate": 'Bearer realm="sandbox"'},
            )
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
        elif error.errors:
            body["errors"] = error.errors
        return Reply(body, error.status, dict(error.headers))

    def health(self, call: Call) -> Reply:
        return Reply({"status": "ok"})

    def apply_event(self, call: Call) -> Reply:
        api, order_id, event = call.params["api"], call.params["orderId"], call.body["event"]
        if api == "fixje":
            order = self.fixje.orders.find(order_id.lower())
            if order is None:
                raise NotFound(f"No Fixje order '{order_id}'.")
            before = str(order.status)
            try:
                after = str(fixje_lifecycle.apply_event(self.fixje, order, event, call.body, cause="control"))
            except lifecycle.Forbidden as refused:
                raise EventConflict(before, event, refused.allowed) from None
            allowed = self.fixje.lifecycle.allowed(OrderStatus(order.status))
            self.schedule.touch("fixje", order)
        else:
            number = order_id.isascii() and order_id.isdigit()
            found = self.vidaxl.orders.find(int(order_id)) if number else None
            if found is None:
                raise NotFound(f"No vidaXL order '{order_id}'.")
            before = found.status.label
            try:
                after = vidaxl_lifecycle.apply_event(
                    self.vidaxl, found, event, call.body, cause="control"
                ).label
            except lifecycle.Forbidden as refused:
                raise EventConflict(before, event, refused.allowed) from None
            allowed = self.vidaxl.lifecycle.allowed(found.status)
            self.schedule.touch("vidaxl", found)
        return Reply(
            {
                "api": api,
                "orderId": order_id,
                "event": event,
                "previousStatus": before,
                "status": after,
                "allowedEvents": allowed,
            }
        )

    def list_requests(self, call: Call) -> Reply:
        found = self.journal.find(call.params.get("api"), call.params.get("path"), call.params.get("status"))
        return Reply({"total": len(found), "requests": found})

    def clear_requests(self, call: Call) -> Reply:
        self.journal.clear()
        return Reply(None, 204)

    def create_tenant(self, call: Call) -> Reply:
        api = call.body["api"]
        accounts = len(self.fixje.partners) if api == "fixje" else len(self.vidaxl.customers)
        if accounts - self.seeded[api] >= TENANT_LIMIT:
            raise Conflict(
                f"This sandbox holds {TENANT_LIMIT:,} {'Fixje' if api == 'fixje' else 'vidaXL'} "
                "tenants, the most it can; a reset (POST /_sandbox/reset) removes them."
            )
        self.tenants += 1
        name = call.body.get("name") or f"Tenant {self.tenants}"
        key = f"tenant-{self.tenants}-{secrets.token_hex(4)}"
        if call.body["api"] == "fixje":
            partner = self.fixje.add_partner(name, key, secrets.token_urlsafe(24))
            body: dict[str, Any] = {
                "api": "fixje",
                "name": name,
                "clientId": partner.client_id,
                "clientSecret": partner.client_secret,
                "storeFrontIds": [s.id for s in partner.storefronts],
            }
        else:
            customer = self.vidaxl.add_customer(name, f"{key}@vidaxl.sandbox", secrets.token_urlsafe(24))
            body = {"api": "vidaxl", "name": name, "email": customer.email, "token": customer.token}
        return Reply(body, 201)

    def list_scenarios(self, call: Call) -> Reply:
        return Reply(self.scenarios.describe())

    def play_scenario(self, call: Call) -> Reply:
        return Reply(self.scenarios.play(call.params["name"]))

    def token_fault(self, call: Call) -> Reply:
        keys = self.oauth.matching(call.body.get("token"), call.body.get("clientId"))
        if not keys:
            raise NotFound("No such token (a client's tokens vanish after a reset or an import).")
        if call.params["action"] == "revoke":
            self.oauth.revoke(keys)
        else:
            self.oauth.expire(keys)
        return Reply({"tokens": len(keys)})

    def list_faults(self, call: Call) -> Reply:
        return Reply({"faults": [rule.view() for rule in self.faults.rules]})

    def add_fault(self, call: Call) -> Reply:
        return Reply(self.faults.add(call.body).view(), 201)

    def clear_faults(self, call: Call) -> Reply:
        # not Faults.clear(): ids go on counting until a reset, so a client's old id never
        # names a newer rule
        self.faults.rules.clear()
        return Reply(None, 204)

    def remove_fault(self, call: Call) -> Reply:
        self.faults.remove(call.params["faultId"])
        return Reply(None, 204)

    def rate_limits_view(self) -> Reply:
        limits = self.rate_limits.limits
        return Reply(
            {
                "enabled": self.rate_limits.enabled,
                **{
                    api: {"requests": requests, "per": duration_text(timedelta(seconds=per))}
                    for api, (requests, per) in sorted(limits.items())
                },
            }
        )

    def get_rate_limits(self, call: Call) -> Reply:
        return self.rate_limits_view()

    def set_rate_limits(self, call: Call) -> Reply:
        limits = dict(self.rate_limits.limits)
        for api in ("fixje", "vidaxl"):
            if api in call.body:
                # longer than zero and countable: the spec's RateLimitChange says so
                per = duration(call.body[api]["per"], f"{api}.per")
                limits[api] = (call.body[api]["requests"], per.total_seconds())
        self.rate_limits.set(call.body.get("enabled", self.rate_limits.enabled), limits)
        return self.rate_limits_view()

    def reset_world(self, call: Call) -> Reply:
        self.keeper.reset()
        return self.clock_view()

    def get_state(self, call: Call) -> Reply:
        return Reply(self.keeper.export())

    def put_state(self, call: Call) -> Reply:
        self.keeper.restore(call.body)
        return self.clock_view()

    def clock_view(self, applied: int | None = None) -> Reply:
        body: dict[str, Any] = {"now": rfc3339(self.clock.now()), "frozen": self.clock.frozen}
        if applied is not None:
            body["applied"] = applied
        return Reply(body)

    def get_clock(self, call: Call) -> Reply:
        return self.clock_view()

    def move_clock(self, call: Call) -> Reply:
        change = call.body
        if "set" in change:
            self.clock.set(
                within_range(
                    "set", lambda: datetime.fromisoformat(change["set"].upper().replace("Z", "+00:00"))
                )
            )
        if "advance" in change:
            step = duration(change["advance"])
            self.clock.set(within_range("advance", lambda: self.clock.now() + step))
        if change.get("frozen") is True:
            self.clock.freeze()
        elif change.get("frozen") is False:
            self.clock.resume()
        return self.clock_view(self.schedule.catch_up())
