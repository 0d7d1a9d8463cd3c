"""The dashboard in Chromium: orders appear live, events from the buttons (two parcels), the
timeline agrees with the API, the schedule moves an order when the clock button is pressed, and
every page (the dashboard's and the API docs') fits 1280x720 and a phone. Each test works in a
tenant of its own."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.helpers import BERLIN, FIRST_PRODUCT, FIXJE_ADDRESS, login_form, screenshot, vidaxl_order_to
from tests.live import serve

try:
    from playwright.sync_api import Browser, Dialog, Page, expect
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("the Python package playwright is missing: pip install -e '.[test]'", allow_module_level=True)

UI = "/_sandbox/ui"
ORDER = vidaxl_order_to(BERLIN, (FIRST_PRODUCT, 2), ("459398", 1), customer_order_reference="DEMO-2026-001")


def tenant(live_url: str) -> tuple[str, str]:
    """A fresh vidaXL customer: (e-mail, token)."""
    made = requests.post(
        f"{live_url}/_sandbox/tenants", json={"api": "vidaxl", "name": "Browser test"}, timeout=10
    )
    assert made.status_code == 201, made.text
    return made.json()["email"], made.json()["token"]


def place(live_url: str, auth: tuple[str, str], **changes: Any) -> int:
    created = requests.post(
        f"{live_url}/api_customer/orders.json", json={**ORDER, **changes}, auth=auth, timeout=10
    )
    assert created.status_code == 200, created.text
    order_id: int = created.json()["order"]["id"]
    return order_id


def listed(live_url: str, auth: tuple[str, str], order_id: int) -> dict[str, Any]:
    """The order as the vidaXL order list returns it."""
    answer = requests.get(f"{live_url}/api_customer/orders.json?id_eq={order_id}", auth=auth, timeout=10)
    assert answer.status_code == 200, answer.text
    order: dict[str, Any] = answer.json()[0]["order"]
    return order


def rails_time(text: str) -> str:
    """The dashboard's `2026-11-02T09:00:00Z` as vidaXL writes it: `2026-11-02T09:00:00.000Z`."""
    instant = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def steps(page: Page) -> list[dict[str, str]]:
    """The order page's timeline: each step's time, event, cause and status."""
    found: list[dict[str, str]] = page.locator("ol.timeline li").evaluate_all(
        "items => items.map(li => ({at: li.dataset.at, event: li.dataset.event, cause: li.dataset.cause,"
        " status: li.dataset.status}))"
    )
    return found


def live(page: Page, path: str) -> None:
    """Open a dashboard page and wait for its live feed; mark the page to tell a reload apart."""
    page.goto(path)
    expect(page.locator("body[data-stream='open']")).to_have_count(1)
    page.evaluate("window.notReloaded = true")


def not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.notReloaded === true"))


def problems(errors: list[str]) -> list[str]:
    """What went wrong, less the requests a navigation or a closed page cut off while in flight.

    Those fail as net::ERR_ABORTED: the event stream always, and a stylesheet when the test moves on
    before the page has finished loading. A 404 or 500 is no request failure at all (the response
    came), so what remains here is a refused, reset or blocked request.
    """
    return [e for e in errors if "net::ERR_ABORTED" not in e]


def test_a_new_order_appears_in_the_orders_table_and_the_live_feed(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    email, token = tenant(live_url)
    live(page, f"{UI}/orders?api=vidaxl&account={email}")
    expect(page.locator("#orders-table tbody")).to_contain_text("No orders")
    feed = page.context.new_page()
    live(feed, f"{UI}/live")

    order_id = place(live_url, (email, token))

    row = page.locator(f"#orders-table tr[data-order-id='{order_id}']")
    expect(row).to_contain_text("DEMO-2026-001")
    expect(row.locator(".badge")).to_have_text("Temporary")
    expect(page.locator("#orders-table [data-total]")).to_have_attribute("data-total", "1")
    change = feed.locator(f"#changes li[data-order-id='{order_id}'][data-event='place']")
    expect(change).to_contain_text("DEMO-2026-001")
    expect(change.locator(".cause")).to_have_text("API call")
    request = feed.locator("#requests li").filter(has_text=email).first
    expect(request).to_contain_text("POST /api_customer/orders.json")
    expect(request.locator(".code")).to_have_text("200")
    assert not_reloaded(page) and not_reloaded(feed)
    screenshot(page, "dashboard-orders")
    screenshot(feed, "dashboard-live")
    feed.close()
    assert problems(console_errors) == []


def clock(live_url: str, **change: Any) -> str:
    """Read the clock, or change it (`advance=`, `set=`): its time."""
    if change:
        answer = requests.post(f"{live_url}/_sandbox/clock", json=change, timeout=10)
    else:
        answer = requests.get(f"{live_url}/_sandbox/clock", timeout=10)
    assert answer.status_code == 200, answer.text
    now: str = answer.json()["now"]
    return now


def test_pay_and_ship_in_two_parcels_from_the_buttons(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    auth = tenant(live_url)
    order_id = place(live_url, auth)
    live(page, f"{UI}/vidaxl/orders/{order_id}")
    status = page.locator("[data-order-status]")
    expect(status).to_have_text("Temporary")

    page.get_by_role("button", name="pay", exact=True).click()
    expect(status).to_have_text("Submitted")
    page.get_by_role("button", name="prepare", exact=True).click()
    expect(status).to_have_text("Being Prepared")
    start = clock(live_url)
    try:
        clock(live_url, advance="PT2H")  # the schedule ships a prepared order after 22 h: not yet
        page.get_by_role("button", name="ship", exact=True).click()
        form = page.locator("form[data-ship-form]")
        expect(form).to_be_visible()
        form.get_by_label("Parcels").fill("2")
        form.get_by_label("Tracking numbers").fill("JVGL4000000001\nJVGL4000000002")
        form.get_by_label("Carrier").select_option("DHL")
        form.get_by_role("button", name="Ship", exact=True).click()
        expect(status).to_have_text("Sent")
    finally:
        clock(live_url, set=start)  # the other browser tests expect the clock at its start
    expect(page.locator("#shipments li")).to_have_count(2)
    expect(page.locator("#shipments")).to_contain_text("JVGL4000000001")
    expect(page.locator("#shipments")).to_contain_text("JVGL4000000002")
    assert not_reloaded(page)

    timeline = steps(page)
    assert [(s["event"], s["cause"], s["status"]) for s in timeline] == [
        ("place", "api", "Temporary"),
        ("pay", "dashboard", "Submitted"),
        ("prepare", "dashboard", "Being Prepared"),
        ("ship", "dashboard", "Sent"),
    ]
    api = listed(live_url, auth, order_id)
    assert (api["status_order_id"], api["status_order_name"]) == (5, "Sent")
    assert api["shipping_tracking"] == "JVGL4000000001,JVGL4000000002"
    times = [rails_time(s["at"]) for s in timeline]
    assert (times[0], times[1], times[3]) == (api["created_at"], api["payment_date"], api["sent_date"])
    assert times[3] == api["updated_at"] != times[2]
    # the page shows the API's own answer
    shown = json.loads(page.locator("[data-answer='JSON'] pre").inner_text())
    assert shown[0]["order"] == api

    page.evaluate("document.getElementById('toast').hidden = true")
    screenshot(page, "dashboard-order")  # the README's docs/order-page.png is a copy of it
    page.get_by_role("tab", name="CSV").click()
    expect(page.locator("[data-answer='CSV'] pre")).to_contain_text("JVGL4000000001,JVGL4000000002")
    assert problems(console_errors) == []


def test_cancel_and_a_scenario_ask_first_and_the_ship_form_closes(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    auth = tenant(live_url)
    order_id = place(live_url, auth)
    live(page, f"{UI}/vidaxl/orders/{order_id}")
    status = page.locator("[data-order-status]")
    page.get_by_role("button", name="pay", exact=True).click()
    expect(status).to_have_text("Submitted")

    page.get_by_role("button", name="ship", exact=True).click()
    form = page.locator("form[data-ship-form]")
    expect(form).to_be_visible()
    form.get_by_role("button", name="Close", exact=True).click()  # not "Cancel", which is an event
    expect(form).to_be_hidden()

    asked: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="cancel", exact=True).click()
    expect(status).to_have_text("Submitted")
    assert asked == ["Cancel order DEMO-2026-001? It cannot be undone."]
    assert listed(live_url, auth, order_id)["status_order_name"] == "Submitted"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="cancel", exact=True).click()
    expect(status).to_have_text("Cancelled")
    assert listed(live_url, auth, order_id)["status_order_name"] == "Cancelled"

    live(page, UI)
    page.once("dialog", dismiss)
    page.locator("[data-scenario-name]").select_option("two-parcels")
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator("[data-scenario-result]")).to_be_empty()
    assert asked[1] == (
        "Play the scenario two-parcels? It resets the sandbox first: every order, event, tenant and "
        "token made since is lost."
    )
    assert listed(live_url, auth, order_id)["status_order_name"] == "Cancelled"  # nothing was reset
    assert problems(console_errors) == []


def test_a_scenario_is_described_before_and_its_orders_named_after(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    described = {
        s["name"]: s["description"] for s in requests.get(f"{live_url}/_sandbox/scenarios", timeout=10).json()
    }
    live(page, UI)
    shown = page.locator("[data-scenario-description]")
    page.locator("[data-scenario-name]").select_option("two-parcels")
    expect(shown).to_have_text(described["two-parcels"])
    page.locator("[data-scenario-name]").select_option("backorder")
    expect(shown).to_have_text(described["backorder"])

    try:
        page.locator("[data-scenario-name]").select_option("two-parcels")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Play", exact=True).click()
        result = page.locator("[data-scenario-result] li")
        expect(result).to_have_count(2)
        orders = {
            made["reference"]: made
            for made in (
                {"reference": "SCN-PARCELS", "api": "vidaxl", "status": "Sent", "name": "vidaxl"},
                {"reference": "SCN-DELIVERED", "api": "fixje", "status": "Delivered", "name": "fixje"},
            )
        }
        texts = result.all_inner_texts()
        for reference, made in orders.items():
            line = next(text for text in texts if text.startswith(reference))
            assert line.startswith(f"{reference} ({made['name']}: {made['api']} order ")
            assert line.endswith(f", {made['status']})")
        link = page.get_by_role("link", name="SCN-PARCELS", exact=True)
        link.click()
        expect(page.locator("[data-order-status]")).to_have_text("Sent")
        live(page, UI)  # back on the overview: the result is still there
        expect(page.locator("[data-scenario-result] li")).to_have_count(2)
        expect(page.get_by_role("link", name="SCN-DELIVERED", exact=True)).to_be_visible()
    finally:
        requests.post(f"{live_url}/_sandbox/reset", timeout=10)  # the others expect the clock at its start
    assert problems(console_errors) == []


def test_an_event_refused_as_the_order_moved_on_shows_the_order_as_it_is(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    auth = tenant(live_url)
    order_id = place(live_url, auth)
    event = f"{live_url}/_sandbox/vidaxl/orders/{order_id}/events"
    assert requests.post(event, json={"event": "pay"}, timeout=10).status_code == 200
    live(page, f"{UI}/vidaxl/orders/{order_id}")
    status = page.locator("[data-order-status]")
    expect(status).to_have_text("Submitted")
    page.get_by_role("button", name="ship", exact=True).click()
    form = page.locator("form[data-ship-form]")
    expect(form).to_be_visible()  # the page holds still while the form is open
    assert requests.post(event, json={"event": "cancel"}, timeout=10).status_code == 200
    expect(status).to_have_text("Submitted")
    form.get_by_role("button", name="Ship", exact=True).click()
    expect(page.locator("#toast")).to_contain_text("The event 'ship' is not allowed in status 'Cancelled'")
    expect(form).to_be_hidden()
    expect(status).to_have_text("Cancelled")
    expect(page.get_by_role("button", name="ship", exact=True)).to_have_count(0)
    # the one error: the browser's own line for the refused request
    assert problems(console_errors) == [
        "console: Failed to load resource: the server responded with a status of 409 (Conflict)"
    ]


def test_a_banner_says_when_the_sandbox_stops_answering(browser: Browser) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        with serve("--freeze") as server:
            page.goto(f"{server.url}{UI}")
            expect(page.locator("body[data-stream='open']")).to_have_count(1)
            banner = page.locator("#stream-lost")
            expect(banner).to_be_hidden()
        expect(banner).to_be_visible()
        expect(banner).to_have_text(re.compile(r"^The sandbox stopped answering"))
    finally:
        context.close()


def test_the_account_tabs_count_a_new_order_of_another_account(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    first, second = tenant(live_url), tenant(live_url)
    live(page, f"{UI}/orders?api=vidaxl&account={first[0]}")
    tab = page.locator(f"#account-tabs a[href*='{second[0].split('@')[0]}'] .count")
    expect(tab).to_have_text("0")
    place(live_url, second)
    expect(tab).to_have_text("1")  # without reloading
    assert not_reloaded(page)
    assert problems(console_errors) == []


def test_copy_buttons_a_ready_curl_line_and_the_csv_as_a_table(
    browser: Browser, live_url: str, console_errors: list[str]
) -> None:
    auth = tenant(live_url)
    order_id = place(live_url, auth)
    context = browser.new_context(base_url=live_url, permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(f"{UI}/vidaxl/orders/{order_id}")

        def copied(label: str) -> str:
            page.get_by_role("button", name=label, exact=True).click()
            expect(page.locator("#toast")).to_have_text("Copied.")
            text: str = page.evaluate("navigator.clipboard.readText()")
            return text

        page.goto(UI)
        assert copied("Copy the address of the Fixje Partner Web API") == f"{live_url}/api/v1"
        assert copied("Copy the secret of fixje-demo-client") == "fixje-demo-secret"
        assert copied(f"Copy {auth[0]}") == auth[0]
        page.goto(f"{UI}/vidaxl/orders/{order_id}")
        assert copied("Copy the order id") == str(order_id)
        curl = copied("Copy the curl command")
        credentials = shlex.quote(f"{auth[0]}:{auth[1]}")
        assert (
            curl == f"curl -s -u {credentials} '{live_url}/api_customer/orders.json?id_eq={order_id}'; echo"
        )
        fetched = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30, check=True)
        assert json.loads(fetched.stdout) == [{"order": listed(live_url, auth, order_id)}]
        assert json.loads(copied("Copy the JSON")) == json.loads(fetched.stdout)

        page.get_by_role("tab", name="CSV").click()
        csv_text = requests.get(
            f"{live_url}/api_customer/orders.csv?id_eq={order_id}", auth=auth, timeout=10
        ).text
        assert copied("Copy the CSV") == csv_text.replace("\r\n", "\n")  # a page's text has no CR
        header = csv_text.splitlines()[0].split(",")
        expect(page.locator("table.csv thead th")).to_have_text(header)
        expect(page.locator("table.csv tbody tr")).to_have_count(len(csv_text.splitlines()) - 1)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download").click()
        assert download.value.suggested_filename == f"order-{order_id}.csv"
        assert Path(download.value.path()).read_bytes().decode("utf-8") == csv_text  # CRLF kept

        # Fixje's line signs in first, then fetches the order
        fixje = requests.get(f"{live_url}/_sandbox/state", timeout=10).json()["fixje"]["orders"][0]["id"]
        page.goto(f"{UI}/fixje/orders/{fixje}")
        curl = copied("Copy the curl command")
        assert curl.startswith(
            f"TOKEN=$(curl -s {live_url}/api/v1/login -d grant_type=client_credentials -d "
        )
        fetched = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=30, check=True)
        assert json.loads(fetched.stdout)["orderId"] == fixje
    finally:
        context.close()


def test_the_top_bar_finds_an_order_by_its_reference(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    auth = tenant(live_url)
    order_id = place(live_url, auth, customer_order_reference="FIND-ME-4711")
    live(page, f"{UI}/live")
    page.get_by_label("Search orders").fill("find-me-4711")
    page.get_by_label("Search orders").press("Enter")
    expect(page).to_have_url(f"{live_url}{UI}/vidaxl/orders/{order_id}")
    expect(page.locator("h1")).to_contain_text("FIND-ME-4711")
    assert problems(console_errors) == []


def test_a_fixje_order_shows_its_creation_warnings_and_backordered_lines(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    made = requests.post(f"{live_url}/_sandbox/tenants", json={"api": "fixje"}, timeout=10).json()
    login = login_form((made["clientId"], made["clientSecret"]))
    token = requests.post(f"{live_url}/api/v1/login", data=login, timeout=10).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    api = f"{live_url}/api/v1"
    method = next(
        m
        for m in requests.get(f"{api}/shipping-methods", headers=headers, timeout=10).json()["data"]
        if "NL" in m["countries"]
    )
    product = requests.get(f"{api}/products?pageSize=1", headers=headers, timeout=10).json()["data"][0]
    wanted = sum(stock["quantity"] for stock in product["stocks"]) + 3  # more than any warehouse has
    body = {
        "reference": "PO-WARNED",
        "shippingMethodId": method["shippingMethodId"],
        "storeFrontId": made["storeFrontIds"][0],
        "shippingAddress": FIXJE_ADDRESS,
        "orderItems": [{"sku": product["sku"], "quantity": wanted, "price": 0.01}],
    }
    created = requests.post(f"{api}/orders", json=body, headers=headers, timeout=10).json()
    assert len(created["creationWarnings"]) == 2, created  # the price, then the backorder

    live(page, f"{UI}/fixje/orders/{created['orderId']}")
    warnings = page.get_by_role("region", name="Warnings when it was placed").locator("li")
    expect(warnings).to_have_text(created["creationWarnings"])
    backordered = page.locator("#items tbody tr td").last
    expect(backordered).to_have_text(re.compile(r"^[1-9]\d* backordered$"))
    expect(page.locator("#items thead th").last).to_have_text("Backorder")
    assert problems(console_errors) == []


def test_fault_rules_and_rate_limits_from_the_overview(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    email, token = tenant(live_url)
    live(page, UI)
    form = page.locator("form[data-fault-form]")
    form.locator("select[name=target]").select_option(
        label="POST /api_customer/orders.json (createOrderJson)"
    )
    form.get_by_label("Tenant", exact=True).fill(email)
    form.locator("select[name=effect]").select_option(label="answer 503")
    form.get_by_label("Next N requests").fill("1")
    form.get_by_role("button", name="Add the rule").click()
    row = page.locator("table.faults tbody tr")
    expect(row).to_have_count(1)
    rules = requests.get(f"{live_url}/_sandbox/faults", timeout=10).json()["faults"]
    assert [
        {k: r[k] for k in ("api", "method", "path", "credential", "status", "times", "source")} for r in rules
    ] == [
        {
            "api": "vidaxl",
            "method": "POST",
            "path": "/api_customer/orders.json",
            "credential": email,
            "status": 503,
            "times": 1,
            "source": "api",
        }
    ]
    rule = rules[0]["id"]
    expect(row).to_contain_text(f"{rule} (api)vidaxl POST /api_customer/orders.json {email}answers 5030")
    failed = requests.post(
        f"{live_url}/api_customer/orders.json", json=ORDER, auth=(email, token), timeout=10
    )
    assert failed.status_code == 503
    live(page, UI)
    expect(page.locator(f"tr[data-fault='{rule}'] td").nth(3)).to_have_text("1")  # fired once

    page.get_by_role("button", name=f"Remove {rule}").click()
    expect(page.locator("[data-faults]")).to_have_text("none")
    assert requests.get(f"{live_url}/_sandbox/faults", timeout=10).json()["faults"] == []

    form.locator("select[name=effect]").select_option(label="drop the connection")
    form.get_by_label("Tenant", exact=True).fill(email)
    form.get_by_label("Probability").fill("2")  # more than 1: the form itself refuses it
    form.get_by_role("button", name="Add the rule").click()
    assert form.get_by_label("Probability").evaluate("input => input.validity.rangeOverflow") is True
    assert requests.get(f"{live_url}/_sandbox/faults", timeout=10).json()["faults"] == []
    form.get_by_label("Probability").fill("0.5")
    form.get_by_role("button", name="Add the rule").click()
    expect(page.locator("table.faults tbody tr")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove every rule…").click()
    expect(page.locator("[data-faults]")).to_have_text("none")
    assert requests.get(f"{live_url}/_sandbox/faults", timeout=10).json()["faults"] == []

    # a rule added by a script shows without reloading
    added = requests.post(
        f"{live_url}/_sandbox/faults", json={"api": "fixje", "credential": email, "latencyMs": 1}, timeout=10
    )
    assert added.status_code == 201
    expect(page.locator(f"tr[data-fault='{added.json()['id']}']")).to_have_count(1)
    assert not_reloaded(page)
    requests.delete(f"{live_url}/_sandbox/faults", timeout=10)

    state = page.locator("[data-rate-limits-state]")
    expect(state).to_have_text("off")
    try:
        page.get_by_role("button", name="Switch").click()
        expect(state).to_have_text("on")
        assert requests.get(f"{live_url}/_sandbox/rate-limits", timeout=10).json()["enabled"] is True
        page.get_by_role("button", name="Switch").click()
        expect(state).to_have_text("off")
    finally:
        requests.put(f"{live_url}/_sandbox/rate-limits", json={"enabled": False}, timeout=10)
    assert requests.get(f"{live_url}/_sandbox/rate-limits", timeout=10).json()["enabled"] is False
    assert problems(console_errors) == []


def test_the_clock_button_lets_the_schedule_move_an_order(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    auth = tenant(live_url)
    order_id = place(live_url, auth, customer_order_reference="SCHEDULED-1")
    paid = requests.post(
        f"{live_url}/_sandbox/vidaxl/orders/{order_id}/events", json={"event": "pay"}, timeout=10
    )
    assert paid.json()["status"] == "Submitted"
    live(page, f"{UI}/vidaxl/orders/{order_id}")
    overview = page.context.new_page()
    live(overview, UI)
    start = clock(live_url)
    screenshot(overview, "dashboard-overview")

    # the default schedule: Submitted -> prepare after 2 h (for 5 % of orders: cancel after 1 h),
    # Being Prepared -> ship after 22 h more: a day later the order has left, one way or the other
    try:
        overview.get_by_role("button", name="+1 day").click()
        expect(overview.locator("[data-applied]")).to_contain_text("move(s)")
        status = page.locator("[data-order-status]")
        expect(status).to_have_text(re.compile(r"^(Sent|Cancelled)$"))
        expect(page.locator("header [data-clock]")).not_to_have_text(start)
        assert not_reloaded(page) and not_reloaded(overview)
        api = listed(live_url, auth, order_id)
    finally:
        clock(live_url, set=start)  # the other browser tests expect the clock at its start

    moved = [(s["event"], s["cause"], s["status"]) for s in steps(page)][2:]
    if api["status_order_name"] == "Sent":
        assert moved == [("prepare", "schedule", "Being Prepared"), ("ship", "schedule", "Sent")]
    else:
        assert moved == [("cancel", "schedule", "Cancelled")]
    assert status.inner_text() == api["status_order_name"]
    assert rails_time(steps(page)[-1]["at"]) == api["updated_at"]
    overview.close()
    assert problems(console_errors) == []


def test_the_coverage_page_counts_as_requests_come_and_starts_over(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    email, token = tenant(live_url)
    live(page, f"{UI}/coverage?tenant={email}")
    total = page.locator("#coverage-total .percent")
    operations = page.locator("#coverage-vidaxl tr[data-area='operations'] td[data-covered]")
    expect(total).to_have_text("0.0%")
    expect(operations).to_have_text("0")

    listed = requests.get(f"{live_url}/api_customer/orders.json", auth=(email, token), timeout=10)
    assert listed.status_code == 200
    expect(operations).to_have_text("1")  # the page follows without reloading
    hits = page.locator("#coverage-vidaxl-operations-hits")
    hits.locator("summary").click()
    expect(hits.locator("tr.item")).to_have_text(["listOrders 2001"])
    requests.get(f"{live_url}/api_customer/orders.json", auth=(email, token), timeout=10)
    expect(hits.locator("tr.item")).to_have_text(["listOrders 2002"])
    expect(hits).to_have_attribute("open", "")  # what the reader opened stays open
    assert not_reloaded(page)
    screenshot(page, "dashboard-coverage")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Start counting over…").click()
    expect(operations).to_have_text("0")
    assert requests.get(f"{live_url}/_sandbox/coverage", timeout=10).json()["covered"] == 0
    assert problems(console_errors) == []


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)])
def test_every_page_fits_the_window(browser: Browser, live_url: str, width: int, height: int) -> None:
    auth = tenant(live_url)
    order_id = place(live_url, auth)
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_url)
    try:
        page = context.new_page()
        for name, path in (
            ("overview", UI),
            ("orders", f"{UI}/orders?api=vidaxl&account={auth[0]}"),
            ("orders-fixje", f"{UI}/orders"),
            ("order", f"{UI}/vidaxl/orders/{order_id}"),
            ("live", f"{UI}/live"),
            ("coverage", f"{UI}/coverage"),
            ("search", f"{UI}/search?q=146400"),
            ("missing", f"{UI}/vidaxl/orders/999999999"),
            ("docs", "/docs"),
            ("docs-fixje", "/docs/fixje"),
            ("docs-vidaxl", "/docs/vidaxl"),
            ("docs-sandbox", "/docs/sandbox"),
        ):
            page.goto(path)
            if path.startswith("/docs/"):  # Swagger UI draws the operations after the page loads
                expect(page.locator(".opblock").first).to_be_visible()
            elif path != "/docs":  # the docs have no live feed
                expect(page.locator("body[data-stream='open']")).to_have_count(1)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow} px wider than a {width} px window"
            if width < 500:
                screenshot(page, f"dashboard-{name}-phone")
    finally:
        context.close()


def newest_request(live_url: str, path: str) -> dict[str, Any]:
    """The newest entry of the journal on `path`."""
    found = requests.get(f"{live_url}/_sandbox/requests", params={"path": path}, timeout=10).json()
    entry: dict[str, Any] = found["requests"][0]
    return entry


def test_a_request_on_the_live_page_opens_to_what_it_sent_and_got(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    email, token = tenant(live_url)
    live(page, f"{UI}/live")
    place(live_url, (email, token))
    item = page.locator(f"#requests > li[data-credential='{email}']")
    expect(item).to_have_count(1)
    expect(item.locator("summary")).to_contain_text("POST /api_customer/orders.json")
    item.locator("summary").click()
    detail = item.locator("[data-detail]")
    expect(detail.locator("tr[data-header='authorization'] td").nth(1)).to_have_text("Basic ***")
    expect(detail.locator("pre[data-body='request']")).to_have_text(
        json.dumps(ORDER, indent=2, ensure_ascii=False)
    )
    expect(detail.locator("[data-response-status]")).to_have_text("200")
    expect(detail.locator("pre[data-body='response']")).to_contain_text('{\n  "order": {\n    "id": ')
    expect(detail.locator("dl.facts")).to_contain_text("createOrderJson")
    assert token not in detail.inner_text()
    assert not_reloaded(page)
    screenshot(page, "dashboard-live-request")
    assert problems(console_errors) == []


def test_the_live_page_filters_by_status_class_pauses_and_clears(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    email, token = tenant(live_url)
    live(page, f"{UI}/live")
    mine = f"/api_customer/orders.json?id_eq={place(live_url, (email, token))}"
    assert requests.get(f"{live_url}{mine}", auth=(email, "wrong"), timeout=10).status_code == 401
    expect(page.locator("#requests > li[data-status='401']")).not_to_have_count(0)
    filters = page.locator("form[data-request-filters]")
    filters.locator("select[name=status]").select_option(label="4xx")
    shown = page.locator("#requests > li:visible")
    expect(page.locator(f"#requests > li[data-credential='{email}']")).to_be_hidden()
    assert set(shown.evaluate_all("items => items.map(li => li.dataset.status[0])")) == {"4"}
    filters.locator("select[name=status]").select_option(label="all")
    filters.get_by_label("Credential").fill(email)
    expect(shown).to_have_count(1)

    page.get_by_role("button", name="Pause", exact=True).click()
    assert requests.get(f"{live_url}{mine}", auth=(email, token), timeout=10).status_code == 200
    expect(page.locator("[data-paused]")).to_have_text("Paused: 1 new request(s) wait.")
    expect(shown).to_have_count(1)
    page.get_by_role("button", name="Resume", exact=True).click()
    expect(shown).to_have_count(2)
    expect(shown.first).to_contain_text(f"GET {mine}")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Clear", exact=True).click()
    expect(page.locator("#requests > li")).to_have_text(["No requests yet."])
    assert requests.get(f"{live_url}/_sandbox/requests", timeout=10).json()["total"] == 0
    assert problems(console_errors) == []


def test_an_order_page_lists_its_requests_and_opens_one(
    page: Page, live_url: str, console_errors: list[str]
) -> None:
    auth = tenant(live_url)
    order_id = place(live_url, auth)
    place(live_url, auth)  # another order: not this one's
    listed(live_url, auth, order_id)
    live(page, f"{UI}/vidaxl/orders/{order_id}")
    log = page.locator("#requests-log li")
    expect(log.locator("code.request")).to_have_text(
        [f"GET /api_customer/orders.json?id_eq={order_id}", "POST /api_customer/orders.json"]
    )
    page.get_by_role("button", name="pay", exact=True).click()  # through the control API
    expect(log.locator("code.request")).to_have_text(
        [
            f"POST /_sandbox/vidaxl/orders/{order_id}/events",
            f"GET /api_customer/orders.json?id_eq={order_id}",
            "POST /api_customer/orders.json",
        ]
    )
    created = log.nth(2)
    created.locator("summary").click()
    expect(created.locator("dl.facts")).to_contain_text("createOrderJson")
    expect(created.locator("tr[data-header='authorization'] td").nth(1)).to_have_text("Basic ***")
    expect(created.locator("pre[data-body='response']")).to_contain_text(f'"id": {order_id},')
    event = log.first
    expect(event.locator("summary")).to_contain_text("dashboard")  # credited to the button that sent it
    event.locator("summary").click()
    expect(event.locator("pre[data-body='request']")).to_have_text('{\n  "event": "pay"\n}')
    expect(event.locator("[data-response-status]")).to_have_text("200")
    assert newest_request(live_url, "/api_customer/orders.json")["credential"] == auth[0]
    screenshot(page, "dashboard-order-requests")
    assert problems(console_errors) == []
