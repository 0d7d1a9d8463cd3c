"""The docs pages (/docs/{name}), their Swagger UI assets and the specs (/specs/{name}.yaml)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from sandbox.resources import default_fixtures, spec_path
from tests.helpers import FIXJE_DEMO, VIDAXL_DEMO, VIDAXL_OTHER, make_app

NAMES = ("fixje", "vidaxl", "sandbox")
CONFIG = re.compile(r'<script id="docs-config" type="application/json">(.*?)</script>', re.DOTALL)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """One sandbox for the module: reading the docs changes nothing."""
    with TestClient(make_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def docs_config(page: str) -> dict[str, Any]:
    """The settings the page hands to Swagger UI."""
    found = CONFIG.search(page)
    assert found, page
    config: dict[str, Any] = json.loads(found.group(1))
    return config


@pytest.mark.parametrize(
    ("name", "title", "oauth", "basic"),
    [
        (
            "fixje",
            "Fixje Partner Web API (2.0)",
            {"clientId": FIXJE_DEMO[0], "clientSecret": FIXJE_DEMO[1]},
            [],
        ),
        (
            "vidaxl",
            "vidaXL customer API (B2BWave)",
            None,
            [["basic", *VIDAXL_DEMO]],
        ),
        ("sandbox", "supplier-sandbox control API", None, []),
    ],
)
def test_a_docs_page_loads_its_spec_with_the_demo_credentials(
    client: TestClient, name: str, title: str, oauth: dict[str, str] | None, basic: list[list[str]]
) -> None:
    response = client.get(f"/docs/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert f"<title>{title} - supplier-sandbox</title>" in response.text
    assert docs_config(response.text) == {
        "url": f"/specs/{name}.yaml",
        "oauth2RedirectUrl": "http://testserver/docs/assets/oauth2-redirect.html",
        "oauth": oauth,
        "basic": basic,
    }


def test_the_pages_load_nothing_from_elsewhere(client: TestClient) -> None:
    for path in ("/docs", *(f"/docs/{name}" for name in NAMES)):
        page = client.get(path).text
        sources = re.findall(r'(?:src|href)="([^"]*)"', page)
        assert sources, path
        assert all(source.startswith("/") for source in sources), sources
        for source in sources:
            assert client.get(source).status_code == 200, source


def test_every_docs_page_fits_a_phone(client: TestClient) -> None:
    for path in ("/docs", *(f"/docs/{name}" for name in NAMES)):
        page = client.get(path).text
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page, path


@pytest.mark.parametrize(
    ("asset", "content_type"),
    [
        ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "text/css; charset=utf-8"),
        ("favicon-32x32.png", "image/png"),
    ],
)
def test_the_swagger_ui_assets_come_from_the_package(
    client: TestClient, asset: str, content_type: str
) -> None:
    response = client.get(f"/docs/assets/{asset}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert len(response.content) > 500


def test_the_index_links_each_page_and_spec(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    for name in NAMES:
        assert f'<a href="/docs/{name}">' in response.text
        assert f'<a href="/specs/{name}.yaml">{name}.yaml</a>' in response.text
    assert '<a href="/_sandbox/ui">Dashboard</a>' in response.text


@pytest.mark.parametrize("name", NAMES)
def test_a_spec_is_served_as_written_but_for_its_server(client: TestClient, name: str) -> None:
    response = client.get(f"/specs/{name}.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/yaml"
    served = yaml.safe_load(response.text)
    written = yaml.safe_load(spec_path(name).read_text(encoding="utf-8"))
    assert served.pop("servers") == [{"url": "http://testserver", "description": "this sandbox"}]
    written.pop("servers")
    assert served == written


def test_the_server_of_a_spec_is_the_address_it_was_asked_at() -> None:
    with TestClient(make_app(allowed_hosts=("testserver", "sandbox.test"))) as client:
        response = client.get("/specs/vidaxl.yaml", headers={"host": "sandbox.test:9000"})
        assert yaml.safe_load(response.text)["servers"] == [
            {"url": "http://sandbox.test:9000", "description": "this sandbox"}
        ]
        # a name it was not given is never echoed
        refused = client.get("/specs/vidaxl.yaml", headers={"host": "attacker.example:9000"})
        assert refused.status_code == 421 and "attacker.example" not in refused.text


def test_behind_a_path_prefix_the_links_keep_it() -> None:
    with TestClient(make_app(), root_path="/supplier") as client:
        page = client.get("/docs/fixje").text
        spec = client.get("/specs/fixje.yaml").text
    assert docs_config(page)["url"] == "/supplier/specs/fixje.yaml"
    assert '<script src="/supplier/docs/assets/swagger-ui-bundle.js">' in page
    assert yaml.safe_load(spec)["servers"][0]["url"] == "http://testserver/supplier"


@pytest.mark.parametrize(
    "path",
    [
        "/docs/nope",
        "/specs/nope.yaml",
        "/specs/fixje.json",
        "/docs/assets/nope.js",
    ],
)
def test_an_unknown_page_is_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "message": f"No resource at {path}."}


def test_the_credentials_come_from_the_fixtures(tmp_path: Path) -> None:
    data = yaml.safe_load(default_fixtures().read_text(encoding="utf-8"))
    data["fixje"]["partners"][0].update(client_id="acme-client", client_secret="acme-secret")
    customers = data["vidaxl"]["customers"]
    data["vidaxl"]["customers"] = [customers[2], customers[1]]  # the first one cannot use the API
    path = tmp_path / "fixtures.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with TestClient(make_app(fixtures=path)) as client:
        fixje = docs_config(client.get("/docs/fixje").text)
        vidaxl = docs_config(client.get("/docs/vidaxl").text)
    assert fixje["oauth"] == {"clientId": "acme-client", "clientSecret": "acme-secret"}
    assert vidaxl["basic"] == [["basic", *VIDAXL_OTHER]]


def test_off_loopback_the_docs_stay_open_but_never_show_the_admin_token() -> None:
    with TestClient(
        make_app(host="0.0.0.0", admin_token="s3cret-admin"), raise_server_exceptions=False
    ) as client:
        assert client.get("/_sandbox/clock").status_code == 401
        for name in NAMES:
            page = client.get(f"/docs/{name}")
            assert page.status_code == 200
            assert "s3cret-admin" not in page.text
            assert client.get(f"/specs/{name}.yaml").status_code == 200
