"""The API docs in the browser: Swagger UI for each spec at `/docs/{name}`, the specs at
`/specs/{name}.yaml`, and Swagger UI's own files from the `swagger-ui-bundle-v2` package, so that
nothing comes from the network. "Try it out" calls this sandbox, with the demo credentials of the
fixtures filled in."""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from sandbox.resources import read_yaml, spec_path
from sandbox.runtime import Runtime

ASSETS = Path(str(swagger_ui_path))
SERVERS = re.compile(r"^servers:.*\n(?:(?:[ \t-].*|[ \t]*)(?:\n|$))*", re.MULTILINE)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - supplier-sandbox</title>
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="stylesheet" href="{root}/docs/sandbox.css">
</head>
<body>
<nav class="sandbox">{nav}</nav>
{body}
</body>
</html>
"""

SWAGGER = """<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script id="docs-config" type="application/json">{config}</script>
<script src="{root}/docs/sandbox.js"></script>"""

# The page's own script, a file of its own: the pages run no inline script (guard.PAGE_HEADERS).
SCRIPT = """const config = JSON.parse(document.getElementById("docs-config").textContent);
const ui = SwaggerUIBundle({
  url: config.url,
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  validatorUrl: null,
  oauth2RedirectUrl: config.oauth2RedirectUrl,
  onComplete: () => {
    for (const [scheme, user, password] of config.basic) ui.preauthorizeBasic(scheme, user, password);
  },
});
if (config.oauth) ui.initOAuth(config.oauth);
window.ui = ui;
"""


STYLE = """body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
nav.sandbox { padding: 12px 20px; background: #111827; color: #fff; font-size: 15px; line-height: 1.8; }
nav.sandbox a { color: #e5e7eb; margin-right: 14px; }
nav.sandbox a[aria-current] { color: #fff; font-weight: bold; text-decoration: none; }
main.index { padding: 1rem; background: #f3f4f6; color: #111827; min-height: 100vh; box-sizing: border-box; }
main.index h1 { font-size: 1.6rem; margin: 0.2rem 0 1rem; }
main.index .cards { display: grid; gap: 1rem; margin-bottom: 1rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 280px), 1fr)); }
main.index .card { background: #fff; border: 1px solid #d1d5db; border-radius: 0.6rem; padding: 1rem 1.1rem; }
main.index .card h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
main.index .card p { margin: 0.3rem 0; }
main.index a { color: #1d4ed8; }
"""


HELP = """<p>"Try it out" calls this sandbox. The demo credentials of its fixtures are filled in:
for Fixje press "Authorize", then "Authorize" under partnerOAuth; vidaXL is authorized already.
The control API needs no credentials on loopback; elsewhere, give its admin token under "Authorize".</p>"""


def script_json(value: Any) -> str:
    """JSON that can stand inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def with_server(text: str, url: str) -> str:
    """The spec's text with its `servers` replaced by `url` alone; the rest as written."""
    block = f"servers:\n  - url: {json.dumps(url)}\n    description: this sandbox\n"
    replaced, count = SERVERS.subn(block, text, count=1)
    return replaced if count else f"{text.rstrip()}\n{block}"


def served(path: Path, document: dict[str, Any]) -> str:
    """The spec's text as written (comments and all), unless the sandbox completed it (enums of
    the registered suppliers, `x-sandbox-suppliers`): then the document as the sandbox uses it."""
    text, written = _written(path.resolve(), path.stat().st_mtime_ns)
    if written == document:
        return text
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


@functools.lru_cache(maxsize=16)
def _written(path: Path, version: int) -> tuple[str, Any]:
    text = path.read_text(encoding="utf-8")
    return text, read_yaml(text)


class Docs:
    """Serves the docs pages and the specs of one sandbox: a page per supplier and one for the
    control API; the fixtures' first account of each supplier is filled in for "Try it out"."""

    def __init__(self, runtime: Runtime) -> None:
        paths = {name: supplier.spec for name, supplier in runtime.suppliers.items()}
        paths["sandbox"] = spec_path("sandbox")
        self.names = tuple(paths)
        self.paths = paths
        self.specs = {name: spec.document for name, spec in runtime.specs.items()}
        self.specs["sandbox"] = runtime.control_spec.document
        self.texts: dict[str, str] = {}
        """Each spec's text as served, made when it is first asked for (reading the YAML again to
        compare takes a tenth of a second, which start-up need not wait for)."""
        self.credentials = {
            name: supplier.docs_credentials(runtime.fixtures.suppliers[name])
            for name, supplier in runtime.suppliers.items()
        }

    def routes(self) -> list[BaseRoute]:
        return [
            Mount("/docs/assets", StaticFiles(directory=ASSETS), name="docs-assets"),
            Route("/docs", self.index, methods=["GET"]),
            Route("/docs/sandbox.css", self.asset(STYLE, "text/css"), methods=["GET"]),
            Route("/docs/sandbox.js", self.asset(SCRIPT, "text/javascript"), methods=["GET"]),
            Route("/docs/{name}", self.page, methods=["GET"]),
            Route("/specs/{name}.yaml", self.spec, methods=["GET"]),
        ]

    @staticmethod
    def asset(text: str, media_type: str) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            return Response(text, media_type=media_type)

        return serve

    def title(self, name: str) -> str:
        return str(self.specs[name].get("info", {}).get("title", name))

    def known(self, name: str) -> str:
        if name not in self.specs:
            raise HTTPException(404)
        return name

    def render(self, request: Request, title: str, current: str | None, body: str) -> HTMLResponse:
        root = html.escape(request.base_url.path.rstrip("/"))
        links = [f'<a href="{root}/docs"{" aria-current=page" if current is None else ""}>API docs</a>']
        links += [
            f'<a href="{root}/docs/{name}"{" aria-current=page" if name == current else ""}>'
            f"{html.escape(self.title(name))}</a>"
            for name in self.names
        ]
        links.append(f'<a href="{root}/_sandbox/ui">Dashboard</a>')
        return HTMLResponse(
            PAGE.format(
                title=html.escape(title),
                assets=f"{root}/docs/assets",
                root=root,
                nav="\n".join(links),
                body=body,
            )
        )

    async def index(self, request: Request) -> Response:
        root = html.escape(request.base_url.path.rstrip("/"))
        cards = "\n".join(
            f'<section class="card"><h2><a href="{root}/docs/{name}">{html.escape(self.title(name))}</a></h2>'
            f'<p>Its OpenAPI document: <a href="{root}/specs/{name}.yaml">{name}.yaml</a></p></section>'
            for name in self.names
        )
        body = (
            f'<main class="index"><h1>API docs</h1>\n<div class="cards">\n{cards}\n</div>\n'
            f'<section class="card">{HELP}</section></main>'
        )
        return self.render(request, "API docs", None, body)

    async def page(self, request: Request) -> Response:
        name = self.known(request.path_params["name"])
        root = request.base_url.path.rstrip("/")
        # each API gets its own demo credentials; the control API's admin token is never filled in
        schemes = self.specs[name].get("components", {}).get("securitySchemes", {})
        oauth = any(s.get("type") == "oauth2" for s in schemes.values())
        basic = [
            scheme for scheme, s in schemes.items() if s.get("type") == "http" and s.get("scheme") == "basic"
        ]
        given = self.credentials.get(name, {})
        config = {
            "url": f"{root}/specs/{name}.yaml",
            "oauth2RedirectUrl": str(request.url_for("docs-assets", path="oauth2-redirect.html")),
            "oauth": given.get("oauth") if oauth else None,
            "basic": [[scheme, *given["basic"]] for scheme in basic] if "basic" in given else [],
        }
        shown = html.escape(root)
        body = SWAGGER.format(assets=f"{shown}/docs/assets", root=shown, config=script_json(config))
        return self.render(request, self.title(name), name, body)

    async def spec(self, request: Request) -> Response:
        name = self.known(request.path_params["name"])
        origin = str(request.base_url).rstrip("/")
        if name not in self.texts:
            self.texts[name] = served(self.paths[name], self.specs[name])
        return Response(with_server(self.texts[name], origin), media_type="application/yaml")


def docs_routes(runtime: Runtime) -> list[BaseRoute]:
    """The routes of the docs pages, their assets and the specs."""
    return Docs(runtime).routes()
