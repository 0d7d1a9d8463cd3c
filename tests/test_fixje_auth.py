"""OAuth 2.0 client credentials at /api/v1/login and bearer tokens on the other operations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.helpers import FIXJE_DEMO, FIXJE_OTHER, login, login_form, make_app

FORM = login_form()


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c: c.post("/api/v1/login", data=FORM), id="urlencoded"),
        pytest.param(
            lambda c: c.post("/api/v1/login", files={k: (None, v) for k, v in FORM.items()}), id="multipart"
        ),
        pytest.param(lambda c: c.post("/api/v1/login", json=FORM), id="json"),
        pytest.param(
            lambda c: c.post("/api/v1/login", data={"grant_type": "client_credentials"}, auth=FIXJE_DEMO),
            id="basic-header",
        ),
    ],
)
def test_login_answers_a_bearer_token(client: TestClient, send: object) -> None:
    response = send(client)  # type: ignore[operator]
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) >= 32
    assert response.headers["cache-control"] == "no-store"
    orders = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert orders.status_code == 200


def test_tokens_are_random_and_opaque(client: TestClient) -> None:
    first, second = login(client), login(client)
    assert first != second
    assert FIXJE_DEMO[0] not in first and FIXJE_DEMO[1] not in first


def test_basic_credentials_are_form_urlencoded_per_rfc6749(client: TestClient) -> None:
    # RFC 6749 2.3.1: id and secret are form-urlencoded before Base64; a plain id decodes the same.
    response = client.post(
        "/api/v1/login",
        data={"grant_type": "client_credentials"},
        auth=("fixje%2Ddemo%2Dclient", FIXJE_DEMO[1]),
    )
    assert response.status_code == 200, response.text


def test_an_expired_token_is_refused_with_invalid_token(app: Starlette, client: TestClient) -> None:
    token = login(client)
    headers = {"Authorization": f"Bearer {token}"}
    clock = app.state.sandbox.clock
    clock.advance(timedelta(seconds=3599))
    assert client.get("/api/v1/orders", headers=headers).status_code == 200
    clock.advance(timedelta(seconds=1))
    response = client.get("/api/v1/orders", headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "expired" in response.headers["www-authenticate"]
    assert response.json()["detail"] == "The access token expired."
    assert response.json()["status"] == 401


def test_an_unknown_token_is_refused_with_invalid_token(client: TestClient) -> None:
    response = client.get("/api/v1/products", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="fixje", error="invalid_token"')
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"


def test_the_bearer_scheme_is_case_insensitive(client: TestClient) -> None:
    response = client.get("/api/v1/orders", headers={"Authorization": f"bearer {login(client)}"})
    assert response.status_code == 200


def test_a_token_of_one_sandbox_is_unknown_to_another(client: TestClient) -> None:
    token = login(client)
    with TestClient(make_app()) as elsewhere:
        response = elsewhere.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_revoked_token_is_refused(client: TestClient) -> None:
    token, kept = login(client), login(client, FIXJE_OTHER)
    revoked = client.post("/_sandbox/fixje/tokens/revoke", json={"token": token})
    assert revoked.json() == {"tokens": 1}
    refused = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.json()["detail"] == "The access token is invalid."
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {kept}"}).status_code == 200
    assert client.post("/_sandbox/fixje/tokens/revoke", json={"token": token}).status_code == 404


def test_a_client_s_tokens_can_be_expired_now(client: TestClient) -> None:
    tokens = [login(client), login(client)]
    assert client.post("/_sandbox/fixje/tokens/expire", json={"clientId": FIXJE_DEMO[0]}).json() == {
        "tokens": 2
    }
    for token in tokens:
        refused = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401
        assert 'error_description="The access token expired"' in refused.headers["www-authenticate"]
    fresh = login(client)
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


@pytest.mark.parametrize("body", [{}, {"token": "a", "clientId": "b"}, {"token": ""}])
def test_a_token_fault_names_one_thing(client: TestClient, body: dict[str, str]) -> None:
    assert client.post("/_sandbox/fixje/tokens/expire", json=body).status_code == 400
