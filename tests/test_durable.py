"""A durable sandbox (`sandbox serve --data PATH`): the state survives a restart, the same byte for
byte; a database made by another seed or fixtures, of a newer format, unwritable or damaged is
refused with a message and exit code 2. The crash test (`kill -9` under load) is in
test_durable_crash.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
import pickle
import shutil
import sqlite3
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox import cli
from sandbox.store import FORMAT
from tests.helpers import (
    VIDAXL_ORDERS,
    Customer,
    Partner,
    basic,
    http_scope,
    make_app,
    vidaxl_order_body,
)


@contextmanager
def sandbox(data: Path, begin: str = "snapshot", **changes: Any) -> Iterator[TestClient]:
    """A durable sandbox on `data`, stopped (its store closed, a snapshot written) when the block
    ends. `begin`, for a database that holds changes: "snapshot" must start from the snapshot the
    last stop wrote (and replay what came after it); "replay" drops the snapshot first (a database
    of format 1 has none), so that every change is replayed; "passed over" must find the snapshot
    unusable (or gone with --data-reset), and replay every change."""
    kept, changed = None, False
    if data.exists():
        with sqlite3.connect(data) as db, contextlib.suppress(sqlite3.OperationalError):
            changed = db.execute("SELECT count(*) FROM changes").fetchone() != (0,)
            if begin == "replay":
                db.execute("DELETE FROM snapshot")
            kept = db.execute("SELECT seq FROM snapshot").fetchone()
    app = make_app(data=data, **changes)
    if changed:
        assert app.state.sandbox.resumed == (kept[0] if begin == "snapshot" and kept else 0)
        assert begin != "snapshot" or kept is not None, "the last stop wrote no snapshot"
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(params=["snapshot", "replay"])
def begin(request: pytest.FixtureRequest) -> str:
    """How a restarted sandbox takes up its state (see `sandbox`): both must give the same."""
    value: str = request.param
    return value


def changed(client: TestClient) -> dict[str, Any]:
    """Make one of each change: a login, orders on both APIs, an event, a clock move, a tenant,
    a fault rule, rate limits; what a client would keep of them."""
    partner = Partner.login(client)
    placed = partner.post("/api/v1/orders", json=partner.order_body())
    assert placed.status_code == 200, placed.text
    order_id = placed.json()["orderId"]
    shipped = client.post(f"/_sandbox/fixje/orders/{order_id}/events", json={"event": "ship"})
    assert shipped.status_code == 200, shipped.text
    created = Customer(client).create(vidaxl_order_body(("146400", 2)))
    assert client.post("/_sandbox/clock", json={"advance": "PT30M"}).status_code == 200
    tenant = client.post("/_sandbox/tenants", json={"api": "vidaxl", "name": "Kept"})
    assert tenant.status_code == 201, tenant.text
    fault = client.post("/_sandbox/faults", json={"api": "fixje", "path": "/api/v1/products", "status": 503})
    assert fault.status_code == 201, fault.text
    limits = client.put("/_sandbox/rate-limits", json={"vidaxl": {"requests": 7, "per": "PT1M"}})
    assert limits.status_code == 200, limits.text
    return {
        "token": partner.headers,
        "fixje_order": order_id,
        "vidaxl_order": created["order"]["id"],
        "tenant": (tenant.json()["email"], tenant.json()["token"]),
    }


def looks(client: TestClient, kept: dict[str, Any]) -> dict[str, Any]:
    """What a client sees of the sandbox: the whole state and the answers to a few GETs, as bytes."""
    partner = Partner(client, kept["token"])
    email, token = kept["tenant"]
    return {
        "state": client.get("/_sandbox/state").content,
        "fixje_order": partner.get(f"/api/v1/orders/{kept['fixje_order']}").content,
        "fixje_orders": partner.get("/api/v1/orders?page=1&pageSize=100").content,
        "vidaxl_order": Customer(client).get(f"/api_customer/orders?id_eq={kept['vidaxl_order']}").content,
        "tenant_orders": client.get(
            VIDAXL_ORDERS, headers={"Authorization": basic(email, token)}
        ).status_code,
        "faults": client.get("/_sandbox/faults").content,
        "rate_limits": client.get("/_sandbox/rate-limits").content,
        "clock": client.get("/_sandbox/clock").content,
    }


def test_a_restart_gives_the_same_sandbox(tmp_path: Path, begin: str) -> None:
    data = tmp_path / "sandbox.db"
    with sandbox(data, begin) as client:
        kept = changed(client)
        before = looks(client, kept)
        journal = client.get("/_sandbox/requests").json()
    with sandbox(data, begin) as client:
        after = looks(client, kept)
        again = client.get("/_sandbox/requests").json()
        numbered = client.post("/_sandbox/tenants", json={"api": "fixje"}).json()["clientId"]
        assert numbered.startswith("tenant-2-")  # tenants go on being counted
    assert after == before
    assert before["tenant_orders"] == 200
    # the journal goes on where it was: the first run's entries, then the second's four API requests
    assert again["requests"][4:] == journal["requests"]
    assert again["total"] == journal["total"] + 4


def test_health_says_where_the_state_is_kept(tmp_path: Path) -> None:
    data = tmp_path / "kept.db"
    with sandbox(data) as client:
        assert client.get("/_sandbox/health").json() == {"status": "ok", "durable": True, "data": str(data)}
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        assert client.get("/_sandbox/health").json() == {"status": "ok", "durable": False}


def test_what_was_refused_is_not_kept(tmp_path: Path) -> None:
    data = tmp_path / "sandbox.db"
    with sandbox(data) as client:
        partner = Partner.login(client)
        refused = partner.post("/api/v1/orders", json=partner.order_body(orderItems=[]))
        assert refused.status_code == 400
        rejected = client.post("/api/v1/login", data={"grant_type": "client_credentials", "client_id": "x"})
        assert rejected.status_code in (400, 401)
    rows = sqlite3.connect(data).execute("SELECT entry FROM changes").fetchall()
    assert len(rows) == 1  # the login alone
    assert b'"operation":"login"' in rows[0][0]


def test_a_token_and_a_reset_survive_a_restart(tmp_path: Path, begin: str) -> None:
    data = tmp_path / "sandbox.db"
    with sandbox(data, begin) as client:
        partner = Partner.login(client)
        placed = partner.post("/api/v1/orders", json=partner.order_body())
        assert client.post("/_sandbox/reset").status_code == 200
        after_reset = partner.get("/api/v1/orders?page=1&pageSize=1")
        assert after_reset.status_code == 401  # a reset ends every token
        second = Partner.login(client)
    with sandbox(data, begin) as client:
        assert Partner(client, second.headers).get("/api/v1/orders?page=1&pageSize=1").status_code == 200
        order = Partner(client, second.headers).get(f"/api/v1/orders/{placed.json()['orderId']}")
        assert order.status_code == 404  # placed before the reset


def test_the_clock_runs_on_across_a_restart_unless_frozen(tmp_path: Path, begin: str) -> None:
    data = tmp_path / "sandbox.db"
    with sandbox(data, begin, freeze=False) as client:
        moved = client.post("/_sandbox/clock", json={"set": "2030-01-01T00:00:00Z"}).json()
    with sandbox(data, begin, freeze=False) as client:
        now = client.get("/_sandbox/clock").json()
        assert now["frozen"] is False
        assert moved["now"] <= now["now"] < "2030-01-01T00:01:00Z"
        frozen = client.post("/_sandbox/clock", json={"frozen": True, "advance": "P1D"}).json()
    with sandbox(data, begin, freeze=False) as client:
        assert client.get("/_sandbox/clock").json() == {"now": frozen["now"], "frozen": True}


def refused(capsys: pytest.CaptureFixture[str], *options: str) -> str:
    """What `sandbox serve` says when it refuses to start with `options` (exit code 2)."""
    assert cli.main(["serve", "--port", "0", *options]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_a_database_of_another_seed_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "sandbox.db"
    with sandbox(data) as client:
        Partner.login(client)
    err = refused(capsys, "--data", str(data), "--seed", "7")
    assert err.startswith(f"sandbox: {data} holds the state of seed 42, fixtures default.yaml (sha256 ")
    assert "this sandbox runs seed 7, fixtures default.yaml" in err
    assert "--data-reset" in err
    # what is refused stays as it was
    assert len(sqlite3.connect(data).execute("SELECT * FROM changes").fetchall()) == 1


def test_data_reset_begins_afresh(tmp_path: Path) -> None:
    data = tmp_path / "sandbox.db"
    with sandbox(data) as client:
        Partner.login(client)
    with sandbox(data, "passed over", seed=7, data_reset=True) as client:
        assert client.get("/_sandbox/state").json()["seed"] == 7
    assert sqlite3.connect(data).execute("SELECT * FROM changes").fetchall() == []


def test_a_database_of_a_newer_format_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "sandbox.db"
    with sandbox(data):
        pass
    with sqlite3.connect(data) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (str(FORMAT + 1),))
    err = refused(capsys, "--data", str(data))
    newer = f"format {FORMAT + 1}, newer than this sandbox's {FORMAT}"
    assert err == f"sandbox: {data} has {newer}: run a newer sandbox on it\n"


def test_a_damaged_or_foreign_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database at all, " * 100)
    assert refused(capsys, "--data", str(damaged)) == (
        f"sandbox: {damaged} cannot be used: file is not a database\n"
    )
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    assert refused(capsys, "--data", str(foreign)) == (
        f"sandbox: {foreign} is an SQLite database, but not a sandbox's\n"
    )


def test_an_unwritable_path_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-directory" / "sandbox.db"
    assert refused(capsys, "--data", str(missing)) == (
        f"sandbox: cannot create {missing}: No such file or directory\n"
    )
    assert refused(capsys, "--data", str(tmp_path)).startswith(f"sandbox: cannot open {tmp_path}: ")


def test_changes_made_on_a_running_clock_replay_at_their_own_times(tmp_path: Path, begin: str) -> None:
    """Each change runs at one virtual time, its record's: replayed, an order's times (to the
    microsecond) and the schedule's moves come out the same."""
    data = tmp_path / "sandbox.db"
    with sandbox(
        data, begin, freeze=False, time_scale=3600.0
    ) as client:  # an hour a second: the schedule moves
        body = Partner.login(client).order_body()
        changed(client)  # which adds a fault rule on the products
        for _ in range(5):
            partner = Partner.login(client)
            assert partner.post("/api/v1/orders", json=body).status_code == 200
            Customer(client).create(vidaxl_order_body(("146400", 1)))
        assert client.post("/_sandbox/clock", json={"frozen": True}).status_code == 200
        before = client.get("/_sandbox/state").content
    with sandbox(data, begin, freeze=False, time_scale=3600.0) as client:
        assert client.get("/_sandbox/state").content == before


def test_fault_rules_go_on_counting_and_drawing_across_a_restart(tmp_path: Path, begin: str) -> None:
    """A rule's fired count and its chance's draws continue where they were: a sandbox restarted
    halfway answers the same sequence as one that ran on."""
    rule = {"api": "fixje", "path": "/api/v1/products", "status": 503, "probability": 0.5, "times": 4}

    def ask(client: TestClient, partner: Partner) -> list[int]:
        return [partner.get("/api/v1/products?page=1&pageSize=1").status_code for _ in range(6)]

    with TestClient(make_app(), raise_server_exceptions=False) as client:
        partner = Partner.login(client)
        assert client.post("/_sandbox/faults", json=rule).status_code == 201
        uninterrupted = ask(client, partner) + ask(client, partner)
        counted = client.get("/_sandbox/faults").json()
    data = tmp_path / "sandbox.db"
    with sandbox(data, begin) as client:
        partner = Partner.login(client)
        assert client.post("/_sandbox/faults", json=rule).status_code == 201
        first = ask(client, partner)
        halfway = client.get("/_sandbox/faults").json()
    with sandbox(data, begin) as client:
        assert client.get("/_sandbox/faults").json() == halfway
        restarted = first + ask(client, Partner(client, partner.headers))
        assert client.get("/_sandbox/faults").json() == counted
    assert restarted == uninterrupted
    assert 0 < halfway["faults"][0]["fired"] < 4 and uninterrupted.count(503) == 4


def test_an_answer_goes_only_once_its_change_is_committed(tmp_path: Path) -> None:
    """When a change's answer starts, another connection to the database already sees the change;
    several changes made in one turn of the event loop are committed together."""
    data = tmp_path / "sandbox.db"
    app = make_app(data=data)
    seen: list[int] = []

    async def place(number: int) -> int:
        body = json.dumps(vidaxl_order_body(("146400", 1), customer_order_reference=f"PO-{number}")).encode()
        scope = http_scope(
            "POST",
            VIDAXL_ORDERS,
            (b"content-type", b"application/json"),
            (b"authorization", basic("demo@vidaxl.sandbox", "vidaxl-demo-token").encode()),
        )
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                with sqlite3.connect(data) as other:
                    rows = other.execute("SELECT entry FROM changes").fetchall()
                bodies = [json.loads(json.loads(row[0])["body"]) for row in rows]
                seen.append(sum(kept["customer_order_reference"] == f"PO-{number}" for kept in bodies))

        await app(scope, receive, send)
        return status

    store = app.state.sandbox.store
    commit, commits = store.commit, []

    def counted() -> None:
        commits.append(1)
        commit()

    store.commit = counted

    async def main() -> list[int]:
        return list(await asyncio.gather(*(place(number) for number in range(5))))

    assert asyncio.run(main()) == [200] * 5
    assert seen == [1] * 5
    assert len(commits) == 1


DURABLE = Path(__file__).parent / "data" / "durable"
"""A database of format 1, made by make_format_1.py there, with its fixtures."""


def test_a_database_of_format_1_opens_with_its_changes(tmp_path: Path) -> None:
    data = tmp_path / "format-1.db"
    shutil.copyfile(DURABLE / "format-1.db", data)
    with sandbox(data, "replay", fixtures=DURABLE / "fixtures.yaml") as client:
        partner = Partner(client, {"Authorization": "Bearer G_oVxwlN5a9sA3lTr7ZGZdF4wgh-PUByKG35BNNcfDk"})
        order = partner.get("/api/v1/orders/cb4bde96-9db7-4162-beea-28b4ae288e70").json()
        assert (order["reference"], order["orderStatus"]) == ("PO-FORMAT-1", "Shipped")
        found = Customer(client).get("/api_customer/orders?id_eq=70005").json()
        assert [item["order"]["customer_order_reference"] for item in found] == ["PO-FORMAT-1"]
        tenant = basic("tenant-1-3b1579be@vidaxl.sandbox", "txytH_6DRpxpuQvMmyRwskLTveR9gTMx")
        assert client.get(VIDAXL_ORDERS, headers={"Authorization": tenant}).status_code == 200
        faults = client.get("/_sandbox/faults").json()["faults"]
        assert [(rule["path"], rule["remaining"]) for rule in faults] == [("/api/v1/storefronts", 1)]
        assert client.get("/_sandbox/clock").json() == {"now": "2026-11-02T09:10:00Z", "frozen": True}
    assert sqlite3.connect(data).execute("SELECT value FROM meta WHERE key = 'format'").fetchone() == (
        str(FORMAT),
    )


def test_a_database_of_an_unknown_older_format_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "old.db"
    shutil.copyfile(DURABLE / "format-1.db", data)
    with sqlite3.connect(data) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'format'")
    err = refused(capsys, "--data", str(data), "--fixtures", str(DURABLE / "fixtures.yaml"))
    assert err == f"sandbox: {data} has format 0, which this sandbox cannot read\n"


def test_a_change_that_cannot_be_read_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "sandbox.db"
    with sandbox(data) as client:
        Partner.login(client)
    with sqlite3.connect(data) as db:
        db.execute("UPDATE changes SET entry = ?", (b"\x00not json",))
        db.execute("DELETE FROM snapshot")  # else the start begins after it, and reads no change
    err = refused(capsys, "--data", str(data))
    assert err.startswith(f"sandbox: {data} cannot be read: ")


class Planted:
    """What a snapshot from elsewhere might hold: unpickled, it would write a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.path, "ran"))


@pytest.mark.parametrize("planted", ["another version", "damaged", "a foreign class"])
def test_a_snapshot_that_cannot_be_used_is_passed_over(tmp_path: Path, planted: str) -> None:
    """A snapshot written by other code, damaged, or naming a class from outside the sandbox's
    state is not used (nor run): every change is replayed, and the state is the same."""
    data = tmp_path / "sandbox.db"
    with sandbox(data) as client:
        kept = changed(client)
        before = looks(client, kept)
    ran = tmp_path / "ran"
    with sqlite3.connect(data) as db:
        if planted == "another version":
            db.execute("UPDATE snapshot SET code = 'another version'")
        elif planted == "damaged":
            db.execute("UPDATE snapshot SET data = substr(data, 1, 1000)")
        else:
            db.execute("UPDATE snapshot SET data = ?", (pickle.dumps({"worlds": Planted(ran)}),))
    with sandbox(data, "passed over") as client:
        assert looks(client, kept) == before
    assert not ran.exists()


def test_a_scenario_played_at_start_is_played_once(tmp_path: Path, begin: str) -> None:
    """`--scenario` with `--data`: the scenario is part of what the database's changes apply to;
    a restart from the snapshot does not play it again, one without replays after it."""
    data = tmp_path / "sandbox.db"
    with sandbox(data, scenario="two-parcels") as client:
        Customer(client).create(vidaxl_order_body(("146400", 1)))
        before = client.get("/_sandbox/state").content
    with sandbox(data, begin, scenario="two-parcels") as client:
        assert client.get("/_sandbox/state").content == before


def test_a_change_that_no_longer_applies_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recorded change that is refused on replay (here: an order of a product made unknown)
    stops the start with its number and request, rather than a state that differs."""
    data = tmp_path / "sandbox.db"
    with sandbox(data) as client:
        Customer(client).create(vidaxl_order_body(("146400", 1)))
    with sqlite3.connect(data) as db:
        (entry,) = db.execute("SELECT entry FROM changes").fetchone()
        db.execute("UPDATE changes SET entry = ?", (entry.replace(b"146400", b"999999"),))
        db.execute("DELETE FROM snapshot")
    err = refused(capsys, "--data", str(data))
    assert err.startswith(
        f"sandbox: {data}: change 1 (POST /api_customer/orders.json) no longer applies: it was answered 4"
    )
    assert err.endswith("Start with --data-reset to begin afresh (its changes are lost).\n")


def test_the_journal_keeps_its_answers_across_a_restart_and_reads_entries_kept_before(tmp_path: Path) -> None:
    """Format 1 kept nine fields of each request: they still show, with what they lack as null; a
    request journaled now keeps its answer across a restart, and the file never holds a credential."""
    data = tmp_path / "format-1.db"
    shutil.copyfile(DURABLE / "format-1.db", data)
    token = "G_oVxwlN5a9sA3lTr7ZGZdF4wgh-PUByKG35BNNcfDk"
    with sandbox(data, "replay", fixtures=DURABLE / "fixtures.yaml") as client:
        kept = client.get("/_sandbox/requests").json()["requests"]
        assert kept[-1] == {
            "id": 1,
            "time": "2026-11-02T09:00:00Z",
            "api": "fixje",
            "method": "POST",
            "path": "/api/v1/login",
            "query": "",
            "status": 200,
            "credential": None,
            "body": "grant_type=client_credentials&client_id=fixje-demo-client&client_secret=***",
            "operation": None,
            "durationMs": None,
            "fault": None,
            "requestHeaders": {},
            "responseHeaders": {},
            "responseBody": None,
        }
        # the fault rule the database kept fires once more
        client.get("/api/v1/storefronts", headers={"Authorization": f"Bearer {token}"})
        new = client.get("/_sandbox/requests").json()["requests"][0]
        assert (new["id"], new["operation"], new["status"], new["fault"]) == (
            len(kept) + 1,
            "listStoreFronts",
            503,
            "fault-1",
        )
        assert new["requestHeaders"]["authorization"] == "Bearer ***"
    with sandbox(data, fixtures=DURABLE / "fixtures.yaml") as client:
        again = client.get("/_sandbox/requests").json()["requests"]
        assert again[0] == new and again[1:] == kept
    written = " ".join(entry for (entry,) in sqlite3.connect(data).execute("SELECT entry FROM journal"))
    assert token not in written and "Bearer ***" in written
