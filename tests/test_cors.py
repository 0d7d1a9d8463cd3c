"""CORS (`--cors ORIGIN`), off by default: a page of an origin named may call the suppliers' APIs
and read their answers; the control API and the dashboard never answer another origin."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox.settings import settings_from_environment
from tests.helpers import VIDAXL_DEMO, bearer, login, make_app

SHOP = "http://localhost:3000"
EVIL = "https://evil.example"
PREFLIGHT = {
    "Origin": SHOP,
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization, accept",
}
CORS_HEADERS = {
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
}


def client(*origins: str) -> TestClient:
    return TestClient(make_app(cors=origins), base_url="http://127.0.0.1:8000")


def cors_headers(response: Any) -> dict[str, str]:
    headers = response.headers
    return {name: headers[name] for name in CORS_HEADERS if name in headers}


def test_a_preflight_from_an_origin_named_is_answered() -> None:
    response = client(SHOP).options("/api/v1/orders", headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.content == b""
    assert cors_headers(response) == {
        "access-control-allow-origin": SHOP,
        "access-control-allow-methods": "GET, HEAD, POST",
        "access-control-allow-headers": "authorization, accept",
        "access-control-max-age": "600",
    }
    assert response.headers["vary"] == "Origin"


def test_an_answer_to_an_origin_named_may_be_read() -> None:
    sandbox = client(SHOP)
    token = login(sandbox)
    response = sandbox.get("/api/v1/orders", headers={**bearer(token), "Origin": SHOP})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SHOP
    assert response.headers["vary"] == "Origin"
    exposed = response.headers["access-control-expose-headers"].split(", ")
    assert "Retry-After" in exposed and "WWW-Authenticate" in exposed
    refused = sandbox.get("/api_customer/orders.json", headers={"Origin": SHOP})
    assert refused.status_code == 401  # an error's answer too, so that the page can read why
    assert refused.headers["access-control-allow-origin"] == SHOP


def test_any_origin_with_a_star() -> None:
    sandbox = client("*")
    response = sandbox.get("/api_customer/orders.json", auth=VIDAXL_DEMO, headers={"Origin": EVIL})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers
    assert sandbox.options("/api_customer/orders", headers={**PREFLIGHT, "Origin": EVIL}).status_code == 204


@pytest.mark.parametrize(
    ("origins", "origin", "path"),
    [
        ((), SHOP, "/api/v1/orders"),  # off by default
        ((SHOP,), EVIL, "/api/v1/orders"),  # another origin
        ((SHOP,), "http://localhost:3001", "/api_customer/orders.json"),  # another port is another origin
        ((SHOP,), SHOP, "/_sandbox/reset"),  # the control API: never
        (("*",), SHOP, "/_sandbox/state"),
        ((SHOP,), SHOP, "/_sandbox/ui"),  # the dashboard: never
    ],
)
def test_no_cors_for_other_origins_the_control_api_and_the_dashboard(
    origins: tuple[str, ...], origin: str, path: str
) -> None:
    sandbox = client(*origins)
    preflight = sandbox.options(path, headers={**PREFLIGHT, "Origin": origin})
    assert preflight.status_code != 204
    assert cors_headers(preflight) == {}
    answer = sandbox.get(path, headers={"Origin": origin})
    assert cors_headers(answer) == {}


def test_a_page_that_may_read_the_apis_still_may_not_drive_the_sandbox() -> None:
    response = client("*").post(
        "/_sandbox/reset", headers={"Origin": SHOP, "Content-Type": "application/json"}
    )
    assert response.status_code == 403
    assert cors_headers(response) == {}


def test_a_preflight_for_another_host_is_not_answered() -> None:
    """DNS rebinding: a `Host` that does not name the sandbox is 421, preflight or not."""
    response = client("*").options("/api/v1/orders", headers={**PREFLIGHT, "Host": "rebound.example"})
    assert response.status_code == 421
    assert cors_headers(response) == {}


def test_origins_come_from_the_options_and_the_environment() -> None:
    settings = settings_from_environment({"SANDBOX_CORS": "http://localhost:3000/, HTTPS://Shop.Example"})
    assert settings.cors == ("http://localhost:3000", "https://shop.example")
    assert settings_from_environment({}).cors == ()


@pytest.mark.parametrize(
    ("where", "value"),
    [("option", "localhost:3000"), ("option", "http://shop.example/path"), ("env", "ftp://shop.example")],
)
def test_a_value_that_is_no_origin_is_a_usage_error(where: str, value: str) -> None:
    args = ["serve", "--port", "0"] + (["--cors", value] if where == "option" else [])
    env = {**os.environ, **({"SANDBOX_CORS": value} if where == "env" else {})}
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=env,
    )
    assert result.returncode == 2
    assert (
        f"{value!r} is not an origin such as http://localhost:3000 or https://shop.example (or *)"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
