"""`sandbox state export|import FILE`: the whole state of a running sandbox to a file and back,
through its control API; a clear message and exit code 2 when it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from sandbox import cli
from sandbox.process import ServerProcess

pytestmark = pytest.mark.live


def test_export_then_import_gives_the_state_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "state.json"
    with ServerProcess.sandbox("--freeze") as server:
        assert cli.main(["state", "export", str(saved), "--url", server.url]) == 0
        exported = saved.read_bytes()
        assert capsys.readouterr().out == f"sandbox: state exported to {saved} ({len(exported):,} bytes)\n"
        assert json.loads(exported) == requests.get(f"{server.url}/_sandbox/state", timeout=10).json()
        moved = requests.post(f"{server.url}/_sandbox/clock", json={"advance": "P1D"}, timeout=5)
        assert moved.json()["now"] == "2026-11-03T09:00:00Z"
        assert cli.main(["state", "import", str(saved), "--url", server.url]) == 0
        said = capsys.readouterr().out
        assert said == f"sandbox: state imported from {saved}; the clock stands at 2026-11-02T09:00:00Z\n"
        assert requests.get(f"{server.url}/_sandbox/state", timeout=10).content == exported


def test_a_refused_import_and_no_sandbox_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "something-else"}))
    with ServerProcess.sandbox("--freeze") as server:
        url = server.url
        assert cli.main(["state", "import", str(wrong), "--url", url]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"sandbox: {url}/_sandbox/state answered 400: ")
        assert "Traceback" not in err
    assert cli.main(["state", "export", str(tmp_path / "out.json"), "--url", url]) == 2
    assert capsys.readouterr().err.startswith(f"sandbox: no sandbox answers at {url} (")
    assert not (tmp_path / "out.json").exists()
    assert cli.main(["state", "import", str(tmp_path / "missing.json"), "--url", url]) == 2
    assert (
        capsys.readouterr().err
        == f"sandbox: cannot read {tmp_path / 'missing.json'}: No such file or directory\n"
    )
