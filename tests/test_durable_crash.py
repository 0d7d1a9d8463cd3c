"""A durable sandbox killed (`kill -9`) at a random moment under load: restarted on the same
database, it has every change that got a 2xx answer, and nothing half-written. Over a real process,
with creates on both APIs, events, clock moves and tenants coming from several clients at once."""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.process import ServerProcess
from sandbox.store import SNAPSHOT_CHANGES
from tests.helpers import FIXJE_ADDRESS, VIDAXL_DEMO, bearer, login_form, vidaxl_order_body

pytestmark = [pytest.mark.live, pytest.mark.slow]


def fixje_token(url: str) -> str:
    """A bearer token of Fixje's demo partner from the sandbox at `url`."""
    login = requests.post(f"{url}/api/v1/login", data=login_form(), timeout=5)
    token: str = login.json()["access_token"]
    return token


class Load:
    """Clients changing the sandbox at `url` until it dies; what was acknowledged (a 2xx)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.fixje: list[str] = []
        self.shipped: list[str] = []
        self.vidaxl: list[int] = []
        self.tenants: list[tuple[str, str]] = []
        session = requests.Session()
        self.token = fixje_token(url)
        auth = bearer(self.token)
        methods = session.get(f"{url}/api/v1/shipping-methods", headers=auth, timeout=5).json()["data"]
        storefront = session.get(f"{url}/api/v1/storefronts", headers=auth, timeout=5).json()["data"][0]
        product = session.get(f"{url}/api/v1/products", headers=auth, timeout=5).json()["data"][0]
        self.fixje_body = {
            "shippingMethodId": next(m for m in methods if "NL" in m["countries"])["shippingMethodId"],
            "storeFrontId": storefront["storeFrontId"],
            "shippingAddress": FIXJE_ADDRESS,
            "orderItems": [{"sku": product["sku"], "quantity": 1}],
        }

    def run(self, work: Any) -> threading.Thread:
        def loop() -> None:
            session = requests.Session()
            try:
                while True:
                    work(session)
            except requests.RequestException:
                return  # the server died

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        return thread

    def fixje_orders(self, session: requests.Session) -> None:
        auth = bearer(self.token)
        placed = session.post(f"{self.url}/api/v1/orders", json=self.fixje_body, headers=auth, timeout=5)
        if placed.status_code == 200:
            order_id = placed.json()["orderId"]
            self.fixje.append(order_id)
            if len(self.fixje) % 3 == 0:
                event = {"event": "ship"}
                moved = session.post(
                    f"{self.url}/_sandbox/fixje/orders/{order_id}/events", json=event, timeout=5
                )
                if moved.status_code == 200:
                    self.shipped.append(order_id)

    def vidaxl_orders(self, session: requests.Session) -> None:
        body = vidaxl_order_body(("146400", 1))
        placed = session.post(f"{self.url}/api_customer/orders.json", json=body, auth=VIDAXL_DEMO, timeout=5)
        if placed.status_code == 200:
            self.vidaxl.append(placed.json()["order"]["id"])

    def control(self, session: requests.Session) -> None:
        session.post(f"{self.url}/_sandbox/clock", json={"advance": "PT1S"}, timeout=5)
        tenant = session.post(f"{self.url}/_sandbox/tenants", json={"api": "vidaxl"}, timeout=5)
        if tenant.status_code == 201:
            self.tenants.append((tenant.json()["email"], tenant.json()["token"]))


def whole_timeline(order: dict[str, Any]) -> bool:
    """Each change of the order's history starts where the one before ended, and the last is its
    status now."""
    history = order["history"]
    statuses = [change["status"] for change in history]
    previous = [change["previous"] for change in history]
    return history[0]["event"] == "place" and previous[1:] == statuses[:-1]


def load_until_stopped(data: Path, seconds: float, stop: signal.Signals, into: Load | None = None) -> Load:
    """Clients changing a sandbox on `data` for `seconds`, then the server stopped by `stop`
    (SIGTERM: a clean stop, which writes a snapshot; SIGKILL: a crash); what was acknowledged,
    added to `into`'s."""
    server = ServerProcess.sandbox("--data", str(data)).start()
    try:
        load = Load(server.url)
        if into is not None:
            load.fixje, load.shipped, load.vidaxl, load.tenants = (
                into.fixje,
                into.shipped,
                into.vidaxl,
                into.tenants,
            )
        workers = [load.run(load.fixje_orders), load.run(load.vidaxl_orders), load.run(load.control)]
        time.sleep(seconds)
        server.send_signal(stop)
        server.wait(20)
        for worker in workers:
            worker.join(10)
    finally:
        server.stop()
    return load


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_acknowledged_change_survives_kill_9(tmp_path: Path, seed: int) -> None:
    """A first run stopped cleanly (its snapshot written), a second killed at a random moment:
    the restart begins from the snapshot and replays what came after it."""
    data = tmp_path / "sandbox.db"
    first = load_until_stopped(data, 0.5, signal.SIGTERM)
    assert sqlite3.connect(data).execute("SELECT count(*) FROM snapshot").fetchone() == (1,)
    load = load_until_stopped(data, random.Random(seed).uniform(0.5, 2.0), signal.SIGKILL, into=first)
    assert load.fixje and load.vidaxl and load.tenants, "the load made too little to check"

    with ServerProcess.sandbox("--data", str(data)) as again:
        url, auth = again.url, bearer(fixje_token(again.url))
        for order_id in load.fixje:
            found = requests.get(f"{url}/api/v1/orders/{order_id}", headers=auth, timeout=5)
            assert found.status_code == 200, (order_id, found.text)
        for order_id in load.shipped:
            found = requests.get(f"{url}/api/v1/orders/{order_id}", headers=auth, timeout=5).json()
            assert found["orderStatus"] in ("Shipped", "Delivered"), found
        for number in load.vidaxl:
            found = requests.get(f"{url}/api_customer/orders?id_eq={number}", auth=VIDAXL_DEMO, timeout=5)
            assert [item["order"]["id"] for item in found.json()] == [number]
        for email, token in load.tenants:
            orders = requests.get(f"{url}/api_customer/orders.json", auth=(email, token), timeout=5)
            assert orders.status_code == 200, (email, orders.text)

        state = requests.get(f"{url}/_sandbox/state", timeout=30).json()
        fixje, vidaxl = state["fixje"], state["vidaxl"]
        assert all(whole_timeline(order) for order in fixje["orders"] + vidaxl["orders"])
        reserved: Counter[str] = Counter()
        for order in fixje["orders"]:
            for line in order["lines"]:
                reserved[line["stock_id"]] += line["reserved"]
        assert {stock: held[1] for stock, held in fixje["stock"].items() if held[1]} == {
            stock: count for stock, count in reserved.items() if count
        }
        # the sandbox's own import checks the rest (each vidaXL product's stock covers its lines)
        restored = requests.put(f"{url}/_sandbox/state", json=state, timeout=30)
        assert restored.status_code == 200, restored.text


def test_a_serving_sandbox_writes_snapshots_in_the_background(tmp_path: Path) -> None:
    """After SNAPSHOT_CHANGES changes a serving sandbox writes a snapshot from a child process;
    killed then, it starts from that snapshot and replays what came after."""
    data = tmp_path / "sandbox.db"
    acknowledged = 0
    lock = threading.Lock()
    with ServerProcess.sandbox("--data", str(data), "--freeze") as server:

        def advance() -> None:
            nonlocal acknowledged
            session = requests.Session()
            while acknowledged < SNAPSHOT_CHANGES + 200:
                made = session.post(f"{server.url}/_sandbox/tenants", json={"api": "vidaxl"}, timeout=5)
                assert made.status_code == 201
                with lock:
                    acknowledged += 1

        workers = [threading.Thread(target=advance) for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        deadline = time.monotonic() + 20
        held = None
        while time.monotonic() < deadline:
            held = sqlite3.connect(data).execute("SELECT seq FROM snapshot").fetchone()
            if held is not None:
                break
            time.sleep(0.2)
        assert held is not None and held[0] >= SNAPSHOT_CHANGES
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    with ServerProcess.sandbox("--data", str(data), "--freeze") as again:
        customers = requests.get(f"{again.url}/_sandbox/state", timeout=30).json()["vidaxl"]["customers"]
        made = requests.post(f"{again.url}/_sandbox/tenants", json={"api": "vidaxl"}, timeout=5).json()
    assert len(customers) == 3 + acknowledged  # the seeded three, and each tenant once
    assert made["email"].startswith(f"tenant-{acknowledged + 1}-")


def test_ctrl_c_stops_a_durable_sandbox_cleanly(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT): the stop writes the snapshot and exits without a traceback."""
    data = tmp_path / "sandbox.db"
    server = ServerProcess.sandbox("--data", str(data)).start()
    try:
        made = requests.post(f"{server.url}/_sandbox/tenants", json={"api": "vidaxl"}, timeout=5)
        assert made.status_code == 201
        server.send_signal(signal.SIGINT)
        assert server.wait(20) == 0
    finally:
        server.stop()
    assert "Traceback" not in server.output()
    assert sqlite3.connect(data).execute("SELECT seq FROM snapshot").fetchone() == (1,)
