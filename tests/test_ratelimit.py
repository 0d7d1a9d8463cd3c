"""Rate limits per credential: off by default, on with --rate-limits or in the fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from sandbox.errors import TooManyRequests
from sandbox.ratelimit import RateLimiter
from sandbox.resources import default_fixtures
from tests.helpers import FIXJE_OTHER, VIDAXL_DEMO, VIDAXL_OTHER, bearer, login, make_app


def test_a_sliding_window_per_key() -> None:
    now = [100.0]
    limiter = RateLimiter(2, 1.0, monotonic=lambda: now[0])
    assert limiter.check("a") == {
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "1",
        "X-RateLimit-Reset": "1",
    }
    assert limiter.check("a")["X-RateLimit-Remaining"] == "0"
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("a")
    assert refused.value.headers == {
        "Retry-After": "1",
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "1",
    }
    assert limiter.check("b")["X-RateLimit-Remaining"] == "1"  # per key
    now[0] += 1.0
    assert limiter.check("a")["X-RateLimit-Remaining"] == "1"  # the window moved on


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    """A sandbox whose limits are per minute, so that a slow machine cannot pass them by."""
    data = yaml.safe_load(default_fixtures().read_text(encoding="utf-8"))
    data["rate_limits"] = {"fixje": {"requests": 3, "per": "PT1M"}, "vidaxl": {"requests": 1, "per": "PT1M"}}
    path = tmp_path / "fixtures.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with TestClient(make_app(fixtures=path, rate_limits=True), raise_server_exceptions=False) as client:
        yield client


def test_vidaxl_answers_429_with_the_rate_headers(limited: TestClient) -> None:
    first = limited.get("/api_customer/products.json?limit=1", auth=VIDAXL_DEMO)
    assert first.status_code == 200
    assert (first.headers["x-ratelimit-limit"], first.headers["x-ratelimit-remaining"]) == ("1", "0")
    second = limited.get("/api_customer/orders.json", auth=VIDAXL_DEMO)
    assert second.status_code == 429
    assert second.json()["error"].startswith("Rate limit of 1 request(s) per 60 s exceeded")
    assert int(second.headers["retry-after"]) > 0
    assert second.headers["x-ratelimit-remaining"] == "0"
    assert limited.get("/api_customer/orders.json", auth=VIDAXL_OTHER).status_code == 200  # per customer
    refused = limited.post("/api_customer/orders.json", auth=VIDAXL_DEMO, json={"order_products": []})
    assert refused.status_code == 429  # refused before the body is read: nothing is stored


def test_fixje_answers_429_in_problem_details(limited: TestClient) -> None:
    headers = {"Authorization": f"Bearer {login(limited)}"}
    remaining = [
        limited.get("/api/v1/storefronts", headers=headers).headers["x-ratelimit-remaining"] for _ in range(3)
    ]
    assert remaining == ["2", "1", "0"]
    refused = limited.get("/api/v1/orders", headers=headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json; charset=utf-8"
    assert refused.json()["type"] == "https://tools.ietf.org/html/rfc6585#section-4"
    assert refused.json()["status"] == 429
    other = bearer(login(limited, FIXJE_OTHER))
    assert limited.get("/api/v1/orders", headers=other).status_code == 200


def test_off_by_default(client: TestClient) -> None:
    answers = [client.get("/api_customer/orders.json", auth=VIDAXL_DEMO) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert "x-ratelimit-limit" not in answers[0].headers


def test_switched_on_and_off_at_run_time(client: TestClient) -> None:
    assert client.get("/_sandbox/rate-limits").json() == {
        "enabled": False,
        "fixje": {"requests": 10, "per": "PT1S"},
        "vidaxl": {"requests": 1, "per": "PT1S"},
    }
    changed = client.put(
        "/_sandbox/rate-limits", json={"enabled": True, "vidaxl": {"requests": 1, "per": "PT1M"}}
    )
    assert changed.json() == {
        "enabled": True,
        "fixje": {"requests": 10, "per": "PT1S"},
        "vidaxl": {"requests": 1, "per": "PT1M"},
    }
    assert client.get("/api_customer/products.json?limit=1", auth=VIDAXL_DEMO).status_code == 200
    refused = client.get("/api_customer/products.json?limit=1", auth=VIDAXL_DEMO)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert client.get("/api_customer/products.json?limit=1", auth=VIDAXL_OTHER).status_code == 200
    assert client.put("/_sandbox/rate-limits", json={"enabled": False}).json()["enabled"] is False
    assert client.get("/api_customer/products.json?limit=1", auth=VIDAXL_DEMO).status_code == 200
    client.put("/_sandbox/rate-limits", json={"enabled": True, "fixje": {"requests": 5, "per": "P1D"}})
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/rate-limits").json()["enabled"] is False
    assert client.get("/_sandbox/rate-limits").json()["fixje"] == {"requests": 10, "per": "PT1S"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "$", "The body must have at least 1 field(s)."),
        (
            {"fixje": {"requests": 0, "per": "PT1S"}},
            "fixje.requests",
            "The field requests must be at least 1.",
        ),
        (
            {"fixje": {"requests": 1, "per": "PT0S"}},
            "fixje.per",
            'The value "PT0S" is not valid for per. An ISO 8601 duration longer than zero',
        ),
        ({"vidaxl": {"requests": 1, "per": "1s"}}, "vidaxl.per", 'The value "1s" is not valid for per.'),
        (
            {"vidaxl": {"requests": 1, "per": "P212505725339219D"}},
            "vidaxl.per",
            'The value "P212505725339219D" is not valid for per.',
        ),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(
    client: TestClient, body: dict[str, object], field: str, message: str
) -> None:
    before = client.get("/_sandbox/rate-limits").json()
    response = client.put("/_sandbox/rate-limits", json=body)
    assert response.status_code == 400
    assert any(message in text for text in response.json()["errors"][field]), response.json()
    assert client.get("/_sandbox/rate-limits").json() == before
