"""The control API: the virtual clock, and who may use the control API at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from sandbox.control.api import duration
from sandbox.errors import BadRequest
from tests.conftest import login, make_app


def test_the_clock_reads_and_moves(client: TestClient) -> None:
    assert client.get("/_sandbox/clock").json() == {"now": "2026-11-02T09:00:00Z", "frozen": True}
    moved = client.post("/_sandbox/clock", json={"advance": "P1DT2H30M"})
    assert moved.json() == {"now": "2026-11-03T11:30:00Z", "frozen": True}
    assert client.post("/_sandbox/clock", json={"set": "2027-01-01T00:00:00+01:00"}).json()["now"] \
        == "2026-12-31T23:00:00Z"


def test_the_clock_drives_what_the_apis_show(client: TestClient) -> None:
    token = login(client)
    client.post("/_sandbox/clock", json={"advance": "PT3599S"})
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.post("/_sandbox/clock", json={"advance": "PT1S"})
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    demo = ("demo@vidaxl.sandbox", "vidaxl-demo-token")
    assert client.get("/api_customer/orders.json", auth=demo).json() != []
    client.post("/_sandbox/clock", json={"advance": "P2D"})
    assert client.get("/api_customer/orders.json", auth=demo).json() == []


def test_freeze_and_resume() -> None:
    with TestClient(make_app(freeze=False)) as client:
        frozen = client.post("/_sandbox/clock", json={"frozen": True}).json()
        assert frozen["frozen"] is True
        assert client.get("/_sandbox/clock").json() == frozen
        running = client.post("/_sandbox/clock", json={"frozen": False}).json()
        assert running["frozen"] is False
        assert running["now"] >= frozen["now"]


@pytest.mark.parametrize(
    ("text", "delta"),
    [("PT2H", timedelta(hours=2)), ("P1D", timedelta(days=1)), ("P1W", timedelta(weeks=1)),
     ("P1DT12H30M", timedelta(days=1, hours=12, minutes=30)), ("PT45S", timedelta(seconds=45)),
     ("P2W3D", timedelta(weeks=2, days=3))],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert duration(text) == delta


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "2H", "P1M2", "PT1.5H", "-PT1H"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(BadRequest):
        duration(text)


@pytest.mark.parametrize("body", [{}, {"advance": "2 hours"}, {"set": "tomorrow"}, {"frozen": "yes"}])
def test_bad_clock_changes(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/_sandbox/clock", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"
    assert client.get("/_sandbox/clock").json()["now"] == "2026-11-02T09:00:00Z"


def test_off_loopback_without_a_token_the_control_api_is_closed() -> None:
    with TestClient(make_app(host="0.0.0.0")) as client:
        assert client.get("/_sandbox/health").status_code == 200
        refused = client.get("/_sandbox/clock")
        assert refused.status_code == 403
        assert "--admin-token" in refused.json()["message"]
        assert client.post("/_sandbox/clock", json={"advance": "P1D"}).status_code == 403


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1"])
def test_an_admin_token_is_required_once_set(host: str) -> None:
    with TestClient(make_app(host=host, admin_token="s3cret")) as client:
        assert client.get("/_sandbox/health").status_code == 200
        missing = client.get("/_sandbox/clock")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == 'Bearer realm="sandbox"'
        assert client.get("/_sandbox/clock", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/_sandbox/clock", headers={"Authorization": "Bearer s3cret"}).status_code == 200
