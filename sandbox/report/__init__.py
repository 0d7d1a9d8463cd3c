"""The coverage report as people read it: a short summary for a terminal and one self-contained
HTML page, both made from the JSON of `GET /_sandbox/coverage` (`Coverage.report`).

The HTML page's tables are the template `coverage_tables.html`, which the dashboard's coverage
page includes too, with the same stylesheet: the two never disagree. Standard library only at
import (jinja2 when a page is made): the pytest plugin and the `sandbox` command use it."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sandbox import __version__

TEMPLATES = Path(__file__).parent / "templates"
"""The report's templates: `coverage_report.html` (the page) and `coverage_tables.html` (its
tables, also the dashboard's)."""
STYLESHEET = TEMPLATES / "coverage.css"
GAPS_SHOWN = 5
"""The gaps the summary names per area before "… and K more"."""
TENANTS_NAMED = 3
"""The tenants of a filter the summary names (a pytest session may make hundreds)."""
WIDTH = 100
NBSP = "\xa0"

Report = Mapping[str, Any]


def percent(value: float) -> str:
    return f"{value:.1f}%"


def summary(report: Report, gaps: int | None = GAPS_SHOWN) -> str:
    """The total, then each API and each of its areas (percent, covered/count) with its gaps: the
    first `gaps` of each area, or all of them when `gaps` is None."""
    lines = [
        f"Contract coverage: {percent(report['percent'])} ({report['covered']} of {report['count']} items)"
    ]
    chosen = report["filter"]
    only = [f"API {chosen['api']}"] if chosen["api"] else []
    named = chosen["tenants"]
    if named:
        more = f" and {len(named) - TENANTS_NAMED} more" if len(named) > TENANTS_NAMED else ""
        only.append(f"tenant{'s' * (len(named) > 1)} {', '.join(named[:TENANTS_NAMED])}{more}")
    if only:
        lines.append(f"  only {' and '.join(only)}")
    titles = [area["title"] for api in report["apis"] for area in api["areas"]]
    width = max(map(len, titles), default=0)
    for api in report["apis"]:
        requests = f"{api['requests']} request{'' if api['requests'] == 1 else 's'}"
        lines.append(
            f"{api['title']}: {percent(api['percent'])} ({api['covered']} of {api['count']}), {requests}"
        )
        for area in api["areas"]:
            score = f"{area['covered']}/{area['count']}"
            lines.append(f"  {area['title']:<{width}} {percent(area['percent']):>6} {score:>7}")
            if area["gaps"]:
                lines += gap_lines(area["gaps"], gaps)
    return "\n".join(lines)


def gap_lines(names: Sequence[str], shown: int | None) -> list[str]:
    """`gaps: a, b, c … and K more`, wrapped, each name kept whole on one line."""
    kept = list(names) if shown is None else list(names[:shown])
    text = ", ".join(name.replace(" ", NBSP) for name in kept)
    if len(kept) < len(names):
        text += f" …{NBSP}and{NBSP}{len(names) - len(kept)}{NBSP}more"
    wrapped = textwrap.wrap(
        text,
        WIDTH,
        initial_indent="    gaps: ",
        subsequent_indent="          ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(NBSP, " ") for line in wrapped]


def document(report: Report, source: str | None = None) -> str:
    """The report as one HTML page: its styles inline, no script, nothing fetched from anywhere;
    every name escaped (an error's message is a client's text). `source` names the sandbox."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    page = env.get_template("coverage_report.html")
    return page.render(report=report, source=source, version=__version__, styles=stylesheet())


def stylesheet() -> Any:
    """The report's stylesheet, marked safe for a template (it is ours, not a client's)."""
    from markupsafe import Markup

    return Markup(STYLESHEET.read_text(encoding="utf-8"))


def combine(reports: Sequence[Report], one_sandbox: bool = False) -> dict[str, Any]:
    """One report of several, as a sandbox would answer for all their counts together: the
    reports of several sandboxes (one per pytest-xdist worker), or, with `one_sandbox`, of
    several `tenant` queries of one sandbox (a query names at most 100). Each API's items add
    their hits. The tenants with counts add their requests, but those of one sandbox are the
    same tenants in each report: there the latest count of each is kept."""
    if len(reports) == 1:
        return dict(reports[0])
    apis: dict[str, dict[str, Any]] = {}
    for report in reports:
        for api in report["apis"]:
            kept = apis.get(api["api"])
            if kept is None:
                apis[api["api"]] = {**api, "areas": [dict(area) for area in api["areas"]]}
            else:
                kept["requests"] += api["requests"]
                kept["areas"] = [
                    added(one, other) for one, other in zip(kept["areas"], api["areas"], strict=True)
                ]
    combined = [{**api, **score(api["areas"])} for api in apis.values()]
    tenants: dict[tuple[str, str], int] = {}
    for report in reports:
        for tenant in report["tenants"]:
            key = (tenant["api"], tenant["tenant"])
            before = tenants.get(key, 0)
            tenants[key] = max(before, tenant["requests"]) if one_sandbox else before + tenant["requests"]
    first = reports[0]["filter"] if reports else {"api": None, "tenants": []}
    named = [name for report in reports for name in report["filter"]["tenants"]]
    return {
        "filter": {"api": first["api"], "tenants": list(dict.fromkeys(named))},
        **score(combined),
        "apis": combined,
        "tenants": [{"api": api, "tenant": tenant, "requests": n} for (api, tenant), n in tenants.items()],
    }


def added(one: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """Two counts of one area of one API, added up."""
    if (one["area"], [i["name"] for i in one["items"]]) != (
        other["area"],
        [i["name"] for i in other["items"]],
    ):
        raise ValueError(f"the reports document the area {one['area']!r} differently")
    items = [
        {"name": mine["name"], "hits": mine["hits"] + theirs["hits"]}
        for mine, theirs in zip(one["items"], other["items"], strict=True)
    ]
    details = hits(one["details"], other["details"])
    covered = sum(item["hits"] > 0 for item in items)
    return {
        **one,
        **score([{"covered": covered, "count": len(items)}]),
        "items": items,
        "gaps": [item["name"] for item in items if not item["hits"]],
        "details": [{"name": name, "hits": n} for name, n in sorted(details.items())],
    }


def hits(*counts: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for listed in counts:
        for count in listed:
            found[count["name"]] = found.get(count["name"], 0) + count["hits"]
    return found


def score(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The items covered of all `parts`, their count and the percentage (one decimal, 100 when
    there is nothing to cover): the sandbox's reports (`sandbox.coverage`) and their sums alike."""
    covered = sum(part["covered"] for part in parts)
    count = sum(part["count"] for part in parts)
    return {
        "covered": covered,
        "count": count,
        "percent": round(100 * covered / count, 1) if count else 100.0,
    }
