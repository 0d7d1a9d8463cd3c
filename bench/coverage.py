"""The cost of counting coverage (issue 15): the sandbox as it is against the same sandbox from
before coverage counting landed, on each of bench/run.py's routes.

The base is the parent of the commit that added sandbox/coverage.py (or --base REV), unpacked with
`git archive` into a temporary directory and run from there. Both are started with the default
options, as users run them; wrk (2 threads, 32 connections, --duration) runs each route on both in
turn, --rounds times, and the best of each is compared. Target: counting keeps at least 95% of
the base's requests per second on every route.

Run it by hand: `.venv/bin/python bench/coverage.py [--duration 5s] [--rounds 3] [--base REV]`.
It needs `wrk`, as bench/run.py does."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

from common import AS_USERS_RUN
from compare import compare, table
from run import POLL_INTERVAL, READY_TIMEOUT, ROOT, ensure_wrk, wrk_duration

from sandbox.process import ServerProcess

SHARE = 0.95
ROUTES = [
    "get_order",
    "get_products",
    "post_order",
    "vidaxl_get_order",
    "vidaxl_products",
    "vidaxl_list",
    "vidaxl_post",
]


def git(*arguments: str) -> bytes:
    return subprocess.run(["git", *arguments], cwd=ROOT, check=True, capture_output=True).stdout


def base_revision() -> str:
    """The commit before the one that added sandbox/coverage.py."""
    added = git("log", "--diff-filter=A", "--format=%H", "--", "sandbox/coverage.py").split()
    if not added:
        raise SystemExit("bench/coverage.py: no commit adds sandbox/coverage.py; give --base REV")
    return f"{added[-1].decode()}^"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/coverage.py", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    parser.add_argument("--duration", type=wrk_duration, default="5s")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", help="the revision to compare with (default: before coverage counting)")
    arguments = parser.parse_args(argv)
    wrk = ensure_wrk()
    base = arguments.base or base_revision()
    with tempfile.TemporaryDirectory(prefix="sandbox-coverage-") as work:
        checkout = Path(work) / "base"
        checkout.mkdir()
        with tarfile.open(fileobj=io.BytesIO(git("archive", base)), mode="r:") as archive:
            archive.extractall(checkout, filter="data")
        # `python -m sandbox` from the checkout imports its package, not the installed one
        before = ServerProcess.sandbox(
            *AS_USERS_RUN,
            timeout=READY_TIMEOUT,
            poll=POLL_INTERVAL,
            cwd=checkout,
            env={"PYTHONPATH": str(checkout)},
        )
        now = ServerProcess.sandbox(*AS_USERS_RUN, timeout=READY_TIMEOUT, poll=POLL_INTERVAL, cwd=ROOT)
        with before, now:
            servers = (("before", before), ("counting", now))
            rows = compare(
                wrk, arguments.duration, arguments.rounds, Path(work), servers, dict.fromkeys(ROUTES, SHARE)
            )
    print(f"\nbase: {git('rev-parse', '--short', base).decode().strip()}\n")
    print(table(rows, "before", "counting"))
    return 1 if any(row["result"] == "INVALID" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
