"""Bounds on what a client can make the sandbox hold: fault rules, tenants and request bodies
(tokens: tests/test_tokens.py). Past each, the control API answers its documented 409 (413 for a
body) and stores nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from starlette.testclient import TestClient

from sandbox.control import api as control_api
from sandbox.control.api import TENANT_LIMIT
from sandbox.errors import Conflict
from sandbox.faults import RULE_LIMIT, SPENT_KEPT, Faults
from sandbox.resources import spec_path
from sandbox.settings import MIB
from sandbox.spec.loader import load_spec
from tests.live import Server, serve

FAULTS_FULL = {
    "error": "Conflict",
    "message": f"{RULE_LIMIT} fault rules are in force, the most there can "
    "be; remove one (DELETE /_sandbox/faults/{id}) or all first.",
}


def tenants_full(api: str, limit: int = TENANT_LIMIT) -> dict[str, str]:
    name = "Fixje" if api == "fixje" else "vidaXL"
    return {
        "error": "Conflict",
        "message": f"This sandbox holds {limit:,} {name} tenants, the most it "
        "can; a reset (POST /_sandbox/reset) removes them.",
    }


def faults() -> Faults:
    return Faults(42, load_spec(spec_path("sandbox")).validator("/components/schemas/FaultRequest"))


def rule(number: int, **fields: Any) -> dict[str, Any]:
    """A rule of its own path, so that each can be met alone."""
    return {"api": "fixje", "path": f"/rule/{number}", "status": 503, **fields}


def test_past_the_rule_limit_a_rule_is_refused() -> None:
    held = faults()
    for number in range(RULE_LIMIT):
        held.add(rule(number))
    with pytest.raises(Conflict) as refused:
        held.add(rule(RULE_LIMIT))
    assert refused.value.detail == FAULTS_FULL["message"]
    assert len(held.rules) == RULE_LIMIT


def test_a_spent_rule_stays_listed_but_does_not_count() -> None:
    held = faults()
    held.add(rule(0, times=1))
    for number in range(1, RULE_LIMIT):
        held.add(rule(number))
    assert held.check("fixje", "GET", "/rule/0", None) is not None
    added = held.add(rule(RULE_LIMIT))
    ends = [(r.id, r.remaining) for r in (held.rules[0], held.rules[-1])]
    assert ends == [("fault-1", 0), (added.id, None)]
    with pytest.raises(Conflict):
        held.add(rule(RULE_LIMIT + 1))


def test_only_the_last_spent_rules_stay_listed() -> None:
    held = faults()
    kept = held.add(rule(-1))
    for number in range(SPENT_KEPT + 20):
        held.add(rule(number, times=1))
        held.check("fixje", "GET", f"/rule/{number}", None)
    assert held.rules[0] is kept
    spent = [r.id for r in held.rules[1:]]
    assert spent == [f"fault-{n}" for n in range(22, SPENT_KEPT + 22)]


@pytest.mark.parametrize("api", ["fixje", "vidaxl"])
def test_past_the_tenant_limit_nothing_is_made(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, api: str
) -> None:
    monkeypatch.setattr(control_api, "TENANT_LIMIT", 2)
    for _ in range(2):
        assert client.post("/_sandbox/tenants", json={"api": api}).status_code == 201
    before = client.get("/_sandbox/state").content
    refused = client.post("/_sandbox/tenants", json={"api": api})
    assert (refused.status_code, refused.json()) == (409, tenants_full(api, 2))
    assert client.get("/_sandbox/state").content == before
    other = "vidaxl" if api == "fixje" else "fixje"
    assert client.post("/_sandbox/tenants", json={"api": other}).status_code == 201  # counted per API
    client.post("/_sandbox/reset")
    assert client.post("/_sandbox/tenants", json={"api": api}).status_code == 201


def test_only_the_state_import_takes_a_body_past_the_app_s_limit() -> None:
    limits = {op.operation_id: op.body_limit for op in load_spec(spec_path("sandbox")).operations}
    assert limits.pop("putState") == 256 * MIB
    assert set(limits.values()) == {None}


def padded(body: dict[str, Any], size: int) -> bytes:
    """`body` as JSON, padded with spaces to `size` bytes."""
    return json.dumps(body).encode().ljust(size)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve("--freeze") as running:
        yield running


@pytest.fixture
def session(server: Server) -> Iterator[requests.Session]:
    with requests.Session() as fresh:
        fresh.post(f"{server.url}/_sandbox/reset").raise_for_status()
        yield fresh


@pytest.mark.live
def test_past_the_rule_limit_the_server_answers_409(server: Server, session: requests.Session) -> None:
    url = f"{server.url}/_sandbox/faults"
    for number in range(RULE_LIMIT):
        assert session.post(url, json=rule(number)).status_code == 201
    refused = session.post(url, json=rule(RULE_LIMIT))
    assert (refused.status_code, refused.json()) == (409, FAULTS_FULL)
    assert len(session.get(url).json()["faults"]) == RULE_LIMIT


@pytest.mark.live
def test_a_body_past_1_mib_is_413_but_to_the_state_import(server: Server, session: requests.Session) -> None:
    json_type = {"content-type": "application/json"}
    before = session.get(f"{server.url}/_sandbox/state").content
    for path, body in (("/_sandbox/faults", rule(0)), ("/_sandbox/tenants", {"api": "fixje"})):
        # a connection of its own: the server closes it, the rest of the body unread
        refused = requests.post(f"{server.url}{path}", data=padded(body, MIB + 1), headers=json_type)
        assert refused.status_code == 413, path
        assert refused.json() == {
            "error": "PayloadTooLarge",
            "message": f"The request body is larger than {MIB} bytes.",
        }
    assert session.get(f"{server.url}/_sandbox/faults").json() == {"faults": []}
    assert session.get(f"{server.url}/_sandbox/state").content == before
    taken = session.post(f"{server.url}/_sandbox/faults", data=padded(rule(0), MIB), headers=json_type)
    assert taken.status_code == 201


def crowded_state(state: dict[str, Any], orders: int) -> dict[str, Any]:
    """`state` with TENANT_LIMIT - 1 more accounts on each API and `orders` more delivered Fixje
    orders (copies of one, with ids of their own)."""
    fixje, vidaxl = state["fixje"], state["vidaxl"]
    partner, customer = fixje["partners"][-1], vidaxl["customers"][-1]
    top = max(c["id"] for c in vidaxl["customers"])
    for number in range(TENANT_LIMIT - 1):
        fixje["partners"].append(
            {
                **partner,
                "id": str(uuid.uuid4()),
                "client_id": f"bulk-{number}",
                "client_secret": f"secret-{number}",
                "storefronts": [],
            }
        )
        vidaxl["customers"].append(
            {
                **customer,
                "id": top + 1 + number,
                "api_enabled": True,
                "email": f"bulk-{number}@vidaxl.sandbox",
                "token": f"token-{number}",
                "addressbooks": [],
            }
        )
    order = next(o for o in fixje["orders"] if o["status"] == "Delivered")
    fixje["orders"] += [
        {
            **order,
            "id": str(uuid.uuid4()),
            "lines": [{**line, "id": str(uuid.uuid4())} for line in order["lines"]],
        }
        for _ in range(orders)
    ]
    return state


@pytest.mark.live
@pytest.mark.slow
def test_a_large_state_imports_and_the_tenant_limit_holds(server: Server, session: requests.Session) -> None:
    state = crowded_state(session.get(f"{server.url}/_sandbox/state").json(), orders=1_500)
    body = json.dumps(state).encode()
    assert len(body) > 4 * MIB
    imported = session.put(
        f"{server.url}/_sandbox/state", data=body, headers={"content-type": "application/json"}
    )
    assert imported.status_code == 200, imported.text[:500]
    last = TENANT_LIMIT - 2  # what the import brought answers at once
    login = session.post(
        f"{server.url}/api/v1/login",
        data={"grant_type": "client_credentials"},
        auth=(f"bulk-{last}", f"secret-{last}"),
    )
    assert login.status_code == 200, login.text
    listed = session.get(
        f"{server.url}/api_customer/products.json?limit=1",
        auth=(f"bulk-{last}@vidaxl.sandbox", f"token-{last}"),
    )
    assert listed.status_code == 200
    for api in ("fixje", "vidaxl"):
        assert session.post(f"{server.url}/_sandbox/tenants", json={"api": api}).status_code == 201
        refused = session.post(f"{server.url}/_sandbox/tenants", json={"api": api})
        assert (refused.status_code, refused.json()) == (409, tenants_full(api))
    exported = session.get(f"{server.url}/_sandbox/state").json()
    assert len(exported["fixje"]["partners"]) == len(state["fixje"]["partners"]) + 1
    assert len(exported["vidaxl"]["customers"]) == len(state["vidaxl"]["customers"]) + 1
    assert len(exported["fixje"]["orders"]) == len(state["fixje"]["orders"])
