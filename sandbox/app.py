"""`create_app(settings)`: the only way a sandbox app is made."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faker import Faker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.control.api import ControlApi, within_range
from sandbox.control.faults import Faults
from sandbox.control.journal import Journal
from sandbox.control.scenarios import Scenarios
from sandbox.docs import docs_routes
from sandbox.errors import ApiError, BadRequest, Conflict, InternalError, from_status
from sandbox.fixje import state as fixje_state
from sandbox.fixje.api import FixjeApi
from sandbox.fixje.lifecycle import TRANSITIONS as FIXJE_TRANSITIONS
from sandbox.fixje.lifecycle import apply_event as fixje_event
from sandbox.fixje.world import FixjeWorld, build_fixje_world
from sandbox.fixtures import FixtureError, Fixtures, load_fixtures
from sandbox.guard import Guard, Hosts
from sandbox.ratelimit import RateLimits
from sandbox.resources import data_dir, spec_path
from sandbox.settings import Settings
from sandbox.spec.http import negotiate
from sandbox.spec.loader import Spec, load_spec
from sandbox.spec.messages import field_path
from sandbox.spec.router import (
    ResponseContractError,
    SpecApi,
    build_routes,
    offers_xml,
    respond,
)
from sandbox.spec.xmlcodec import xml_writer
from sandbox.ui.dashboard import Dashboard
from sandbox.vidaxl import state as vidaxl_state
from sandbox.vidaxl.api import VidaxlApi
from sandbox.vidaxl.lifecycle import TRANSITIONS as VIDAXL_TRANSITIONS
from sandbox.vidaxl.lifecycle import apply_event as vidaxl_event
from sandbox.vidaxl.world import VidaxlWorld, build_vidaxl_world
from sandbox.world.clock import Clock, adopt
from sandbox.world.ids import IdSource
from sandbox.world.schedule import Schedule, Track
from sandbox.world.snapshot import StateError, rng_state, set_rng_state, under


@dataclass
class Sandbox:
    """Everything one sandbox instance holds; `app.state.sandbox`."""

    settings: Settings
    fixtures: Fixtures
    seed: int
    clock: Clock
    fixje: FixjeWorld
    vidaxl: VidaxlWorld
    specs: dict[str, Spec]


STATE_FORMAT = "supplier-sandbox/1"


@dataclass(frozen=True)
class Keeper:
    """What the control API can do to the whole state."""

    reset: Callable[[], None]
    export: Callable[[], dict[str, Any]]
    restore: Callable[[dict[str, Any]], None]


class ErrorPages:
    """Errors raised outside an operation (unknown path, wrong method, a bug) in the shape of
    the API that owns the path."""

    def __init__(self, owners: list[tuple[str | tuple[str, ...], SpecApi, Spec, str]]) -> None:
        self.owners = [
            (
                prefix,
                api,
                xml_writer(spec) if offers_xml(spec) else None,
                {"$ref": f"#/components/schemas/{schema}"},
            )
            for prefix, api, spec, schema in owners
        ]

    def render(self, request: Request, error: ApiError) -> Response:
        path = request.url.path
        _, api, xml, schema = next(
            (owner for owner in self.owners if path.startswith(owner[0])), self.owners[-1]
        )
        reply = api.error_reply(None, error)
        return respond(reply, reply.format or negotiate(request.headers.get("accept")), xml, schema)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        detail = exc.detail if exc.status_code != 404 else f"No resource at {request.url.path}."
        return self.render(request, from_status(exc.status_code, detail, exc.headers))

    async def server_error(self, request: Request, exc: Exception) -> Response:
        detail = str(exc) if isinstance(exc, ResponseContractError) else ""
        return self.render(request, InternalError(detail))


class CatchUp:
    """Before each request, the schedule moves every order that is due by the clock's time."""

    def __init__(self, app: ASGIApp, schedule: Schedule) -> None:
        self.app = app
        self.schedule = schedule

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.schedule.catch_up()
        await self.app(scope, receive, send)


def make_schedule(
    fixtures: Fixtures, seed: int, clock: Clock, fixje: FixjeWorld, vidaxl: VidaxlWorld
) -> Schedule:
    """The fixtures' schedule over both worlds; a rule its lifecycle does not allow is refused."""
    for api, rules, table, names in (
        ("fixje", fixtures.schedule.get("fixje", ()), FIXJE_TRANSITIONS, lambda s: str(s)),
        ("vidaxl", fixtures.schedule.get("vidaxl", ()), VIDAXL_TRANSITIONS, lambda s: s.label),
    ):
        for index, rule in enumerate(rules):
            allowed_from = {names(status) for status in table.get(rule.event, {})}
            if rule.status not in allowed_from:
                raise FixtureError(
                    f"schedule.{api}[{index}]: the event '{rule.event}' cannot happen in status "
                    f"'{rule.status}' (it can in: {', '.join(sorted(allowed_from)) or 'none'})"
                )
    return Schedule(clock, seed, tracks(fixtures, fixje, vidaxl))


def tracks(fixtures: Fixtures, fixje: FixjeWorld, vidaxl: VidaxlWorld) -> list[Track]:
    """Both worlds' orders as the schedule follows them."""
    return [
        Track(
            "fixje",
            fixtures.schedule.get("fixje", ()),
            fixje.orders.placed,
            lambda o: str(o.status),
            lambda o: o.status_since or o.created_at,
            lambda o, event, at: fixje_event(fixje, o, event, {"_at": at}, cause="schedule"),
        ),
        Track(
            "vidaxl",
            fixtures.schedule.get("vidaxl", ()),
            vidaxl.orders.placed,
            lambda o: o.status.label,
            lambda o: o.updated_at,
            lambda o, event, at: vidaxl_event(vidaxl, o, event, {"_at": at}, cause="schedule"),
        ),
    ]


def build_worlds(fixtures: Fixtures, seed: int, clock: Clock) -> tuple[FixjeWorld, VidaxlWorld]:
    """Both seeded worlds; each API draws from a generator of its own, so that a change to one
    leaves the other's world as it was."""
    return (
        build_fixje_world(faker(fixtures.locale, seed), seed, fixtures.fixje, clock),
        build_vidaxl_world(faker(fixtures.locale, f"{seed}:vidaxl"), seed, fixtures.vidaxl, clock),
    )


def faker(locale: str, seed: int | str) -> Faker:
    """A Faker of its own (not the global one), seeded."""
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def principal_key(api: str) -> Callable[[Any], tuple[str, int]]:
    """What rate limits count by: the partner or customer."""
    return lambda principal: (api, principal.id)


def create_app(settings: Settings) -> Starlette:
    """A sandbox app with its own seeded world, built from `settings`."""
    fixtures = load_fixtures(settings.fixtures)
    seed = fixtures.seed if settings.seed is None else settings.seed
    start = fixtures.clock_start or datetime.now(UTC).replace(microsecond=0)
    clock = Clock(start, frozen=settings.freeze, scale=settings.time_scale)
    fixje_world, vidaxl_world = build_worlds(fixtures, seed, clock)
    specs = {name: load_spec(spec_path(name)) for name in ("fixje", "vidaxl", "sandbox")}
    fixje = FixjeApi(fixje_world, IdSource(random.Random(f"{seed}:traces")))
    vidaxl = VidaxlApi(vidaxl_world, specs["vidaxl"])
    journal = Journal(clock, settings.journal_size)
    schedule = make_schedule(fixtures, seed, clock, fixje_world, vidaxl_world)
    faults = Faults(seed, specs["sandbox"].validator("/components/schemas/FaultRequest"))
    rate_limits = RateLimits(settings.rate_limits or fixtures.rate_limits_enabled, fixtures.rate_limits)

    def start_faults() -> None:
        """The fixtures' fault rules, as at start-up."""
        faults.clear()
        for index, rule in enumerate(fixtures.faults):
            try:
                faults.add(rule, "fixtures")
            except ApiError as error:
                raise FixtureError(f"{settings.fixtures}: faults[{index}]: {error.detail}") from None

    start_faults()

    def install(fresh_fixje: FixjeWorld, fresh_vidaxl: VidaxlWorld) -> None:
        """Make these worlds the live ones: tokens, kept views and plans go with the old."""
        adopt(fixje_world, fresh_fixje)
        adopt(vidaxl_world, fresh_vidaxl)
        fixje.forget()
        vidaxl.forget()
        schedule.restart(tracks(fixtures, fixje_world, vidaxl_world))

    def reset() -> None:
        """Back to the seeded state: the clock at its start, both worlds as seeded, no tokens,
        an empty journal, the fault rules and rate limits of the start."""
        clock.set(clock.start)
        install(*build_worlds(fixtures, seed, clock))
        journal.clear()
        start_faults()
        rate_limits.restore()

    def export_state() -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "seed": seed,
            "clock": {"now": clock.now().isoformat(), "frozen": clock.frozen},
            "fixje": fixje_state.export(fixje_world),
            "vidaxl": vidaxl_state.export(vidaxl_world),
            "traces": rng_state(fixje.traces.rng),
        }

    def import_state(state: dict[str, Any]) -> None:
        """Replace the whole state with an export; nothing changes when it cannot be read."""
        if state.get("format") != STATE_FORMAT:
            raise BadRequest.field("format", f"Expected a state of format {STATE_FORMAT!r}.")
        if state.get("seed") != seed:
            raise Conflict(
                f"This state comes from seed {state.get('seed')!r}; this sandbox runs seed {seed}."
            )
        fresh_fixje, fresh_vidaxl = build_worlds(fixtures, seed, clock)
        # The spec's State schema has checked the form; what is left is what only the worlds know
        # (a product, a customer, a stock), each a 400 naming the field. The broad catch is the
        # last line of defence: whatever else a state gets wrong is a 400, never a 500.
        try:
            with under("fixje"):
                fixje_state.restore(fresh_fixje, state["fixje"])
            with under("vidaxl"):
                vidaxl_state.restore(fresh_vidaxl, state["vidaxl"])
            now = within_range("clock.now", lambda: datetime.fromisoformat(state["clock"]["now"]))
            frozen = bool(state["clock"]["frozen"])
            traces = state["traces"]
            set_rng_state(random.Random(), traces, "traces")  # refuses what is not a generator's state
        except StateError as error:
            raise BadRequest.field(field_path(error.path), error.message) from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, ArithmeticError) as error:
            raise BadRequest(f"This is not a state this sandbox exported: {error!r}.") from None
        install(fresh_fixje, fresh_vidaxl)
        set_rng_state(fixje.traces.rng, traces)
        clock.set(now)
        if frozen:
            clock.freeze()
        else:
            clock.resume()

    keeper = Keeper(reset, export_state, import_state)
    scenarios = Scenarios(
        data_dir("fixtures") / "scenarios", clock, fixje_world, vidaxl_world, schedule, reset, faults
    )
    if settings.scenario:
        try:
            scenarios.play(settings.scenario)
        except ApiError as error:
            raise FixtureError(f"scenario {settings.scenario!r}: {error.detail}") from None
    control = ControlApi(
        settings,
        clock,
        fixje_world,
        vidaxl_world,
        journal,
        schedule,
        keeper,
        scenarios,
        fixje.oauth,
        faults,
        rate_limits,
    )
    credentials: dict[str, Callable[[Any], str]] = {
        "fixje": lambda partner: partner.client_id,
        "vidaxl": lambda customer: customer.email,
    }
    sandbox = Sandbox(settings, fixtures, seed, clock, fixje_world, vidaxl_world, specs)
    dashboard = Dashboard(sandbox, journal, schedule, scenarios)
    routes: list[BaseRoute] = []
    for name, api in (("fixje", fixje), ("vidaxl", vidaxl)):
        routes += build_routes(
            specs[name],
            api,
            body_limit=settings.body_limit,
            check_responses=settings.check_responses,
            observe=journal.observer(name, credentials[name]),
            limiter=rate_limits.limiter(name, principal_key(name)),
            gate=faults.gate(name, credentials[name]),
        )
    # the state import takes more (a whole exported state): its x-sandbox-body-limit in the spec
    routes += build_routes(
        specs["sandbox"], control, body_limit=settings.body_limit, check_responses=settings.check_responses
    )
    # routes are tried in order: the APIs' first, so that their requests match soonest
    routes += docs_routes(specs, fixtures) + dashboard.routes()
    pages = ErrorPages(
        [
            (fixje.prefix, fixje, specs["fixje"], "ProblemDetails"),
            (vidaxl.prefixes, vidaxl, specs["vidaxl"], "Error"),
            (control.prefix, control, specs["sandbox"], "Error"),
        ]
    )
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(Guard, hosts=Hosts(settings.host, settings.allowed_hosts)),
            Middleware(CatchUp, schedule=schedule),
        ],
        exception_handlers={HTTPException: pages.http_error, Exception: pages.server_error},
    )
    app.state.sandbox = sandbox
    app.state.dashboard = dashboard
    return app
