"""The README's walk-throughs, run as a reader runs them, against a real `sandbox serve`.

A section whose heading is followed by a `<!-- walk-through -->` comment is a walk-through: its
`sh` blocks run in order in one bash (so that `TOKEN=$(...)` carries to the next block), after a
reset of the sandbox, and what each block prints is compared with the `output` block right after
it; a block with no `output` block after it must print nothing. In an `output` block, `...`
stands for any text within its line, and the CSV's CR LF line ends compare as LF. The blocks say
`http://127.0.0.1:8000`; the test gives them its own server's address (and `SANDBOX_URL`), and
gives the address back in what they print. A block after a `<!-- not run -->` line is not run
(README, Development).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.live import Server, serve

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = "<!-- walk-through -->"
NOT_RUN = "<!-- not run -->"
"""On the line before an `sh` block of a walk-through: an example that needs more than a sandbox."""
ADDRESS = "127.0.0.1:8000"
"""The sandbox's address as the README's blocks name it: `make run`'s."""
WALKTHROUGHS = (
    "A walk-through with curl",
    "vidaXL: a walk-through with curl",
    "Order lifecycles and the control API",
    "Rehearsing failures: faults and rate limits",
    "Contract coverage",
)
FENCE = re.compile(r"^```(\S*)\n(.*?)^```\n", re.DOTALL | re.MULTILINE)
END = "\0"
"""What the shell prints after each block, to tell the blocks' outputs apart (no answer has NUL)."""


@dataclass(frozen=True)
class Block:
    """An `sh` block of the README and what it prints, by the `output` block after it."""

    line: int
    script: str
    output: str


def sections(text: str) -> dict[str, str]:
    """The README's `## ` sections by title, each with its text from its heading on."""
    parts = re.split(r"^(?=## )", text, flags=re.MULTILINE)
    return {part.splitlines()[0][3:]: part for part in parts if part.startswith("## ")}


def blocks(text: str, first_line: int = 1) -> list[Block]:
    """The `sh` blocks of `text` and their `output` blocks; an `output` block anywhere else is an
    error, as it would be compared with nothing."""
    fences = list(FENCE.finditer(text))
    found: list[Block] = []
    for index, fence in enumerate(fences):
        line = first_line + text.count("\n", 0, fence.start())
        if fence.group(1) == "output":
            previous = fences[index - 1] if index else None
            assert previous is not None and previous.group(1) == "sh", (
                f"README.md line {line}: an output block that follows no sh block"
            )
            assert not text[previous.end() : fence.start()].strip(), (
                f"README.md line {line}: text between an output block and its sh block"
            )
            continue
        if fence.group(1) != "sh":
            continue
        after = fences[index + 1] if index + 1 < len(fences) else None
        quoted = after is not None and after.group(1) == "output"
        if text[: fence.start()].rstrip().endswith(NOT_RUN):
            assert not quoted, f"README.md line {line}: an output block after a block {NOT_RUN}"
            continue
        found.append(Block(line, fence.group(2), after.group(2) if after and quoted else ""))
    return found


def walkthroughs() -> dict[str, list[Block]]:
    """The README's walk-throughs by title; its other sections must quote no output."""
    text = README.read_text(encoding="utf-8")
    found: dict[str, list[Block]] = {}
    for title, section in sections(text).items():
        first_line = text.count("\n", 0, text.index(section)) + 1
        if section.split("\n")[1] == MARKER:  # the line under the heading
            found[title] = blocks(section, first_line)
        else:
            assert "```output\n" not in section, f"README.md, {title}: output blocks but no {MARKER}"
    return found


def line_matches(expected: str, printed: str) -> bool:
    """Whether `printed` is the `expected` line, each `...` in it standing for any text."""
    head, *middle = expected.split("...")
    if not middle:
        return printed == expected
    *middle, tail = middle
    end = len(printed) - len(tail)
    if not printed.startswith(head) or not printed.endswith(tail) or end < len(head):
        return False
    at = len(head)
    for part in middle:  # each part as early as it can be: right for wildcards that match anything
        at = printed.find(part, at, end)
        if at < 0:
            return False
        at += len(part)
    return True


def mismatch(expected: str, printed: str) -> str | None:
    """What differs between an `output` block and what its `sh` block printed, or None."""
    want, got = expected.split("\n"), printed.replace("\r\n", "\n").split("\n")
    for number, (line, printed_line) in enumerate(zip(want, got, strict=False), 1):
        if not line_matches(line, printed_line):
            return f"output line {number}:\n  quoted:  {line}\n  printed: {printed_line}"
    if len(want) != len(got):
        return f"{len(want) - 1} lines quoted, {len(got) - 1} printed:\n{printed}"
    return None


def run(walkthrough: list[Block], url: str, cwd: Path) -> list[str]:
    """What each block printed (both streams), run in order in one bash aimed at `url`."""
    script = "exec 2>&1\n" + "".join(f"{block.script}printf '\\0'\n" for block in walkthrough)
    address = url.removeprefix("http://")
    (cwd / "walkthrough.sh").write_text(script.replace(ADDRESS, address), encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "no_proxy": "*",  # curl straight to the sandbox, whatever proxy the environment names
        "SANDBOX_URL": url,  # `sandbox coverage` and the other commands that read a sandbox
    }
    done = subprocess.run(
        ["bash", "walkthrough.sh"],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
        check=False,
    )
    printed = done.stdout.decode("utf-8", errors="replace").replace(address, ADDRESS)
    outputs = printed.split(END)
    assert len(outputs) == len(walkthrough) + 1, f"the blocks did not all run:\n{printed}"
    return outputs[:-1]


WALKTHROUGH_BLOCKS = walkthroughs()


def test_the_readme_marks_its_walkthroughs() -> None:
    assert tuple(WALKTHROUGH_BLOCKS) == WALKTHROUGHS
    for title, found in WALKTHROUGH_BLOCKS.items():
        assert any(block.output for block in found), f"{title}: no output block"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """`make run`'s sandbox: the default seed and fixtures, the clock running."""
    if shutil.which("curl") is None:
        pytest.skip("the walk-throughs need curl")
    with serve() as started:
        yield started


@pytest.mark.live
@pytest.mark.parametrize("title", WALKTHROUGHS)
def test_a_walkthrough_prints_what_the_readme_quotes(server: Server, title: str, tmp_path: Path) -> None:
    assert requests.post(f"{server.url}/_sandbox/reset", timeout=10).status_code == 200
    walkthrough = WALKTHROUGH_BLOCKS[title]
    outputs = run(walkthrough, server.url, tmp_path)
    problems = [
        f"README.md line {block.line}, {problem}"
        for block, printed in zip(walkthrough, outputs, strict=True)
        if (problem := mismatch(block.output, printed)) is not None
    ]
    assert not problems, "\n\n".join(problems)
    server.check()


@pytest.mark.parametrize(
    ("expected", "printed", "matches"),
    [
        ('{"id":70033}', '{"id":70033}', True),
        ('{"id":70033}', '{"id":70034}', False),
        ('{"at":"..."}', '{"at":"2026-11-02T09:00:01Z"}', True),
        ('{"at":"..."}', '{"at":""}', True),
        ('{"a":1,...,"z":26}', '{"a":1,"b":2,"z":26}', True),
        ('{"a":1,...,"z":26}', '{"a":1,"z":26}', False),  # the commas are text
        ("...", "anything", True),
        ("a...b...c", "abc", True),
        ("a...b...c", "acb", False),
        ("ab...ba", "aba", False),  # head and tail do not overlap
        ("x...", "", False),
    ],
)
def test_three_dots_stand_for_any_text_within_the_line(expected: str, printed: str, matches: bool) -> None:
    assert line_matches(expected, printed) is matches


def test_the_lines_must_match_one_for_one() -> None:
    assert mismatch("a\n...\n", "a\r\nb\r\n") is None
    assert mismatch("a\n", "a") is not None  # a last answer with no newline: its `; echo` is missing
    assert mismatch("a\n", "a\nb\n") is not None  # `...` never spans lines
    assert mismatch("", "") is None
