"""The stack's ceiling: a bare Starlette app (no middleware, no validation, no world) that answers
the benchmarked paths with pre-built bytes captured from a running sandbox.

`bench/run.py` writes the captured responses to a JSON file and names it in the environment
variable BENCH_CEILING_RESPONSES, then runs `python bench/ceiling.py --port PORT`: one uvicorn
worker, log level warning, the same uvicorn settings `sandbox serve` uses.

The file maps a name to {"method", "route", "content_type", "body"}; `route` is a Starlette path
(e.g. /api/v1/orders/{orderId}) so the ceiling routes like the sandbox does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

RESPONSES_ENV = "BENCH_CEILING_RESPONSES"

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Canned:
    """One pre-built response and the route that answers it."""

    method: str
    route: str
    content_type: str
    body: bytes


def load_canned(path: Path) -> list[Canned]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Canned(item["method"], item["route"], item["content_type"], item["body"].encode("utf-8"))
        for item in data.values()
    ]


def endpoint_for(canned: Canned) -> Endpoint:
    """An endpoint that answers `canned`; one with a request body reads it first, as any real
    handler would."""
    headers = {"content-type": canned.content_type}
    body = canned.body

    async def answer(request: Request) -> Response:
        if canned.method in ("POST", "PUT", "PATCH"):
            await request.body()
        return Response(body, headers=headers)

    return answer


def create_app(responses: list[Canned]) -> Starlette:
    routes = [Route(c.route, endpoint_for(c), methods=[c.method]) for c in responses]
    return Starlette(routes=routes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args(argv)
    path = os.environ.get(RESPONSES_ENV)
    if not path:
        print(f"ceiling: set {RESPONSES_ENV} to the captured responses file", file=sys.stderr)
        return 2
    app = create_app(load_canned(Path(path)))
    uvicorn.run(app, host=arguments.host, port=arguments.port, workers=1, log_level="warning", lifespan="off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
