"""`create_app(settings)`: the only way a sandbox app is made. The runtime holds the state; the
app gives each registered supplier its routes (with the journal, rate limits and fault rules in
front of its handlers), then the control API, the docs and the dashboard."""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.access import Access
from sandbox.control.api import JOURNALED, ControlApi, cause_of
from sandbox.control.scenarios import Scenarios
from sandbox.cors import Cors
from sandbox.docs import docs_routes
from sandbox.errors import ApiError, InternalError, from_status
from sandbox.fixtures import FixtureError, Fixtures, load_fixtures
from sandbox.guard import Guard, Hosts
from sandbox.journal import CONTROL, Journal  # CONTROL: the control API's name in a store's records too
from sandbox.resources import data_dir
from sandbox.runtime import Runtime, Seeded, seed_of
from sandbox.settings import Settings
from sandbox.spec.http import negotiate
from sandbox.spec.loader import OperationSpec, Spec
from sandbox.spec.router import (
    Observer,
    Operation,
    ResponseContractError,
    SpecApi,
    build_routes,
    offers_xml,
    respond,
)
from sandbox.spec.xmlcodec import xml_writer
from sandbox.store import Identity, Recorder, Store, StoreError
from sandbox.supplier import Supplier
from sandbox.suppliers import SUPPLIERS
from sandbox.ui.dashboard import Dashboard
from sandbox.world.schedule import Schedule


class ErrorPages:
    """Errors raised outside an operation (unknown path, wrong method, a bug) in the shape of
    the API that owns the path."""

    def __init__(self, owners: list[tuple[tuple[str, ...], SpecApi, Spec, str]]) -> None:
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


class Lane:
    """The front of the app: a request for an API's operation goes straight to its endpoint, found
    by its path in a dict (or among the paths with parameters), past Starlette's middleware and
    router, doing for it what they would do: the `Host` check, the schedule's catch-up, and the
    error pages. Anything else (the control API, the docs, the dashboard, a path or method no
    operation has, a `Host` that is refused) goes the long way, through `app`."""

    def __init__(
        self, app: ASGIApp, routes: Sequence[Route], hosts: Hosts, schedule: Schedule, pages: ErrorPages
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.schedule = schedule
        self.pages = pages
        self.static: dict[str, Route] = {}
        self.patterns: list[Route] = []
        for route in routes:  # in Starlette's order: a path goes to the first route that matches it
            if route.param_convertors:
                self.patterns.append(route)
            elif not any(pattern.path_regex.match(route.path) for pattern in self.patterns):
                self.static.setdefault(route.path, route)

    def find(self, scope: Scope) -> tuple[Route, dict[str, Any]] | None:
        """The route of the request and its path parameters, if it is an operation's and allows
        the method."""
        path: str = scope["path"]
        route = self.static.get(path)
        params: dict[str, Any] = {}
        if route is None:
            for pattern in self.patterns:
                matched = pattern.path_regex.match(path)
                if matched is not None:
                    route = pattern
                    convert = pattern.param_convertors
                    params = {key: convert[key].convert(value) for key, value in matched.groupdict().items()}
                    break
            else:
                return None
        if route.methods is not None and scope["method"] not in route.methods:
            return None  # Starlette answers 405, or finds a later route
        return route, params

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.find(scope) if scope["type"] == "http" and not scope.get("root_path") else None
        if found is None or not self.hosts.allow(scope):
            await self.app(scope, receive, send)
            return
        route, params = found
        scope["endpoint"], scope["path_params"] = route.endpoint, params
        request = Request(scope, receive, send)
        try:
            self.schedule.catch_up()
            response = await route.endpoint(request)
        except HTTPException as error:  # as Starlette's ExceptionMiddleware
            response = await self.pages.http_error(request, error)
        except Exception as error:  # as its ServerErrorMiddleware: a 500, and the error to uvicorn's log
            await (await self.pages.server_error(request, error))(scope, receive, send)
            raise
        await response(scope, receive, send)


class SandboxApp(Starlette):
    """Starlette with a `Lane` in front of its middleware (and `Cors` in front of that)."""

    lane: Callable[[ASGIApp], ASGIApp] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        return stack if self.lane is None else self.lane(stack)


def closing(runtime: Runtime) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """The app's lifespan (an in-process server, a test client): the store is closed at its end.
    `sandbox serve` runs without one and closes it itself."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if runtime.store is not None:
            runtime.store.close(runtime.clock, runtime.settings.journal_size, runtime.snapshot)

    return lifespan


def observing(journal: Journal, api: str, credential: Callable[[Any], str], op: OperationSpec) -> Observer:
    """What the journal keeps of the requests to `op` of the supplier `api`."""
    return journal.observer(api, credential, op.operation_id)


def open_store(settings: Settings, fixtures: Fixtures, suppliers: Sequence[Supplier]) -> Store | None:
    """The database of a durable sandbox (`--data`), checked against what makes the seeded world;
    None in memory. StoreError when it cannot be used."""
    if settings.data is None:
        return None
    digest = hashlib.sha256(settings.fixtures.read_bytes()).hexdigest()[:16]
    identity = Identity(
        seed_of(settings, fixtures),
        f"{settings.fixtures.name} (sha256 {digest})",
        settings.scenario,
        tuple(supplier.name for supplier in suppliers),
    )
    return Store(settings.data, identity, reset=settings.data_reset)


def resume(
    runtime: Runtime, store: Store, recorder: Recorder, by_id: dict[str, dict[str, Operation]]
) -> None:
    """Make a durable sandbox's changes again and take up its journal; from now on its fault rules
    and journal are kept too. StoreError when the database's content cannot be read."""
    settings = runtime.settings
    after = runtime.resumed  # 0 when there was no snapshot, or it could not be read
    try:
        store.snapshot_seq = after
        with runtime.coverage.pause():  # what it counted was counted in the process that made it
            recorder.replay(by_id, settings.time_scale, after)
        runtime.journal.load(store.journal(settings.journal_size))
        store.flush(runtime.clock, settings.journal_size)
    except (sqlite3.Error, ValueError, KeyError, TypeError, IndexError) as error:
        raise StoreError(f"{store.path} cannot be read: {error}") from None
    runtime.faults.consulted = recorder.consulted
    store.journal_written = runtime.journal.count
    store.journal_since, runtime.journal.cleared = runtime.journal.since, store.clear_journal


def create_app(
    settings: Settings, suppliers: Sequence[Supplier] = SUPPLIERS, *, seeded: Seeded | None = None
) -> Starlette:
    """A sandbox app of `suppliers` with its own state, built from `settings`. `seeded`: worlds
    already built from the same fixtures and seed (tests build them once), copied, not shared."""
    fixtures = load_fixtures(settings.fixtures, suppliers)
    store = open_store(settings, fixtures, suppliers)
    try:
        snapshot = store.snapshot() if store is not None else None
    except sqlite3.Error as error:
        raise StoreError(f"{settings.data} cannot be read: {error}") from None
    runtime = Runtime(settings, fixtures, suppliers, seeded=seeded, store=store, snapshot=snapshot)
    scenarios = Scenarios(data_dir("fixtures") / "scenarios", runtime)
    if settings.scenario and not runtime.resumed:  # a snapshot holds what it did
        try:
            with runtime.coverage.pause():  # the start's, not a client's
                scenarios.play(settings.scenario)
        except ApiError as error:
            raise FixtureError(f"scenario {settings.scenario!r}: {error.detail}") from None
    access = Access(settings)
    control = ControlApi(runtime, scenarios, access)
    dashboard = Dashboard(runtime, scenarios, access)
    routes: list[BaseRoute] = []
    operations: list[Route] = []
    owners: list[tuple[tuple[str, ...], SpecApi, Spec, str]] = []
    recorder = None
    if store is not None:
        recorder = Recorder(store, runtime.clock, lambda: runtime.schedule, runtime.faults.check)
    by_id: dict[str, dict[str, Operation]] = {}
    """Each API's operations by operationId, for the changes a durable sandbox replays."""
    for supplier in suppliers:
        name, api, spec = supplier.name, runtime.apis[supplier.name], runtime.specs[supplier.name]
        operations += build_routes(
            spec,
            api,
            body_limit=settings.body_limit,
            check_responses=settings.check_responses,
            observing=functools.partial(observing, runtime.journal, name, supplier.credential),
            limiter=runtime.rate_limits.limiter(name, supplier.credential),
            gate=runtime.faults.gate(name, supplier.credential),
            recorder=recorder.bound(name) if recorder is not None else None,
            by_id=by_id.setdefault(name, {}),
            counting=runtime.coverage.counting(
                name, supplier.credential, functools.partial(supplier.claimant, api)
            ),
        )
        owners.append((supplier.prefixes, api, spec, supplier.error_schema))
    routes += operations
    # the state import takes more (a whole exported state): its x-sandbox-body-limit in the spec
    routes += build_routes(
        runtime.control_spec,
        control,
        body_limit=settings.body_limit,
        check_responses=settings.check_responses,
        observing=lambda op: (
            runtime.journal.observer(CONTROL, lambda _: None, op.operation_id, caller=cause_of)
            if op.operation_id in JOURNALED
            else None
        ),
        recorder=recorder.bound(CONTROL) if recorder is not None else None,
        by_id=by_id.setdefault(CONTROL, {}),
    )
    if store is not None and recorder is not None:
        resume(runtime, store, recorder, by_id)
    # routes are tried in order: the APIs' first, so that their requests match soonest
    routes += docs_routes(runtime) + dashboard.routes()
    pages = ErrorPages([*owners, ((control.prefix,), control, runtime.control_spec, "Error")])
    hosts = Hosts(settings.host, settings.allowed_hosts)
    app = SandboxApp(
        lifespan=closing(runtime),
        routes=routes,
        middleware=[Middleware(Guard, hosts=hosts), Middleware(CatchUp, schedule=runtime.schedule)],
        exception_handlers={HTTPException: pages.http_error, Exception: pages.server_error},
    )
    app.lane = lambda stack: Lane(stack, operations, hosts, runtime.schedule, pages)
    if settings.cors:
        lane = app.lane
        specs = runtime.specs.values()
        app.lane = lambda stack: Cors(
            lane(stack),
            settings.cors,
            [prefix for supplier in suppliers for prefix in supplier.prefixes],
            {op.method for spec in specs for op in spec.operations},
            {
                name
                for spec in specs
                for op in spec.operations
                for names in op.headers.values()
                for name in names
            },
            hosts,
        )
    app.state.sandbox = runtime
    app.state.dashboard = dashboard
    return app
