"""Fixje tokens and credential lookups at scale: a client holds at most TOKENS_PER_CLIENT live
tokens (the oldest go first), expired ones are forgotten by the clock without a scan, and the
partner and customer indexes follow every way accounts change (tenants, reset, import)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from starlette.testclient import TestClient

from sandbox.fixje.auth import TOKEN_LIFETIME, TOKENS_PER_CLIENT, Tokens
from sandbox.fixje.world import Partner
from tests.helpers import FIXJE_DEMO, FIXJE_OTHER, VIDAXL_DEMO, bearer, login, login_form
from tests.live import serve

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
DENIED = {
    "error": "invalid_client",
    "error_description": "Client authentication failed: unknown client or wrong secret.",
}


def partner(client_id: str) -> Partner:
    return Partner(f"id-{client_id}", client_id, client_id, "secret")


def test_a_client_s_oldest_token_goes_past_the_bound() -> None:
    tokens, demo, other = Tokens(), partner("demo"), partner("other")
    kept = tokens.issue(other, NOW)
    issued = [tokens.issue(demo, NOW) for _ in range(TOKENS_PER_CLIENT + 5)]
    assert tokens.of_client("demo") == issued[5:]
    assert [tokens.get(key) for key in issued[:5]] == [None] * 5
    assert tokens.of_client("other") == [kept]  # another client's tokens stay
    assert len(tokens) == TOKENS_PER_CLIENT + 1


def test_expired_tokens_are_forgotten_at_the_next_login() -> None:
    tokens, demo, other = Tokens(), partner("demo"), partner("other")
    early = tokens.issue(demo, NOW)
    late = tokens.issue(other, NOW + timedelta(minutes=30))
    ended = tokens.issue(other, NOW + timedelta(minutes=30))
    tokens.expire(ended, NOW + timedelta(minutes=30))
    tokens.issue(demo, NOW + timedelta(seconds=TOKEN_LIFETIME))
    assert tokens.get(early) is None and tokens.get(ended) is None
    assert tokens.get(late) is not None
    assert tokens.of_client("other") == [late]


def test_revoked_tokens_leave_no_pile_behind_a_frozen_clock() -> None:
    tokens, demo = Tokens(), partner("demo")
    for _ in range(10_000):
        key = tokens.issue(demo, NOW)
        tokens.expire(key, NOW + timedelta(minutes=1))
        tokens.revoke(key)
    assert len(tokens) == 0 and tokens.by_client == {}
    assert len(tokens.expiry) <= 64
    for _ in range(10_000):  # evicted by the bound, never expired
        tokens.issue(demo, NOW)
    assert len(tokens) == TOKENS_PER_CLIENT
    assert len(tokens.expiry) <= 2 * TOKENS_PER_CLIENT + 64


def test_a_client_s_tokens_are_revoked_by_its_id(client: TestClient) -> None:
    mine = [login(client) for _ in range(3)]
    theirs = login(client, FIXJE_OTHER)
    assert client.post("/_sandbox/fixje/tokens/revoke", json={"clientId": FIXJE_DEMO[0]}).json() == {
        "tokens": 3
    }
    for token in mine:
        assert client.get("/api/v1/orders", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/orders", headers=bearer(theirs)).status_code == 200
    assert client.post("/_sandbox/fixje/tokens/revoke", json={"clientId": FIXJE_DEMO[0]}).status_code == 404


def test_an_expired_token_is_forgotten_at_the_next_login(client: TestClient) -> None:
    token = login(client)
    client.post("/_sandbox/fixje/tokens/expire", json={"token": token})

    def detail() -> str:
        found: str = client.get("/api/v1/orders", headers=bearer(token)).json()["detail"]
        return found

    assert detail() == "The access token expired."
    login(client, FIXJE_OTHER)
    assert detail() == "The access token is invalid."


@pytest.mark.parametrize(
    "credentials", [(FIXJE_DEMO[0], "wrong"), ("nobody", FIXJE_DEMO[1]), ("", FIXJE_DEMO[1])]
)
def test_an_unknown_client_is_told_what_a_wrong_secret_is(
    client: TestClient, credentials: tuple[str, str]
) -> None:
    response = client.post("/api/v1/login", data={"grant_type": "client_credentials"}, auth=credentials)
    assert response.status_code == 401
    assert response.json() == DENIED


@pytest.mark.parametrize("auth", [(VIDAXL_DEMO[0], "wrong"), ("nobody@vidaxl.sandbox", VIDAXL_DEMO[1])])
def test_an_unknown_vidaxl_account_is_told_what_a_wrong_token_is(
    client: TestClient, auth: tuple[str, str]
) -> None:
    response = client.get("/api_customer/products.json?limit=1", auth=auth)
    assert (response.status_code, response.json()) == (401, {"error": "HTTP Basic: Access denied."})


def tenants(client: TestClient) -> tuple[tuple[str, str], tuple[str, str]]:
    fixje = client.post("/_sandbox/tenants", json={"api": "fixje"}).json()
    vidaxl = client.post("/_sandbox/tenants", json={"api": "vidaxl"}).json()
    return (fixje["clientId"], fixje["clientSecret"]), (vidaxl["email"], vidaxl["token"])


def known(client: TestClient, fixje: tuple[str, str], vidaxl: tuple[str, str]) -> tuple[int, int]:
    """The answers to a login of the Fixje account and a request of the vidaXL one."""
    logged_in = client.post("/api/v1/login", data={"grant_type": "client_credentials"}, auth=fixje)
    listed = client.get("/api_customer/products.json?limit=1", auth=vidaxl)
    return logged_in.status_code, listed.status_code


def test_the_indexes_follow_tenants_reset_and_import(client: TestClient) -> None:
    fixje, vidaxl = tenants(client)
    shouted = (vidaxl[0].upper(), vidaxl[1])  # e-mails match whatever their case
    assert known(client, fixje, shouted) == (200, 200)
    exported = client.get("/_sandbox/state").content
    client.post("/_sandbox/reset")
    assert known(client, fixje, vidaxl) == (401, 401)
    assert known(client, FIXJE_DEMO, VIDAXL_DEMO) == (200, 200)
    later_fixje, later_vidaxl = tenants(client)  # made after the reset: the import drops them
    imported = client.put("/_sandbox/state", content=exported, headers={"content-type": "application/json"})
    assert imported.status_code == 200, imported.text
    assert known(client, fixje, vidaxl) == (200, 200)
    assert known(client, later_fixje, later_vidaxl) == (401, 401)
    again_fixje, again_vidaxl = tenants(client)  # the vidaXL ids go on from the imported ones
    assert known(client, again_fixje, again_vidaxl) == (200, 200)
    ids = [c["id"] for c in client.get("/_sandbox/state").json()["vidaxl"]["customers"]]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("api", "accounts", "key", "value", "field", "message"),
    [
        (
            "fixje",
            "partners",
            "client_id",
            FIXJE_DEMO[0],
            "fixje.partners[1].client_id",
            f"Another partner already has the client_id '{FIXJE_DEMO[0]}'.",
        ),
        (
            "vidaxl",
            "customers",
            "email",
            "DEMO@vidaxl.sandbox",
            "vidaxl.customers[1].email",
            "Another customer already has the email 'DEMO@vidaxl.sandbox'.",
        ),
    ],
)
def test_an_imported_state_names_each_account_once(
    client: TestClient, api: str, accounts: str, key: str, value: str, field: str, message: str
) -> None:
    before = client.get("/_sandbox/state").content
    state = client.get("/_sandbox/state").json()
    state[api][accounts][1][key] = value
    response = client.put("/_sandbox/state", json=state)
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == {field: [message]}
    assert client.get("/_sandbox/state").content == before


def test_reset_forgets_the_tokens(client: TestClient) -> None:
    token = login(client)
    client.post("/_sandbox/reset")
    assert client.get("/api/v1/orders", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/orders", headers=bearer(login(client))).status_code == 200


LOGINS = 5_000


@pytest.mark.live
@pytest.mark.slow
def test_logins_under_freeze_leave_at_most_the_bound_live() -> None:
    with serve("--freeze") as server, requests.Session() as session:
        form = login_form()
        issued = []
        for _ in range(LOGINS):
            response = session.post(f"{server.url}/api/v1/login", data=form)
            assert response.status_code == 200, response.text
            issued.append(response.json()["access_token"])
        for token in (issued[0], issued[LOGINS // 2], issued[-TOKENS_PER_CLIENT - 1]):
            refused = session.get(f"{server.url}/api/v1/storefronts", headers=bearer(token))
            assert refused.status_code == 401
            assert refused.json()["detail"] == "The access token is invalid."
        for token in issued[-TOKENS_PER_CLIENT:]:
            assert session.get(f"{server.url}/api/v1/storefronts", headers=bearer(token)).status_code == 200
        revoked = session.post(f"{server.url}/_sandbox/fixje/tokens/revoke", json={"clientId": FIXJE_DEMO[0]})
        assert revoked.json() == {"tokens": TOKENS_PER_CLIENT}


@pytest.mark.live
def test_tenants_and_unknown_accounts_over_a_real_server() -> None:
    with serve("--freeze") as server, requests.Session() as session:
        made = [
            session.post(f"{server.url}/_sandbox/tenants", json={"api": api}).json()
            for _ in range(200)
            for api in ("fixje", "vidaxl")
        ]
        last_fixje, last_vidaxl = made[-2], made[-1]
        login_url = f"{server.url}/api/v1/login"
        form = {"grant_type": "client_credentials"}
        auth = (last_fixje["clientId"], last_fixje["clientSecret"])
        assert session.post(login_url, data=form, auth=auth).status_code == 200
        unknown = session.post(login_url, data=form, auth=("tenant-0-nobody", last_fixje["clientSecret"]))
        assert (unknown.status_code, unknown.json()) == (401, DENIED)
        products = f"{server.url}/api_customer/products.json?limit=1"
        assert session.get(products, auth=(last_vidaxl["email"], last_vidaxl["token"])).status_code == 200
        nobody = session.get(products, auth=("nobody@vidaxl.sandbox", last_vidaxl["token"]))
        assert (nobody.status_code, nobody.json()) == (401, {"error": "HTTP Basic: Access denied."})
