"""The pytest plugin (sandbox/pytest_plugin.py): its fixtures in this session, and whole sessions
of a user's test file run by pytester in a subprocess."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox import pytest_plugin, report
from sandbox.pytest_plugin import (
    FixjeTenant,
    SandboxControl,
    SandboxControlError,
    SandboxServer,
    VidaxlTenant,
)
from tests.test_report import rows as area_table
from tests.test_report import self_contained

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
# Plugins of other test extras that only slow each subprocess session down.
QUIET = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:cacheprovider")


def test_the_tenants_carry_their_credentials(
    fixje_tenant: FixjeTenant, vidaxl_tenant: VidaxlTenant, sandbox_server: SandboxServer
) -> None:
    assert fixje_tenant.base_url == vidaxl_tenant.base_url == sandbox_server.url
    assert fixje_tenant.token_url == f"{sandbox_server.url}/api/v1/login"
    assert fixje_tenant.name == "tests/test_plugin.py::test_the_tenants_carry_their_credentials"
    assert len(fixje_tenant.store_front_ids) == 1
    assert fixje_tenant.credential == fixje_tenant.client_id
    token = fixje_tenant.login()
    storefronts = requests.get(
        f"{fixje_tenant.base_url}/api/v1/storefronts",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    ).json()["data"]
    assert [s["storeFrontId"] for s in storefronts] == list(fixje_tenant.store_front_ids)

    assert vidaxl_tenant.auth == (vidaxl_tenant.email, vidaxl_tenant.token) and vidaxl_tenant.email.endswith(
        "@vidaxl.sandbox"
    )
    listed = requests.get(
        f"{vidaxl_tenant.base_url}/api_customer/orders.json", auth=vidaxl_tenant.auth, timeout=10
    )
    assert (listed.status_code, listed.json()) == (200, [])


def test_the_sandbox_the_plugin_starts_has_a_frozen_clock(sandbox_control: SandboxControl) -> None:
    if sandbox_control.server.pid is None:
        pytest.skip("a sandbox given by --sandbox-url runs with its own options")
    assert sandbox_control.clock()["frozen"] is True


def test_a_refused_control_call_raises_with_the_status_and_body(sandbox_control: SandboxControl) -> None:
    with pytest.raises(SandboxControlError) as refused:
        sandbox_control.apply_event("vidaxl", 99999999, "pay")
    assert refused.value.status == 404
    assert refused.value.body == {"error": "NotFound", "message": "No vidaXL order '99999999'."}
    assert "/_sandbox/vidaxl/orders/99999999/events answered 404" in str(refused.value)


@pytest.mark.parametrize(
    ("by", "moved"),
    [
        ("PT2H", timedelta(hours=2)),
        (timedelta(days=1, seconds=5), timedelta(days=1, seconds=5)),
    ],
)
def test_advance_moves_the_clock(
    sandbox_control: SandboxControl, by: str | timedelta, moved: timedelta
) -> None:
    before = sandbox_control.now()
    sandbox_control.advance(by)
    assert sandbox_control.now() - before == moved


@pytest.mark.parametrize("by", [timedelta(seconds=1.5), timedelta(seconds=-1)])
def test_advance_refuses_what_the_clock_cannot_do(sandbox_control: SandboxControl, by: timedelta) -> None:
    with pytest.raises(ValueError, match="whole seconds"):
        sandbox_control.advance(by)


def test_set_time_needs_a_time_zone(sandbox_control: SandboxControl) -> None:
    with pytest.raises(ValueError, match="time zone"):
        sandbox_control.set_time(datetime(2030, 1, 1))
    later = sandbox_control.now() + timedelta(days=3)
    assert sandbox_control.set_time(later.astimezone(UTC))["now"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_journal_reads_oldest_first_and_keeps_one_credential(
    sandbox_control: SandboxControl, vidaxl_tenant: VidaxlTenant
) -> None:
    other = sandbox_control.new_vidaxl_tenant("someone else")
    for who, path in [
        (vidaxl_tenant, "/api_customer/orders.json"),
        (other, "/api_customer/orders.json"),
        (vidaxl_tenant, "/api_customer/products.json"),
    ]:
        requests.get(f"{who.base_url}{path}", auth=who.auth, timeout=10)
    mine = sandbox_control.journal(api="vidaxl", credential=vidaxl_tenant.credential)
    assert [(e["method"], e["path"], e["status"]) for e in mine] == [
        ("GET", "/api_customer/orders.json", 200),
        ("GET", "/api_customer/products.json", 200),
    ]
    assert [
        e["path"]
        for e in sandbox_control.journal(path="/api_customer/products", credential=vidaxl_tenant.credential)
    ] == ["/api_customer/products.json"]


def test_fault_helpers_add_list_and_remove(
    sandbox_control: SandboxControl, vidaxl_tenant: VidaxlTenant
) -> None:
    rule = sandbox_control.add_fault("vidaxl", credential=vidaxl_tenant.email, status=502, times=1)
    assert rule["status"] == 502 and rule["remaining"] == 1 and rule["source"] == "api"
    answer = requests.get(
        f"{vidaxl_tenant.base_url}/api_customer/orders.json", auth=vidaxl_tenant.auth, timeout=10
    )
    assert answer.status_code == 502
    listed = {r["id"]: r for r in sandbox_control.faults()}
    assert (listed[rule["id"]]["fired"], listed[rule["id"]]["remaining"]) == (1, 0)
    sandbox_control.remove_fault(rule["id"])
    assert rule["id"] not in {r["id"] for r in sandbox_control.faults()}


# Whole sessions in a subprocess: what a user's own test file sees.

USER_TESTS = """
import json, os
from pathlib import Path

import requests

SEEN = Path("seen.json")


def test_first(sandbox_server, sandbox_control, fixje_tenant, vidaxl_tenant):
    # started with SANDBOX_ADMIN_TOKEN: the control API wants it, and the plugin sends it
    assert requests.get(f"{sandbox_server.url}/_sandbox/clock").status_code == 401
    assert sandbox_control.call("GET", "/_sandbox/state")["seed"] == 7  # from sandbox_args
    token = fixje_tenant.login()
    headers = {"Authorization": f"Bearer {token}"}
    methods = requests.get(f"{fixje_tenant.base_url}/api/v1/shipping-methods", headers=headers).json()
    placed = requests.post(f"{fixje_tenant.base_url}/api/v1/orders", headers=headers, json={
        "storeFrontId": fixje_tenant.store_front_ids[0],
        "shippingMethodId": next(m["shippingMethodId"] for m in methods["data"] if "NL" in m["countries"]),
        "shippingAddress": {"lastName": "Jansen", "street": "Dorpsstraat", "houseNumber": "3",
                            "zipCode": "1234 AB", "city": "Utrecht", "countryCode": "NL"},
        "orderItems": [{"sku": "FX100001", "quantity": 1}]})
    assert placed.status_code == 200, placed.text
    rule = sandbox_control.add_fault("vidaxl", status=503)
    assert requests.get(f"{vidaxl_tenant.base_url}/api_customer/orders.json",
                        auth=vidaxl_tenant.auth).status_code == 503
    sandbox_control.set_rate_limits(enabled=True)
    sandbox_control.resume()
    SEEN.write_text(json.dumps({"url": sandbox_server.url, "pid": sandbox_server.pid,
                                "client": fixje_tenant.client_id, "order": placed.json()["orderId"],
                                "fault": rule["id"]}))


def test_second(sandbox_server, sandbox_control, fixje_tenant, vidaxl_tenant):
    seen = json.loads(SEEN.read_text())
    assert sandbox_server.url == seen["url"]
    assert fixje_tenant.client_id != seen["client"]
    headers = {"Authorization": f"Bearer {fixje_tenant.login()}"}
    assert requests.get(f"{fixje_tenant.base_url}/api/v1/orders", headers=headers).json()["totalCount"] == 0
    other = requests.get(f"{fixje_tenant.base_url}/api/v1/orders/{seen['order']}", headers=headers)
    assert other.status_code == 404
    assert sandbox_control.faults() == []
    assert requests.get(f"{vidaxl_tenant.base_url}/api_customer/orders.json",
                        auth=vidaxl_tenant.auth).status_code == 200
    assert sandbox_control.rate_limits()["enabled"] is False
    assert sandbox_control.clock()["frozen"] is True
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*QUIET, *args, timeout=120)


def test_a_session_starts_a_sandbox_gives_each_test_its_own_tenant_and_stops_it(
    pytester: pytest.Pytester, sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    monkeypatch.setenv("SANDBOX_ADMIN_TOKEN", "plugin-test-token")
    pytester.makeini("[pytest]\nsandbox_args = --freeze --seed 7\n")
    pytester.makepyfile(test_user=USER_TESTS)

    result = run(pytester)

    result.assert_outcomes(passed=2)
    seen = json.loads((pytester.path / "seen.json").read_text())
    found = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", seen["url"])
    assert found, seen["url"]
    assert seen["url"] != sandbox_server.url  # a port of its own, beside this session's sandbox
    with pytest.raises(ProcessLookupError):
        os.kill(seen["pid"], 0)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{seen['url']}/_sandbox/health", timeout=5)


TLS_TESTS = """
import requests

def test_over_https(sandbox_server, sandbox_control, fixje_tenant, vidaxl_tenant):
    assert sandbox_server.url.startswith("https://127.0.0.1:")
    assert fixje_tenant.ca == vidaxl_tenant.ca == sandbox_server.ca
    token = fixje_tenant.login()
    storefronts = requests.get(
        f"{fixje_tenant.base_url}/api/v1/storefronts",
        headers={"Authorization": f"Bearer {token}"},
        verify=fixje_tenant.ca,
        timeout=10,
    )
    assert storefronts.status_code == 200
    orders = requests.get(
        f"{vidaxl_tenant.base_url}/api_customer/orders.json",
        auth=vidaxl_tenant.auth,
        verify=vidaxl_tenant.ca,
        timeout=10,
    )
    assert orders.json() == []
    assert sandbox_control.clock()["frozen"] is True
"""


@pytest.mark.live
def test_a_sandbox_started_with_tls_serves_the_session_over_https(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    pytester.makeini("[pytest]\nsandbox_args = --freeze --tls\n")
    pytester.makepyfile(test_user=TLS_TESTS)

    run(pytester).assert_outcomes(passed=1)
    assert (tmp_path / "supplier-sandbox/tls/ca.pem").is_file()


URL_TEST = """
import json
from pathlib import Path

import requests


def test_given(sandbox_server, vidaxl_tenant):
    assert sandbox_server.pid is None
    assert requests.get(f"{vidaxl_tenant.base_url}/api_customer/orders.json",
                        auth=vidaxl_tenant.auth).status_code == 200
    Path("seen.json").write_text(json.dumps({"url": sandbox_server.url, "email": vidaxl_tenant.email}))
"""


@pytest.mark.parametrize("how", ["option", "environment"])
def test_an_already_running_sandbox_is_used_when_given(
    pytester: pytest.Pytester, sandbox_control: SandboxControl, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    url = sandbox_control.server.url
    pytester.makepyfile(test_user=URL_TEST)
    if how == "option":
        monkeypatch.delenv("SANDBOX_URL", raising=False)
        result = run(pytester, f"--sandbox-url={url}/")
    else:
        monkeypatch.setenv("SANDBOX_URL", url)
        result = run(pytester)

    result.assert_outcomes(passed=1)
    seen = json.loads((pytester.path / "seen.json").read_text())
    assert seen["url"] == url
    assert [e["status"] for e in sandbox_control.journal(credential=seen["email"])] == [200]


# Whole sessions in a subprocess take a second or two each; the first starts a sandbox (that exits).
@pytest.mark.slow
@pytest.mark.parametrize(
    ("ini", "args", "message"),
    [
        pytest.param(
            "sandbox_args = --fixtures missing.yaml",
            (),
            [
                "*The sandbox did not start: * serve * --fixtures missing.yaml exited with status 2.",
                "*--- its stderr ---",
                "sandbox: cannot read fixtures missing.yaml: No such file or directory",
            ],
            marks=pytest.mark.live,
        ),
        (
            "",
            ("--sandbox-url=http://127.0.0.1:9",),
            [
                "*No sandbox answers at http://127.0.0.1:9/_sandbox/health "
                "(given by --sandbox-url or SANDBOX_URL)."
            ],
        ),
    ],
)
def test_a_sandbox_that_is_not_there_fails_the_tests_that_need_it_with_a_message(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    ini: str,
    args: tuple[str, ...],
    message: list[str],
) -> None:
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(
        test_user="""
        def test_needs_it(fixje_tenant):
            pass

        def test_does_not(fixje_tenant):
            pass

        def test_without_it():
            pass
    """
    )

    result = run(pytester, *args)

    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(message)


README_SECTION = "## Use it from pytest"


def test_the_readme_quotes_the_examples_verbatim() -> None:
    readme = (ROOT / "README.md").read_text()
    assert README_SECTION in readme, f"README.md has no '{README_SECTION}' section"
    section = readme.split(README_SECTION, 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.MULTILINE)[0]
    blocks = re.findall(r"^```python\n(.*?)^```", section, re.DOTALL | re.MULTILINE)
    examples = "\n".join(path.read_text() for path in (ROOT / "tests/examples").glob("test_howto_*.py"))
    assert blocks
    for block in blocks:
        assert block in examples, f"not in tests/examples/test_howto_*.py:\n{block}"


# Contract coverage: --sandbox-coverage, --sandbox-coverage-report, --sandbox-coverage-fail-under.

ORDERS_TEST = """
import json
from pathlib import Path

import requests


def test_lists_orders(sandbox_server, vidaxl_tenant):
    listed = requests.get(f"{vidaxl_tenant.base_url}/api_customer/orders.json", auth=vidaxl_tenant.auth)
    assert listed.status_code == 200
    Path("seen.json").write_text(json.dumps({"url": sandbox_server.url, "email": vidaxl_tenant.email}))
"""
PRODUCTS_TEST = """
import requests


def test_lists_products(fixje_tenant):
    headers = {"Authorization": f"Bearer {fixje_tenant.login()}"}
    assert requests.get(f"{fixje_tenant.base_url}/api/v1/products?page=2", headers=headers).status_code == 200
"""
ORDERS_HITS = [
    ("vidaxl", "operations", "listOrders 200", 1),
    ("vidaxl", "formats", "listOrders via GET /api_customer/orders.json", 1),
    ("vidaxl", "formats", "listOrders answers application/json", 1),
]
PRODUCTS_HITS = [
    ("fixje", "operations", "login 200", 1),
    ("fixje", "operations", "listProducts 200", 1),
    ("fixje", "formats", "login sends application/x-www-form-urlencoded", 1),
    ("fixje", "formats", "login answers application/json", 1),
    ("fixje", "formats", "listProducts answers application/json", 1),
    ("fixje", "filters", "listProducts ?page", 1),
    ("fixje", "pagination", "listProducts past the first page", 1),
]


def hits(found: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    """Each documented item the report counted: (api, area, name, hits)."""
    return [
        (api["api"], area["area"], item["name"], item["hits"])
        for api in found["apis"]
        for area in api["areas"]
        for item in area["items"]
        if item["hits"]
    ]


def written(pytester: pytest.Pytester, result: pytest.RunResult) -> tuple[dict[str, Any], str]:
    """The JSON and the HTML report in reports/, which the session said it wrote."""
    reports = pytester.path / "reports"
    result.stdout.fnmatch_lines(
        [
            f"sandbox coverage: wrote {reports / 'coverage.json'}",
            f"sandbox coverage: wrote {reports / 'coverage.html'}",
        ]
    )
    found: dict[str, Any] = json.loads((reports / "coverage.json").read_text())
    return found, (reports / "coverage.html").read_text()


@pytest.mark.live
@pytest.mark.parametrize(
    ("fail_under", "status", "verdict"),
    [("0.5", pytest.ExitCode.OK, "reaches"), ("99", pytest.ExitCode.TESTS_FAILED, "is below")],
)
def test_the_session_reports_the_coverage_of_the_sandbox_it_started(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fail_under: str, status: int, verdict: str
) -> None:
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    pytester.makepyfile(test_orders=ORDERS_TEST)
    options = ["--sandbox-coverage", "--sandbox-coverage-report=reports"]

    result = run(pytester, *options, f"--sandbox-coverage-fail-under={fail_under}")

    result.assert_outcomes(passed=1)
    assert result.ret == status
    found, page = written(pytester, result)
    email = json.loads((pytester.path / "seen.json").read_text())["email"]
    assert hits(found) == ORDERS_HITS
    assert found["tenants"] == [{"api": "vidaxl", "tenant": email, "requests": 1}]
    assert found["filter"] == {"api": None, "tenants": []}
    total = f"{found['percent']:.1f}%"
    result.stdout.fnmatch_lines(
        [
            "*- supplier-sandbox contract coverage -*",
            *report.summary(found).splitlines(),
            f"sandbox coverage: total {total} {verdict} {fail_under}% (--sandbox-coverage-fail-under)",
        ],
        consecutive=False,
    )
    assert [row[:4] for row in area_table(page)][:1] == [
        ("operations", "Operations and statuses", "0", str(found["apis"][0]["areas"][0]["count"]))
    ]
    self_contained(page)


@pytest.mark.parametrize("made_tenants", [True, False])
def test_with_a_shared_sandbox_the_session_reports_its_own_tenants(
    pytester: pytest.Pytester, sandbox_control: SandboxControl, made_tenants: bool
) -> None:
    """With --sandbox-url the coverage is that of the tenants the session made, or the whole of the
    sandbox when it made none."""
    url = sandbox_control.server.url
    sandbox_control.call("DELETE", "/_sandbox/coverage")
    someone = sandbox_control.new_fixje_tenant("another session")
    headers = {"Authorization": f"Bearer {someone.login()}"}
    assert requests.get(f"{url}/api/v1/orders", headers=headers, timeout=10).status_code == 200
    if made_tenants:
        pytester.makepyfile(test_orders=ORDERS_TEST)
    else:
        pytester.makepyfile(
            test_orders="""
            import requests

            def test_lists_orders(sandbox_server):
                answer = requests.get(f"{sandbox_server.url}/api_customer/orders.json",
                                      auth=("other@vidaxl.sandbox", "vidaxl-other-token"))
                assert answer.status_code == 200
            """
        )

    result = run(pytester, f"--sandbox-url={url}", "--sandbox-coverage-report=reports")

    result.assert_outcomes(passed=1)
    found, page = written(pytester, result)
    if made_tenants:
        email = json.loads((pytester.path / "seen.json").read_text())["email"]
        assert found == sandbox_control.call("GET", f"/_sandbox/coverage?tenant={email}")
        assert hits(found) == ORDERS_HITS
    else:
        assert found == sandbox_control.call("GET", "/_sandbox/coverage")
        assert {
            ("fixje", "operations", "listOrders 200", 1),
            ("vidaxl", "operations", "listOrders 200", 1),
        } <= set(hits(found))
    assert f"were exercised at <code>{url}</code>." in page


def test_a_shared_sandbox_is_asked_for_so_many_tenants_at_a_time(
    sandbox_control: SandboxControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytest_plugin, "TENANTS_PER_QUERY", 2)
    tenants = [sandbox_control.new_vidaxl_tenant(f"tenant {n}") for n in range(3)]
    for n, tenant in enumerate(tenants):
        path = ["orders.json", "products.json", "orders.xml"][n]
        assert requests.get(f"{tenant.base_url}/api_customer/{path}", auth=tenant.auth, timeout=10).ok
    counting = pytest_plugin.Counting(tenants=[t.credential for t in tenants])

    found = counting.shared_report(sandbox_control.server)

    everyone = "&".join(f"tenant={t.credential}" for t in tenants)
    assert found == sandbox_control.call("GET", f"/_sandbox/coverage?{everyone}")
    assert counting.problems == []


@pytest.mark.live
@pytest.mark.slow
def test_under_xdist_the_workers_counts_add_up(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker starts a sandbox of its own; the controller adds up what they counted."""
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    pytester.makepyfile(test_orders=ORDERS_TEST, test_products=PRODUCTS_TEST)

    result = run(pytester, "-n", "2", "--sandbox-coverage-report=reports", "--sandbox-coverage")

    result.assert_outcomes(passed=2)
    found, _ = written(pytester, result)
    assert hits(found) == PRODUCTS_HITS + ORDERS_HITS
    assert sorted((t["api"], t["requests"]) for t in found["tenants"]) == [("fixje", 2), ("vidaxl", 1)]
    assert result.stdout.str().count("Contract coverage: ") == 1
    result.stdout.fnmatch_lines([f"Contract coverage: {found['percent']:.1f}% ({found['covered']} of *"])


def test_a_session_that_used_no_sandbox_has_nothing_to_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")

    result = run(pytester, "--sandbox-coverage", "--sandbox-coverage-fail-under=50")

    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "sandbox coverage: no test used the sandbox, so nothing was counted",
            "sandbox coverage: no total to compare with 50% (--sandbox-coverage-fail-under)",
        ]
    )
