"""The dashboard's pages: overview, orders, one order, live, coverage; its event stream and its
login. Actions (the clock, events, scenarios, reset, counting coverage over) are the control API's,
called from the page."""

from __future__ import annotations

import re
import secrets
from functools import cached_property
from math import ceil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from sandbox import __version__, report
from sandbox.access import HOME, Access, safe_target
from sandbox.control.scenarios import Scenarios
from sandbox.runtime import Runtime
from sandbox.supplier import Account
from sandbox.ui import badges
from sandbox.ui.feed import EventStream, Feed
from sandbox.ui.reader import CAUSES, Reader, order_url
from sandbox.world.clock import rfc3339

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

HERE = Path(__file__).parent
CSRF_COOKIE = "sandbox_csrf"
PAGE_SIZE = 20
NO_STORE = {"Cache-Control": "no-store"}
PATH_PARAMETER = re.compile(r"\{[^}]+\}")
LIVE_SHOWN = 50
"""Requests the live page and an order's page list when opened (the live page then adds more)."""
UNDOABLE = ("cancel", "refund")
"""The events whose button asks before it applies them: no event takes them back."""


class Dashboard:
    def __init__(self, runtime: Runtime, scenarios: Scenarios, access: Access) -> None:
        self.runtime = runtime
        self.scenarios = scenarios
        self.reader = Reader(runtime)
        self.access = access
        self.feed = Feed(
            runtime.clock, runtime.journal, runtime.schedule, self.reader.books, self.reader.describe
        )
        self.suppliers = runtime.suppliers
        self.badge_styles = badges.stylesheet()

    @cached_property
    def templates(self) -> Jinja2Templates:
        """The pages' templates, made when the first page is asked for: most runs never show the
        dashboard, and loading jinja2 is a thirtieth of the start-up."""
        import jinja2
        from starlette.templating import Jinja2Templates

        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([HERE / "templates", report.TEMPLATES]),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        env.globals.update(
            badge=badges.css_class,
            suppliers=self.runtime.suppliers,
            labels={name: supplier.label for name, supplier in self.runtime.suppliers.items()},
            causes=CAUSES,
            version=__version__,
        )
        env.filters["rfc3339"] = rfc3339
        return Jinja2Templates(env=env)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.home, methods=["GET"]),
            Route(HOME, self.overview, methods=["GET"]),
            Route(f"{HOME}/orders", self.orders, methods=["GET"]),
            Route(HOME + "/{api:str}/orders/{order_id:str}", self.order, methods=["GET"]),
            Route(f"{HOME}/live", self.live, methods=["GET"]),
            Route(f"{HOME}/search", self.search, methods=["GET"]),
            Route(f"{HOME}/coverage", self.coverage, methods=["GET"]),
            Route(f"{HOME}/events", self.events, methods=["GET"]),
            Route(f"{HOME}/login", self.login, methods=["GET", "POST"]),
            Route(f"{HOME}/badges.css", self.badges, methods=["GET"]),
            Route(f"{HOME}/coverage.css", self.coverage_styles, methods=["GET"]),
            Mount(f"{HOME}/static", StaticFiles(directory=HERE / "static"), name="ui-static"),
        ]

    def close(self) -> None:
        """End the live streams (the server is stopping)."""
        self.feed.close()

    # access

    def refused(self, request: Request) -> Response | None:
        """None when the request may see the dashboard; else the answer that says why."""
        if self.access.allowed(request):
            return None
        if self.access.closed:
            return self.login_page(request, None, HOME, 403)
        entered = self.access.from_query(request)
        if entered is not None:
            return entered
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return self.login_page(request, None, target, 401)

    def login_page(self, request: Request, error: str | None, target: str, status: int) -> Response:
        """The login form, with a token of its own that the browser also keeps in a cookie: a form
        sent from another site cannot carry it."""
        csrf = secrets.token_urlsafe(16)
        response = self.render(
            request,
            "login.html",
            {"closed": self.access.closed, "error": error, "next": target, "csrf": csrf},
            status,
        )
        response.set_cookie(CSRF_COOKIE, csrf, path=f"{HOME}/login", httponly=True, samesite="strict")
        return response

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            refused = self.refused(request)
            return refused or RedirectResponse(safe_target(request.query_params.get("next")), 303)
        form = await request.form()
        token, target, csrf = form.get("token"), form.get("next"), form.get("csrf")
        target = safe_target(target if isinstance(target, str) else HOME)
        kept = request.cookies.get(CSRF_COOKIE, "")
        if not (isinstance(csrf, str) and kept and secrets.compare_digest(csrf.encode(), kept.encode())):
            return self.login_page(
                request, "The form expired or came from another page; try again.", target, 403
            )
        if isinstance(token, str) and self.access.valid(token):
            return self.access.enter(target)
        error = "closed" if self.access.closed else "That is not the admin token."
        return self.login_page(request, error, target, 403 if self.access.closed else 401)

    async def badges(self, request: Request) -> Response:
        return Response(self.badge_styles, media_type="text/css")

    async def coverage_styles(self, request: Request) -> Response:
        return Response(report.STYLESHEET.read_bytes(), media_type="text/css")

    # pages

    def render(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        clock = self.runtime.clock
        context = {"now": rfc3339(clock.now()), "frozen": clock.frozen, "page": "", **context}
        return self.templates.TemplateResponse(request, name, context, status, headers=NO_STORE)

    async def home(self, request: Request) -> Response:
        return RedirectResponse(HOME, 307)

    async def overview(self, request: Request) -> Response:
        if refused := self.refused(request):
            return refused
        accounts = [(account, self.reader.counts(account)) for account in self.reader.accounts()]
        base = str(request.base_url).rstrip("/")
        return self.render(
            request,
            "overview.html",
            {
                "page": "overview",
                "base": base,
                "accounts": accounts,
                "scenarios": self.scenarios.describe(),
                "guarded": not self.access.open,
                "fault_targets": self.fault_targets(),
            },
        )

    def fault_targets(self) -> list[tuple[Any, list[tuple[str, str]]]]:
        """What a fault rule of the overview's form may match: each supplier's operations, as
        `api|METHOD|path glob` (a path parameter matching anything)."""
        return [
            (
                supplier,
                [
                    (
                        f"{name}|{op.method}|{PATH_PARAMETER.sub('*', op.path)}",
                        f"{op.method} {op.path} ({op.operation_id})",
                    )
                    for op in self.runtime.specs[name].operations
                ],
            )
            for name, supplier in self.suppliers.items()
        ]

    async def orders(self, request: Request) -> Response:
        if refused := self.refused(request):
            return refused
        params = request.query_params
        first = next(iter(self.suppliers))
        api = params.get("api", first)
        api = api if api in self.suppliers else first
        accounts = self.reader.accounts(api)
        account = self.reader.account(api, params.get("account", "")) or accounts[0]
        status = params.get("status", "")
        status = status if status in self.suppliers[api].statuses else ""
        reference = params.get("reference", "").strip()
        orders = self.reader.newest_first(account)
        if status:
            orders = [o for o in orders if self.reader.status(api, o) == status]
        if reference:
            orders = [o for o in orders if reference.lower() in (o.reference or "").lower()]
        pages = max(1, ceil(len(orders) / PAGE_SIZE))
        asked = params.get("page", "1")
        number = min(max(int(asked) if asked.isdigit() else 1, 1), pages)
        shown = orders[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        return self.render(
            request,
            "orders.html",
            {
                "page": "orders",
                "api": api,
                "tabs": self.tabs(),
                "account": account,
                "statuses": self.suppliers[api].statuses,
                "status": status,
                "reference": reference,
                "total": len(orders),
                "rows": [self.reader.row(api, o) for o in shown],
                "number": number,
                "pages": pages,
                "query": {"api": api, "account": account.key, "status": status, "reference": reference},
            },
        )

    def tabs(self) -> list[tuple[Account, int]]:
        return [(a, self.reader.book(a.api).count(a.owner)) for a in self.reader.accounts()]

    async def order(self, request: Request) -> Response:
        if refused := self.refused(request):
            return refused
        api, order_id = request.path_params["api"], request.path_params["order_id"]
        order = self.reader.find(api, order_id)
        if order is None:
            return self.render(request, "missing.html", {"page": "order", "api": api, "id": order_id}, 404)
        return self.render(
            request,
            "order.html",
            {
                "page": "order",
                "shown": self.reader.page(api, order),
                "requests": self.runtime.journal.about(api, str(order.id), LIVE_SHOWN),
                "journal_size": self.runtime.settings.journal_size,
                "undoable": UNDOABLE,
                "base": str(request.base_url).rstrip("/"),
            },
        )

    async def search(self, request: Request) -> Response:
        """The orders the top bar's search names; the order itself when it names one."""
        if refused := self.refused(request):
            return refused
        text = request.query_params.get("q", "")[:200]
        found = self.reader.search(text)
        if len(found) == 1:
            api, order = found[0]
            return RedirectResponse(order_url(api, order.id), 303)
        rows = [(api, self.reader.row(api, order)) for api, order in found]
        return self.render(request, "search.html", {"page": "search", "q": text, "rows": rows})

    async def live(self, request: Request) -> Response:
        if refused := self.refused(request):
            return refused
        changes = [self.reader.describe(api, order, change) for api, order, change in self.reader.recent(50)]
        return self.render(
            request,
            "live.html",
            {
                "page": "live",
                "requests": self.runtime.journal.recent(LIVE_SHOWN),
                "changes": changes,
            },
        )

    async def events(self, request: Request) -> Response:
        if not self.access.allowed(request):
            status = 403 if self.access.closed else 401
            return PlainTextResponse("The dashboard needs the admin token.", status)
        return EventStream(self.feed, {**NO_STORE, "X-Accel-Buffering": "no"})

    async def coverage(self, request: Request) -> Response:
        if refused := self.refused(request):
            return refused
        params = request.query_params
        api = params.get("api", "")
        api = api if api in self.suppliers else ""
        tenants = [tenant for tenant in params.getlist("tenant") if tenant]
        shown = self.runtime.coverage.report(api or None, tenants)
        return self.render(
            request,
            "coverage.html",
            {
                "page": "coverage",
                "report": shown,
                "api": api,
                "chosen": tenants,
                "tenants": list(dict.fromkeys([t["tenant"] for t in shown["tenants"]] + tenants)),
                "requests": {t["tenant"]: t for t in shown["tenants"]},
                "query": ([("api", api)] if api else []) + [("tenant", tenant) for tenant in tenants],
            },
        )
