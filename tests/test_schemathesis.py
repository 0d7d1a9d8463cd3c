"""Schemathesis against real `sandbox serve` processes: generated requests, valid and invalid, for
every operation of the three specs, and every answer checked against its spec from outside.

The settings (seed, examples per operation, checks, credentials) are in tests/schemathesis.toml,
which also serves a run by hand (README, Development).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.resources import spec_path
from sandbox.spec.loader import load_spec
from tests.helpers import FIXJE_DEMO as DEMO
from tests.live import Server, serve

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ADMIN_TOKEN = "schemathesis-admin"  # the control API's bearer in schemathesis.toml
PHASES = ("examples", "coverage", "fuzzing", "stateful")


pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.fixture(scope="module")
def api() -> Iterator[Server]:
    """The Fixje and vidaXL APIs, the clock standing still so that runs repeat."""
    with serve("--freeze", "--check-responses") as live:
        yield live


@pytest.fixture(scope="module")
def control() -> Iterator[Server]:
    """A sandbox of its own for the control API, whose resets, imported states, fault rules and rate
    limits must not reach the API runs; with an admin token, so that its auth has something to check."""
    with serve("--admin-token", ADMIN_TOKEN, "--check-responses") as live:
        # A token of the demo partner for the token-fault example to revoke.
        requests.post(
            f"{live.url}/api/v1/login",
            timeout=5,
            data={
                "grant_type": "client_credentials",
                "client_id": DEMO[0],
                "client_secret": DEMO[1],
            },
        ).raise_for_status()
        yield live


def schemathesis(spec: str, url: str, workdir: Path) -> tuple[subprocess.CompletedProcess[str], Any]:
    """`schemathesis run` in `workdir`, so that its files and Hypothesis's stay out of the checkout."""
    report = workdir / "report.json"
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "--no-color",
        "run",
        str(spec_path(spec)),
        "--url",
        url,
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    env = {**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": str(workdir / ".hypothesis"), "COLUMNS": "120"}
    run = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    assert report.exists(), run.stdout + run.stderr
    return run, json.loads(report.read_text())


def errors(live: Server) -> str:
    """The sandbox's log without the frames of libraries: what failed, and where in the sandbox."""
    lines = "".join(live.log).splitlines()
    kept = [
        line
        for i, line in enumerate(lines)
        if not line.startswith(" ")
        or ('File "' in line and "site-packages" not in line)
        or (i and 'File "' in lines[i - 1] and "site-packages" not in lines[i - 1])
    ]
    return "\n".join(kept[-120:])


@pytest.mark.parametrize(("spec", "sandbox"), [("fixje", "api"), ("vidaxl", "api"), ("sandbox", "control")])
def test_schemathesis_finds_nothing(
    spec: str,
    sandbox: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    live: Server = request.getfixturevalue(sandbox)
    started = time.monotonic()
    run, report = schemathesis(spec, live.url, tmp_path)
    operations = len(load_spec(spec_path(spec)).operations)
    cases = report["test_cases"]
    with capsys.disabled():
        print(
            f"\nschemathesis {spec}: {report['operations']['tested']} of {operations} operations, "
            f"{cases['generated']} test cases, {cases['unique_failures']} failures, "
            f"{len(report['errors'])} errors, {time.monotonic() - started:.0f} s"
        )

    failures = run.stdout[max(run.stdout.find("=== FAILURES ==="), 0) :]
    code = run.returncode
    assert code == 0, f"{failures}\n{run.stderr}\n--- the sandbox's log ---\n{errors(live)}"
    assert cases["unique_failures"] == 0 and report["errors"] == []
    assert report["operations"]["tested"] == operations
    assert report["warnings"]["missing_auth"] == []
    assert {name: phase["status"] for name, phase in report["phases"].items()} == dict.fromkeys(
        PHASES, "success"
    )
    assert cases["generated"] >= 10 * operations
