"""Fault rules (`/_sandbox/faults`): server errors, fail-N-then-succeed, chance, latency and
dropped connections, matched by API, method, path and credential; a faulted request changes
nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from starlette.testclient import TestClient

from sandbox.faults import Faults
from sandbox.fixtures import FixtureError
from sandbox.resources import default_fixtures, spec_path
from sandbox.spec.loader import load_spec
from tests.helpers import (
    FIRST_PRODUCT,
    FIXJE_OTHER,
    LONDON,
    VIDAXL_DEMO,
    VIDAXL_OTHER,
    Partner,
    assert_problem,
    login_form,
    make_app,
    snapshot,
    vidaxl_order_to,
)
from tests.live import serve

VIDAXL_ORDER = vidaxl_order_to(LONDON, (FIRST_PRODUCT, 1))


def add(client: TestClient, **rule: Any) -> dict[str, Any]:
    response = client.post("/_sandbox/faults", json=rule)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def vidaxl_state(client: TestClient) -> tuple[int, str]:
    """How many orders the demo customer placed in the last day, and the stock of product 146400."""
    orders = client.get("/api_customer/orders.json", auth=VIDAXL_DEMO).json()
    stock = client.get("/api_customer/products.json?code_eq=146400", auth=VIDAXL_DEMO).json()
    return len(orders), stock["data"][0]["quantity"]


def test_a_503_on_create_stores_no_order_and_takes_no_stock(demo: Partner) -> None:
    client = demo.client
    body = demo.order_body()
    before = snapshot(demo)
    add(client, api="fixje", method="POST", path="/api/v1/orders", status=503, retryAfter=7)
    response = demo.post("/api/v1/orders", json=body)
    problem = assert_problem(response, 503)
    assert problem["type"] == "https://tools.ietf.org/html/rfc9110#section-15.6.4"
    assert problem["title"] == "Service Unavailable"
    assert problem["detail"] == "The service is temporarily unavailable; try again later."
    assert response.headers["retry-after"] == "7"
    assert snapshot(demo) == before
    assert demo.get("/api/v1/orders").status_code == 200  # only POSTs to that path are faulted


@pytest.mark.parametrize(
    ("status", "title", "section"),
    [
        (500, "Internal Server Error", "15.6.1"),
        (502, "Bad Gateway", "15.6.3"),
        (503, "Service Unavailable", "15.6.4"),
        (504, "Gateway Timeout", "15.6.5"),
    ],
)
def test_each_status_in_the_fixje_problem_shape(demo: Partner, status: int, title: str, section: str) -> None:
    add(demo.client, api="fixje", path="/api/v1/storefronts", status=status)
    problem = assert_problem(demo.get("/api/v1/storefronts"), status)
    assert (problem["title"], problem["type"]) == (
        title,
        f"https://tools.ietf.org/html/rfc9110#section-{section}",
    )


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, "Internal Server Error (a fault rule of the sandbox)."),
        (502, "Bad Gateway (a fault rule of the sandbox)."),
        (503, "The service is temporarily unavailable; try again later."),
        (504, "Gateway Timeout (a fault rule of the sandbox)."),
    ],
)
def test_each_status_in_the_vidaxl_error_shape(client: TestClient, status: int, error: str) -> None:
    before = vidaxl_state(client)
    add(client, api="vidaxl", method="POST", status=status)
    response = client.post("/api_customer/orders", json=VIDAXL_ORDER, auth=VIDAXL_DEMO)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.json() == {"error": error}
    assert vidaxl_state(client) == before


def test_the_login_fails_in_the_oauth_shape(client: TestClient) -> None:
    add(client, api="fixje", path="/api/v1/login", status=503)
    response = client.post(
        "/api/v1/login",
        data=login_form(),
    )
    assert response.status_code == 503
    assert response.json() == {
        "error": "temporarily_unavailable",
        "error_description": "The service is temporarily unavailable; try again later.",
    }


def test_fail_the_next_two_then_succeed(client: TestClient) -> None:
    rule = add(client, api="vidaxl", method="POST", path="/api_customer/orders*", status=503, times=2)
    assert rule == {
        "id": "fault-1",
        "api": "vidaxl",
        "method": "POST",
        "path": "/api_customer/orders*",
        "status": 503,
        "times": 2,
        "fired": 0,
        "remaining": 2,
        "source": "api",
    }
    answers = [
        client.post("/api_customer/orders.json", json=VIDAXL_ORDER, auth=VIDAXL_DEMO).status_code
        for _ in range(3)
    ]
    assert answers == [503, 503, 200]
    listed = client.get("/_sandbox/faults").json()["faults"]
    assert [(r["id"], r["fired"], r["remaining"]) for r in listed] == [("fault-1", 2, 0)]
    journal = client.get("/_sandbox/requests?api=vidaxl").json()["requests"]
    assert [entry["status"] for entry in journal] == [200, 503, 503]


def test_only_the_named_credential_is_faulted(client: TestClient) -> None:
    add(client, api="vidaxl", credential="DEMO@vidaxl.sandbox", status=502)
    assert client.get("/api_customer/products.json?limit=1", auth=VIDAXL_DEMO).status_code == 502
    assert client.get("/api_customer/products.json?limit=1", auth=VIDAXL_OTHER).status_code == 200
    # the credentials are checked first: a wrong password is still a 401
    assert (
        client.get("/api_customer/products.json?limit=1", auth=(VIDAXL_DEMO[0], "wrong")).status_code == 401
    )
    demo = Partner.login(client)
    assert demo.get("/api/v1/storefronts").status_code == 200  # another API
    add(client, api="fixje", credential=FIXJE_OTHER[0], status=500)
    assert demo.get("/api/v1/storefronts").status_code == 200
    other = Partner.login(client, FIXJE_OTHER)
    assert_problem(other.get("/api/v1/storefronts"), 500)


@pytest.mark.parametrize(
    ("pattern", "path", "faulted"),
    [
        ("/api/v1/orders*", "/api/v1/orders", True),
        ("/api/v1/orders*", "/api/v1/orders/5d1a3c9e-0000-4000-8000-000000000000", True),
        ("/api/v1/orders", "/api/v1/orders/5d1a3c9e-0000-4000-8000-000000000000", False),
        ("/api/v1/*s", "/api/v1/products", True),
        ("/api/v1/?roducts", "/api/v1/products", True),
        ("/api/v1/products", "/api/v1/storefronts", False),
    ],
)
def test_paths_match_by_glob(demo: Partner, pattern: str, path: str, faulted: bool) -> None:
    add(demo.client, api="fixje", method="GET", path=pattern, status=504)
    assert (demo.get(path).status_code == 504) is faulted


def chances(seed: int) -> list[int]:
    with TestClient(make_app(seed=seed), raise_server_exceptions=False) as client:
        add(client, api="vidaxl", status=503, probability=0.5)
        return [
            client.get("/api_customer/products.json?limit=1", auth=VIDAXL_DEMO).status_code for _ in range(40)
        ]


def test_a_probability_is_seeded() -> None:
    first = chances(42)
    assert first == chances(42)
    assert set(first) == {200, 503}
    assert 8 <= first.count(503) <= 32
    assert chances(7) != first


def test_a_tiny_probability_is_kept_and_shown(demo: Partner) -> None:
    """orjson writes 1e-05 as 0.00001: the same number, which the response check lets through."""
    rule = add(demo.client, api="vidaxl", status=503, probability=0.00001)
    assert rule["probability"] == 1e-05
    listed = demo.client.get("/_sandbox/faults").json()["faults"]
    assert [r["probability"] for r in listed if r["id"] == rule["id"]] == [1e-05]


def test_latency_delays_a_normal_answer(demo: Partner) -> None:
    add(demo.client, api="fixje", path="/api/v1/storefronts", latencyMs=300)
    started = time.monotonic()
    response = demo.get("/api/v1/storefronts")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_a_latency_range_waits_at_least_its_least(demo: Partner) -> None:
    rule = add(
        demo.client, api="fixje", path="/api/v1/storefronts", latencyMs=100, latencyMaxMs=200, status=504
    )
    assert (rule["latencyMs"], rule["latencyMaxMs"]) == (100, 200)
    started = time.monotonic()
    assert demo.get("/api/v1/storefronts").status_code == 504
    assert time.monotonic() - started >= 0.1


def drawn_delays(seed: int, low: int = 100, high: int = 900) -> list[float]:
    """The waits a `low` to `high` ms rule gives ten requests in a sandbox of `seed`."""
    faults = Faults(seed, load_spec(spec_path("sandbox")).validator("/components/schemas/FaultRequest"))
    faults.add({"api": "fixje", "latencyMs": low, "latencyMaxMs": high})
    checked = [faults.check("fixje", "GET", "/api/v1/orders", None) for _ in range(10)]
    return [fault.delay for fault in checked if fault is not None]


def test_a_latency_range_is_drawn_from_the_seed() -> None:
    first = drawn_delays(42)
    assert len(first) == 10 and all(0.1 <= delay <= 0.9 for delay in first)
    assert len(set(first)) > 1
    assert drawn_delays(42) == first
    assert drawn_delays(7) != first


def test_a_latency_range_may_be_given_either_way_round() -> None:
    assert drawn_delays(42, 900, 100) == drawn_delays(42)


def test_waits_add_up_and_the_first_failure_decides(demo: Partner) -> None:
    client = demo.client
    add(client, api="fixje", path="/api/v1/storefronts", latencyMs=50)
    add(client, api="fixje", path="/api/v1/storefronts", status=502, times=1)
    add(client, api="fixje", path="/api/v1/storefronts", status=500)
    assert_problem(demo.get("/api/v1/storefronts"), 502)
    assert_problem(demo.get("/api/v1/storefronts"), 500)
    fired = [(r["id"], r["fired"]) for r in client.get("/_sandbox/faults").json()["faults"]]
    assert fired == [("fault-1", 2), ("fault-2", 1), ("fault-3", 1)]


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({"api": "fixje"}, "$", "One of the fields status, drop, latencyMs is required."),
        (
            {"api": "fixje", "status": 503, "drop": True},
            "$",
            "The fields status and drop cannot be used together.",
        ),
        ({"api": "fixje", "status": 418}, "status", "The value 418 is not one of: 500, 502, 503, 504."),
        ({"api": "ebay", "status": 500}, "api", 'The value "ebay" is not one of: fixje, vidaxl.'),
        (
            {"api": "vidaxl", "latencyMaxMs": 5, "status": 500},
            "latencyMs",
            "The latencyMs field is required with latencyMaxMs.",
        ),
        (
            {"api": "vidaxl", "drop": True, "retryAfter": 3},
            "status",
            "The status field is required with retryAfter.",
        ),
        ({"api": "vidaxl", "status": 503, "times": 0}, "times", "The field times must be at least 1."),
        (
            {"api": "vidaxl", "status": 503, "probability": 1.5},
            "probability",
            "The field probability must be at most 1.",
        ),
        (
            {"api": "vidaxl", "status": 503, "path": "api_customer"},
            "path",
            'The value "api_customer" is not valid for path. A glob over the request path, for example '
            "`/api/v1/orders*`; default `*`.",
        ),
    ],
)
def test_a_bad_rule_is_refused_and_names_the_field(
    client: TestClient, rule: dict[str, Any], field: str, message: str
) -> None:
    response = client.post("/_sandbox/faults", json=rule)
    assert response.status_code == 400
    assert message in response.json()["errors"][field]
    assert client.get("/_sandbox/faults").json() == {"faults": []}


def test_remove_one_clear_all_and_reset(client: TestClient) -> None:
    first = add(client, api="fixje", status=500)
    add(client, api="vidaxl", status=500)
    assert client.delete(f"/_sandbox/faults/{first['id']}").status_code == 204
    assert [r["id"] for r in client.get("/_sandbox/faults").json()["faults"]] == ["fault-2"]
    missing = client.delete(f"/_sandbox/faults/{first['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"error": "NotFound", "message": "No fault rule 'fault-1'."}
    assert client.delete("/_sandbox/faults").status_code == 204
    assert client.get("/_sandbox/faults").json() == {"faults": []}
    add(client, api="fixje", status=500)
    assert client.post("/_sandbox/reset").status_code == 200
    assert client.get("/_sandbox/faults").json() == {"faults": []}


def fixtures_with(tmp_path: Path, faults: Any) -> Path:
    data = yaml.safe_load(default_fixtures().read_text(encoding="utf-8"))
    data["faults"] = faults
    path = tmp_path / "fixtures.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_rules_from_the_fixtures_come_back_on_reset(tmp_path: Path) -> None:
    path = fixtures_with(tmp_path, [{"api": "vidaxl", "method": "POST", "status": 503, "times": 1}])
    with TestClient(make_app(fixtures=path), raise_server_exceptions=False) as client:
        rule = {
            "id": "fault-1",
            "api": "vidaxl",
            "method": "POST",
            "status": 503,
            "times": 1,
            "fired": 0,
            "remaining": 1,
            "source": "fixtures",
        }
        assert client.get("/_sandbox/faults").json() == {"faults": [rule]}
        assert client.post("/api_customer/orders", json=VIDAXL_ORDER, auth=VIDAXL_DEMO).status_code == 503
        assert client.post("/api_customer/orders", json=VIDAXL_ORDER, auth=VIDAXL_DEMO).status_code == 200
        client.delete("/_sandbox/faults")
        client.post("/_sandbox/reset")
        assert client.get("/_sandbox/faults").json() == {"faults": [rule]}


def test_a_bad_rule_in_the_fixtures_is_named(tmp_path: Path) -> None:
    path = fixtures_with(tmp_path, [{"api": "vidaxl", "status": 404}])
    with pytest.raises(FixtureError, match=r"faults\[0\]: This is not a fault rule \(status: The value 404"):
        make_app(fixtures=path)


def test_a_scenario_brings_its_rules(client: TestClient) -> None:
    played = client.post("/_sandbox/scenarios/flaky-orders")
    assert played.status_code == 200, played.text
    rules = client.get("/_sandbox/faults").json()["faults"]
    assert [(r["api"], r.get("status"), r["source"]) for r in rules] == [
        ("vidaxl", 503, "scenario"),
        ("fixje", None, "scenario"),
    ]
    answers = [
        client.post("/api_customer/orders", json=VIDAXL_ORDER, auth=VIDAXL_DEMO).status_code for _ in range(3)
    ]
    assert answers == [503, 503, 200]


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    with serve() as server:
        yield server.url
    log = "".join(server.log)
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log


@pytest.mark.live
def test_a_dropped_connection_over_a_real_socket(live: str) -> None:
    orders = f"{live}/api_customer/orders.json"
    before = len(requests.get(orders, auth=VIDAXL_DEMO, timeout=5).json())
    rule = requests.post(
        f"{live}/_sandbox/faults",
        timeout=5,
        json={"api": "vidaxl", "method": "POST", "drop": True, "times": 1},
    ).json()
    with pytest.raises(requests.exceptions.ConnectionError, match="without response"):
        requests.post(f"{live}/api_customer/orders", json=VIDAXL_ORDER, auth=VIDAXL_DEMO, timeout=5)
    assert len(requests.get(orders, auth=VIDAXL_DEMO, timeout=5).json()) == before
    again = requests.post(f"{live}/api_customer/orders", json=VIDAXL_ORDER, auth=VIDAXL_DEMO, timeout=5)
    assert again.status_code == 200
    listed = requests.get(f"{live}/_sandbox/faults", timeout=5).json()["faults"]
    assert [(r["id"], r["fired"], r["remaining"]) for r in listed] == [(rule["id"], 1, 0)]
