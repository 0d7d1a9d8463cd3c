"""Two sandboxes on the same requests with wrk, in turn: what bench/durable.py and bench/coverage.py
measure a change's cost with (the ratio of the second's requests per second to the first's)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from run import Client, WrkResult, duration_seconds, lua_script, make_cases, run_wrk

from sandbox.process import ServerProcess


def compare(
    wrk: str,
    duration: str,
    rounds: int,
    work: Path,
    servers: tuple[tuple[str, ServerProcess], tuple[str, ServerProcess]],
    targets: dict[str, float],
) -> list[dict[str, Any]]:
    """Each case of `targets` (a key of bench/run.py's cases, and the share of the first server's
    requests per second the second must keep) on both `servers` (label, started server) in turn,
    `rounds` times each; the best run of each, their ratio and the verdict."""
    ready = []
    for label, server in servers:
        client = Client(server.url)
        token = client.login()
        ready.append((label, server, token, {case.key: case for case in make_cases(client)}))
    rows = []
    for key, share in targets.items():
        runs: list[list[WrkResult]] = [[], []]
        for round_ in range(1, rounds + 1):
            for (label, server, token, cases), results in zip(ready, runs, strict=True):
                case = cases[key]
                print(f"  wrk {case.label} @ {label} {round_}/{rounds} ...", file=sys.stderr, flush=True)
                script = work / f"{key}-{len(results)}-{id(server)}.lua"
                script.write_text(lua_script(case, token), encoding="utf-8")
                results.append(run_wrk(wrk, server.url, case, script, duration, duration_seconds(duration)))
                server.check()
        best = [max(results, key=lambda r: r.requests_per_sec) for results in runs]
        ratio = best[1].requests_per_sec / best[0].requests_per_sec if best[0].requests_per_sec else 0.0
        problems = [problem for results in runs for result in results for problem in result.problems()]
        rows.append(
            {
                "request": ready[0][3][key].label,
                "first_rps": round(best[0].requests_per_sec),
                "second_rps": round(best[1].requests_per_sec),
                "ratio": round(ratio, 3),
                "first_p99_ms": best[0].p99_ms,
                "second_p99_ms": best[1].p99_ms,
                "target": share,
                "result": "INVALID" if problems else ("PASS" if ratio >= share else "FAIL"),
                "runs": [[r.requests_per_sec for r in results] for results in runs],
            }
        )
    return rows


def table(rows: list[dict[str, Any]], first: str, second: str) -> str:
    """The rows as a Markdown table."""
    lines = [
        f"| request | {first} req/s | {second} req/s | ratio | p99 {first} / {second} | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['request']} | {row['first_rps']:,} | {row['second_rps']:,} | {row['ratio']:.0%} | "
            f"{row['first_p99_ms']:.1f} / {row['second_p99_ms']:.1f} ms | "
            f">={row['target']:.0%} | {row['result']} |"
        )
    return "\n".join(lines)
