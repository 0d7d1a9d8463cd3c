"""`sandbox coverage`: the contract coverage of a running sandbox (a real `sandbox serve` process)
as a summary, or as a JSON and a self-contained HTML report; exit 2 with a clear message when no
sandbox answers or it refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox import cli, report
from sandbox.process import ServerProcess
from tests.helpers import FIXJE_DEMO, VIDAXL_OTHER
from tests.test_report import gaps, rows, self_contained

pytestmark = pytest.mark.live

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess.sandbox("--freeze") as running:
        yield running


@pytest.fixture
def url(server: ServerProcess) -> str:
    """The sandbox's address, its coverage counted from zero."""
    assert requests.delete(f"{server.url}/_sandbox/coverage", timeout=10).status_code == 204
    return server.url


def some_requests(url: str) -> None:
    """A Fixje login and a page of products; a vidaXL order refused with a message naming HOSTILE."""
    login = requests.post(
        f"{url}/api/v1/login",
        data={"grant_type": "client_credentials", "client_id": FIXJE_DEMO[0], "client_secret": FIXJE_DEMO[1]},
        timeout=10,
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert requests.get(f"{url}/api/v1/products?page=2", headers=headers, timeout=10).status_code == 200
    refused = requests.post(
        f"{url}/api_customer/orders.json",
        json={"order_products": [{"product_code": HOSTILE, "quantity": 1}]},
        auth=VIDAXL_OTHER,
        timeout=10,
    )
    assert refused.status_code == 422, refused.text


def answer(url: str, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = requests.get(f"{url}/_sandbox/coverage", params=params, timeout=10).json()
    return found


def area(found: dict[str, Any], api: str, name: str) -> dict[str, Any]:
    chosen: dict[str, Any] = next(
        a for listed in found["apis"] if listed["api"] == api for a in listed["areas"] if a["area"] == name
    )
    return chosen


def test_the_summary_gives_each_api_and_area_with_its_first_gaps(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    some_requests(url)
    assert cli.main(["coverage", "--url", url]) == 0
    out = capsys.readouterr().out
    found = answer(url)
    assert out == report.summary(found) + "\n"
    lines = out.splitlines()
    assert (
        lines[0]
        == f"Contract coverage: {found['percent']:.1f}% ({found['covered']} of {found['count']} items)"
    )
    fixje = next(line for line in lines if line.startswith("Fixje Partner Web API: "))
    assert fixje.endswith(", 2 requests")
    operations = area(found, "fixje", "operations")
    assert (operations["covered"], operations["gaps"][:2]) == (2, ["login 400", "login 401"])
    at = lines.index(fixje) + 1
    assert lines[at].split() == [
        "Operations",
        "and",
        "statuses",
        f"{operations['percent']:.1f}%",
        f"2/{operations['count']}",
    ]
    assert lines[at + 1] == (
        "    gaps: login 400, login 401, login 413, login 415, login 5XX"
        f" … and {len(operations['gaps']) - 5} more"
    )
    pages = area(found, "fixje", "pagination")["gaps"]
    assert "listProducts past the first page" not in pages and len(pages) == 3
    at = next(
        i for i in range(lines.index(fixje), len(lines)) if lines[i].startswith("  Pages past the first")
    )
    assert lines[at + 1 : at + 3] == [f"    gaps: {pages[0]}, {pages[1]},", f"          {pages[2]}"]


def test_the_summary_of_one_api_and_tenant_and_every_gap(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    some_requests(url)
    args = ["coverage", "--url", url, "--api", "vidaxl", "--tenant", VIDAXL_OTHER[0], "--all-gaps"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    found = answer(url, api="vidaxl", tenant=VIDAXL_OTHER[0])
    assert out == report.summary(found, gaps=None) + "\n"
    assert out.splitlines()[1:3] == [
        f"  only API vidaxl and tenant {VIDAXL_OTHER[0]}",
        f"vidaXL customer API: {found['percent']:.1f}% ({found['covered']} of {found['count']}), 1 request",
    ]
    assert "Fixje" not in out and "… and" not in out
    assert f"    gaps: {', '.join(area(found, 'vidaxl', 'pagination')['gaps'])}" in out


def test_the_reports_are_the_answer_and_a_page_that_needs_nothing_else(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    some_requests(url)
    html, data = tmp_path / "coverage.html", tmp_path / "coverage.json"
    assert cli.main(["coverage", "--url", url, "--html", str(html), "--json", str(data)]) == 0
    found = answer(url)
    said = capsys.readouterr().out
    assert said == (
        f"sandbox: coverage {found['percent']:.1f}% ({found['covered']} of {found['count']} items); "
        f"wrote the JSON report to {data} and the HTML report to {html}\n"
    )
    assert json.loads(data.read_bytes()) == found
    page = html.read_text()
    self_contained(page)
    errors = area(found, "vidaxl", "errors")
    message = "422 Could not create order: product <script>alert(1)</script> does not exist"
    assert errors["details"] == [{"name": message, "hits": 1}]
    escaped = "422 Could not create order: product &lt;script&gt;alert(1)&lt;/script&gt; does not exist"
    assert f'<tr class="detail"><td><code>{escaped}</code></td><td class="num">1</td></tr>' in page
    assert ("errors", "Error statuses", str(errors["covered"]), str(errors["count"])) in [
        r[:4] for r in rows(page)
    ]
    listed = dict(gaps(page)[: len(found["apis"][0]["areas"])])  # the first API's
    assert listed["Pages past the first"] == area(found, "fixje", "pagination")["gaps"]
    assert f"were exercised at <code>{url}</code>." in page


def test_a_report_can_go_to_standard_output(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    some_requests(url)
    assert cli.main(["coverage", "--url", url, "--json", "-"]) == 0
    out, err = capsys.readouterr()
    found = answer(url)
    assert json.loads(out) == found
    assert (
        err == f"sandbox: coverage {found['percent']:.1f}% ({found['covered']} of {found['count']} items)\n"
    )
    assert cli.main(["coverage", "--url", url, "--json", "-", "--html", "-"]) == 2
    assert capsys.readouterr().err == "sandbox: only one of --html and --json can go to standard output (-)\n"


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("http://127.0.0.1:9", "sandbox: no sandbox answers at http://127.0.0.1:9 ("),
        ("127.0.0.1:8000", "sandbox: no sandbox answers at 127.0.0.1:8000 (unknown url type"),
    ],
)
def test_no_sandbox_is_exit_2_with_a_message(
    given: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["coverage", "--url", given, "--html", str(tmp_path / "out.html")]) == 2
    out, err = capsys.readouterr()
    assert (out, err.startswith(said), "Traceback" in err) == ("", True, False), err
    assert not (tmp_path / "out.html").exists()


def test_a_refusal_is_exit_2_with_the_sandboxs_words(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.main(["coverage", "--url", url, "--api", "nowhere"]) == 2
    assert capsys.readouterr().err == (
        f"sandbox: {url}/_sandbox/coverage answered 400: One or more validation errors occurred. "
        'api: The value "nowhere" is not one of: fixje, vidaxl.\n'
    )
    with ServerProcess.sandbox(env={"SANDBOX_ADMIN_TOKEN": "cov3rage"}) as guarded:
        monkeypatch.delenv("SANDBOX_ADMIN_TOKEN", raising=False)
        assert cli.main(["coverage", "--url", guarded.url]) == 2
        assert capsys.readouterr().err == (
            f"sandbox: {guarded.url}/_sandbox/coverage answered 401: "
            "The control API needs Authorization: Bearer <admin token>.\n"
        )
        monkeypatch.setenv("SANDBOX_ADMIN_TOKEN", "cov3rage")
        assert cli.main(["coverage", "--url", guarded.url]) == 0
        assert capsys.readouterr().out.startswith("Contract coverage: 0.0% (0 of ")
