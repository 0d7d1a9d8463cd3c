"""`create_app(settings)`: the only way a sandbox app is made. The runtime holds the state; the
app gives each registered supplier its routes (with the journal, rate limits and fault rules in
front of its handlers), then the control API, the docs and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.access import Access
from sandbox.control.api import ControlApi
from sandbox.control.scenarios import Scenarios
from sandbox.docs import docs_routes
from sandbox.errors import ApiError, InternalError, from_status
from sandbox.fixtures import FixtureError, load_fixtures
from sandbox.guard import Guard, Hosts
from sandbox.resources import data_dir
from sandbox.runtime import Runtime, Seeded
from sandbox.settings import Settings
from sandbox.spec.http import negotiate
from sandbox.spec.loader import Spec
from sandbox.spec.router import ResponseContractError, SpecApi, build_routes, offers_xml, respond
from sandbox.spec.xmlcodec import xml_writer
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


def create_app(
    settings: Settings, suppliers: Sequence[Supplier] = SUPPLIERS, *, seeded: Seeded | None = None
) -> Starlette:
    """A sandbox app of `suppliers` with its own state, built from `settings`. `seeded`: worlds
    already built from the same fixtures and seed (tests build them once), copied, not shared."""
    fixtures = load_fixtures(settings.fixtures, suppliers)
    runtime = Runtime(settings, fixtures, suppliers, seeded=seeded)
    scenarios = Scenarios(data_dir("fixtures") / "scenarios", runtime)
    if settings.scenario:
        try:
            scenarios.play(settings.scenario)
        except ApiError as error:
            raise FixtureError(f"scenario {settings.scenario!r}: {error.detail}") from None
    access = Access(settings)
    control = ControlApi(runtime, scenarios, access)
    dashboard = Dashboard(runtime, scenarios, access)
    routes: list[BaseRoute] = []
    owners: list[tuple[tuple[str, ...], SpecApi, Spec, str]] = []
    for supplier in suppliers:
        name, api, spec = supplier.name, runtime.apis[supplier.name], runtime.specs[supplier.name]
        routes += build_routes(
            spec,
            api,
            body_limit=settings.body_limit,
            check_responses=settings.check_responses,
            observe=runtime.journal.observer(name, supplier.credential),
            limiter=runtime.rate_limits.limiter(name, supplier.credential),
            gate=runtime.faults.gate(name, supplier.credential),
        )
        owners.append((supplier.prefixes, api, spec, supplier.error_schema))
    # the state import takes more (a whole exported state): its x-sandbox-body-limit in the spec
    routes += build_routes(
        runtime.control_spec,
        control,
        body_limit=settings.body_limit,
        check_responses=settings.check_responses,
    )
    # routes are tried in order: the APIs' first, so that their requests match soonest
    routes += docs_routes(runtime) + dashboard.routes()
    pages = ErrorPages([*owners, ((control.prefix,), control, runtime.control_spec, "Error")])
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(Guard, hosts=Hosts(settings.host, settings.allowed_hosts)),
            Middleware(CatchUp, schedule=runtime.schedule),
        ],
        exception_handlers={HTTPException: pages.http_error, Exception: pages.server_error},
    )
    app.state.sandbox = runtime
    app.state.dashboard = dashboard
    return app
