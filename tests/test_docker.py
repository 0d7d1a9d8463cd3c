"""The Dockerfile, read as Docker reads it (no daemon needed): a pinned base, the labels, a layer of
dependencies that a change to the sources does not rebuild, and a health check that follows
SANDBOX_PORT and TLS, run here against real servers."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sandbox.process import ServerProcess
from sandbox.pytest_plugin import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, the rest) of each instruction, its continued lines joined as Docker joins them
    (a line ending in a backslash goes on, comment lines inside are dropped)."""
    found: list[tuple[str, str]] = []
    current = ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#") or (not current and not line.strip()):
            continue
        if line.endswith("\\"):
            current += line[:-1]
            continue
        current += line
        word, _, rest = current.strip().partition(" ")
        found.append((word.upper(), rest.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside an instruction"
    return found


def one(word: str) -> str:
    [rest] = [rest for name, rest in instructions() if name == word]
    return rest


def test_the_base_image_is_a_patch_release_on_a_named_debian() -> None:
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", one("FROM"))


def test_the_labels_name_the_image_as_the_project_does() -> None:
    labels = dict(pair.split("=", 1) for pair in shlex.split(one("LABEL")))
    oci = {key.removeprefix("org.opencontainers.image."): value for key, value in labels.items()}
    assert oci == {
        "title": PROJECT["name"],
        "description": PROJECT["description"],
        "version": PROJECT["version"],
        "licenses": PROJECT["license"],
        "source": "${SOURCE}",
    }


def test_the_dependencies_are_installed_before_the_sources_are_copied() -> None:
    steps = [(word, rest) for word, rest in instructions() if word in ("COPY", "RUN")]
    copies = [rest.split()[0] for word, rest in steps if word == "COPY"]
    assert copies == ["pyproject.toml", "README.md", "sandbox", "specs", "fixtures"]
    first_run = next(i for i, (word, _) in enumerate(steps) if word == "RUN")
    assert steps[:first_run] == [("COPY", "pyproject.toml ./")]
    assert "pip install -r" in steps[first_run][1] and "optional-dependencies']['tls']" in steps[first_run][1]
    [install] = [rest for word, rest in steps[first_run + 1 :] if word == "RUN"]
    assert steps.index(("RUN", install)) > steps.index(("COPY", "sandbox ./sandbox"))
    assert "pip install --no-deps --no-build-isolation . && pip check" in install


def test_the_health_check_waits_for_the_start() -> None:
    options = one("HEALTHCHECK").split(" CMD ")[0].split()
    assert "--start-period=30s" in options and "--timeout=3s" in options


def health_check(environ: dict[str, str]) -> int:
    """The exit status of the image's health check, run here with `environ` as its variables."""
    command = one("HEALTHCHECK").split(" CMD ", 1)[1]
    [python, option, code] = shlex.split(command)
    assert (python, option) == ("python", "-c")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_") and "PROXY" not in k.upper()}
    result = subprocess.run(
        [sys.executable, "-c", code], env=clean | environ, capture_output=True, timeout=30, check=False
    )
    return result.returncode


@pytest.mark.live
def test_the_health_check_follows_the_port_and_tls(sandbox_server: SandboxServer, tmp_path: Path) -> None:
    port = sandbox_server.url.rsplit(":", 1)[1]
    assert health_check({"SANDBOX_PORT": port}) == 0
    assert health_check({"SANDBOX_PORT": port, "SANDBOX_TLS": "1"}) != 0  # https to a plain server
    with ServerProcess.sandbox("--tls", env={"XDG_DATA_HOME": str(tmp_path)}) as server:
        assert health_check({"SANDBOX_PORT": str(server.port), "SANDBOX_TLS": "yes"}) == 0
        assert health_check({"SANDBOX_PORT": str(server.port), "SANDBOX_TLS_CERT": "/x.pem"}) == 0
        assert health_check({"SANDBOX_PORT": str(server.port)}) != 0  # plain HTTP to HTTPS
    assert health_check({"SANDBOX_PORT": str(server.port), "SANDBOX_TLS": "1"}) != 0  # gone
