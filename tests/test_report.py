"""The coverage report as people read it (sandbox/report): the terminal summary, the HTML page,
and reports added up (several sandboxes, or several tenant queries of one)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from sandbox import report
from tests.helpers import FIXJE_OTHER, VIDAXL_DEMO, VIDAXL_OTHER, Customer, Partner, make_app

HOSTILE = "<script>alert('x')</script> & \"more\""
REPORT: dict[str, Any] = {
    "filter": {"api": None, "tenants": []},
    "covered": 3,
    "count": 10,
    "percent": 30.0,
    "apis": [
        {
            "api": "shop",
            "title": "Shop API",
            "requests": 4,
            "covered": 3,
            "count": 10,
            "percent": 30.0,
            "areas": [
                {
                    "area": "operations",
                    "title": "Operations and statuses",
                    "covered": 2,
                    "count": 8,
                    "percent": 25.0,
                    "items": [
                        {"name": "listThings 200", "hits": 3},
                        {"name": "listThings 400", "hits": 0},
                        {"name": "listThings 401", "hits": 0},
                        {"name": "getThing 200", "hits": 1},
                        {"name": "getThing 400", "hits": 0},
                        {"name": "getThing 401", "hits": 0},
                        {"name": "getThing 404", "hits": 0},
                        {"name": "getThing 5XX", "hits": 0},
                    ],
                    "gaps": [
                        "listThings 400",
                        "listThings 401",
                        "getThing 400",
                        "getThing 401",
                        "getThing 404",
                        "getThing 5XX",
                    ],
                    "details": [],
                },
                {
                    "area": "errors",
                    "title": "Error statuses",
                    "covered": 1,
                    "count": 2,
                    "percent": 50.0,
                    "items": [{"name": "404", "hits": 0}, {"name": "422", "hits": 1}],
                    "gaps": ["404"],
                    "details": [{"name": f"422 {HOSTILE}", "hits": 1}],
                },
            ],
        }
    ],
    "tenants": [{"api": "shop", "tenant": "t-1", "requests": 4}],
}


# the summary


def test_the_summary_gives_the_total_each_area_and_its_first_gaps() -> None:
    assert report.summary(REPORT).splitlines() == [
        "Contract coverage: 30.0% (3 of 10 items)",
        "Shop API: 30.0% (3 of 10), 4 requests",
        "  Operations and statuses  25.0%     2/8",
        "    gaps: listThings 400, listThings 401, getThing 400, getThing 401, getThing 404 … and 1 more",
        "  Error statuses           50.0%     1/2",
        "    gaps: 404",
    ]


def test_the_summary_names_every_gap_when_asked() -> None:
    lines = report.summary(REPORT, gaps=None).splitlines()
    assert lines[3] == (
        "    gaps: listThings 400, listThings 401, getThing 400, getThing 401, getThing 404, getThing 5XX"
    )


def test_the_summary_leaves_out_an_area_without_gaps_and_names_the_filter() -> None:
    shown = copy.deepcopy(REPORT)
    shown["filter"] = {"api": "shop", "tenants": ["a", "b", "c", "d", "e"]}
    errors = shown["apis"][0]["areas"][1]
    errors.update(covered=2, percent=100.0, gaps=[])
    assert report.summary(shown, gaps=2).splitlines() == [
        "Contract coverage: 30.0% (3 of 10 items)",
        "  only API shop and tenants a, b, c and 2 more",
        "Shop API: 30.0% (3 of 10), 4 requests",
        "  Operations and statuses  25.0%     2/8",
        "    gaps: listThings 400, listThings 401 … and 4 more",
        "  Error statuses          100.0%     2/2",
    ]


def test_long_gap_lists_wrap_between_names() -> None:
    names = [f"listOrders via GET /api_customer/orders.{n}" for n in range(4)]
    assert report.gap_lines(names, 3) == [
        "    gaps: listOrders via GET /api_customer/orders.0, listOrders via GET /api_customer/orders.1,",
        "          listOrders via GET /api_customer/orders.2 … and 1 more",
    ]


# the HTML page

ROW = re.compile(
    r'<tr data-area="(\w*)">\s*<th scope="row">(?:<a href="[^"]*">)?([^<]+)(?:</a>)?</th>\s*'
    r"<td class=\"num\" data-covered>(\d+)</td>\s*<td class=\"num\" data-count>(\d+)</td>\s*"
    r'<td class="num" data-percent><meter [^>]*value="([\d.]+)"></meter> ([\d.]+%)</td>\s*'
    r'<td class="num" data-gaps>(\d+)</td>'
)
GAPS = re.compile(r'<ul class="gaps" aria-label="Gaps: ([^"]+)">(.*?)</ul>', re.DOTALL)


def rows(page: str) -> list[tuple[str, ...]]:
    """Each row of the areas tables: area, title, covered, count, meter value, percent, gaps."""
    return [tuple(found) for found in ROW.findall(page)]


def gaps(page: str) -> list[tuple[str, list[str]]]:
    """Each list of gaps in the page, in order, with its area's title."""
    return [
        (title, re.findall(r"<li><code>([^<]*)</code></li>", items)) for title, items in GAPS.findall(page)
    ]


def self_contained(page: str) -> None:
    """Nothing fetched from anywhere: no script, no external stylesheet or image or link."""
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    addresses = re.findall(r"""\b(?:src|href|action)\s*=\s*["']?([^"'\s>]*)""", page, re.IGNORECASE)
    assert [address for address in addresses if not address.startswith("#")] == []
    assert not re.search(r"url\(|@import", page)


def test_the_page_shows_each_area_and_its_gaps() -> None:
    page = report.document(REPORT, "http://127.0.0.1:8000")
    assert rows(page) == [
        ("operations", "Operations and statuses", "2", "8", "25.0", "25.0%", "6"),
        ("errors", "Error statuses", "1", "2", "50.0", "50.0%", "1"),
        ("", "All areas", "3", "10", "30.0", "30.0%", "7"),
    ]
    assert gaps(page) == [
        ("Operations and statuses", REPORT["apis"][0]["areas"][0]["gaps"]),
        ("Error statuses", ["404"]),
    ]
    assert '<h1>Contract coverage <span class="percent" data-percent="30.0">30.0%</span></h1>' in page
    assert "were exercised at <code>http://127.0.0.1:8000</code>." in page
    assert '<tr class="item"><td><code>listThings 200</code></td><td class="num">3</td></tr>' in page


def test_the_page_is_self_contained_and_escapes_what_clients_sent() -> None:
    page = report.document(REPORT)
    self_contained(page)
    assert HOSTILE not in page
    escaped = "422 &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;more&#34;"
    assert f'<tr class="detail"><td><code>{escaped}</code></td><td class="num">1</td></tr>' in page
    assert report.STYLESHEET.read_text() in page  # the dashboard's coverage styles, inline


# reports added up


def requests_of_three_tenants(client: TestClient) -> None:
    other = Partner.login(client, FIXJE_OTHER)
    assert other.get("/api/v1/products?page=2&pageSize=5").status_code == 200
    assert Customer(client).get("/api_customer/orders.json").status_code == 200
    assert Customer(client, VIDAXL_OTHER).get("/api_customer/products.json?limit=5").status_code == 200
    assert Customer(client, VIDAXL_OTHER).post("/api_customer/orders.json", json={}).status_code == 400


def coverage(client: TestClient, *tenants: str) -> dict[str, Any]:
    answer = client.get("/_sandbox/coverage", params=[("tenant", tenant) for tenant in tenants])
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_tenant_queries_of_one_sandbox_add_up_to_one_query_of_all() -> None:
    with TestClient(make_app()) as client:
        requests_of_three_tenants(client)
        tenants = [FIXJE_OTHER[0], VIDAXL_DEMO[0], VIDAXL_OTHER[0]]
        parts = [coverage(client, tenants[0]), coverage(client, *tenants[1:])]
        combined = report.combine(parts, one_sandbox=True)
        assert combined == coverage(client, *tenants)
        assert combined["covered"] > max(part["covered"] for part in parts)


def test_the_reports_of_several_sandboxes_add_up_to_one_that_saw_everything() -> None:
    with TestClient(make_app()) as first, TestClient(make_app()) as second, TestClient(make_app()) as both:
        Partner.login(first, FIXJE_OTHER).get("/api/v1/orders")
        requests_of_three_tenants(second)
        Partner.login(both, FIXJE_OTHER).get("/api/v1/orders")
        requests_of_three_tenants(both)
        combined = report.combine([coverage(first), coverage(second)])
        assert combined == coverage(both)
        assert combined["tenants"] == [
            {"api": "fixje", "tenant": FIXJE_OTHER[0], "requests": 4},  # two logins
            {"api": "vidaxl", "tenant": VIDAXL_DEMO[0], "requests": 1},
            {"api": "vidaxl", "tenant": VIDAXL_OTHER[0], "requests": 2},
        ]


def test_reports_of_different_surfaces_do_not_add_up() -> None:
    other = copy.deepcopy(REPORT)
    other["apis"][0]["areas"][1]["items"].append({"name": "409", "hits": 0})
    with pytest.raises(ValueError, match="the reports document the area 'errors' differently"):
        report.combine([REPORT, other])
