"""The harness every server process is started with (sandbox/process.py): a sandbox found by its
banner, any other server at a given URL, and the errors of one that does not start or stops."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import sys
import time

import pytest
import requests

from sandbox.process import ServerError, ServerProcess

pytestmark = pytest.mark.live


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def toy(code: str, port: int, stop_timeout: float = 10.0) -> ServerProcess:
    """`python -c code`, a server at 127.0.0.1:port named "the toy", ready when / answers 200."""
    command = [sys.executable, "-c", code]
    url = f"http://127.0.0.1:{port}"
    return ServerProcess(command, url=url, ready="/", name="the toy", stop_timeout=stop_timeout)


LINE = "x" * 99 + "\n"


def serving(port: int, lines: int = 0) -> str:
    """Python code: an HTTP server on 127.0.0.1:port that answers 200 on /, after printing `lines`
    LINEs to stdout and to stderr."""
    return f"""
import http.server, sys
before = {LINE!r} * {lines}
sys.stdout.write(before); sys.stdout.flush(); sys.stderr.write(before); sys.stderr.flush()
http.server.ThreadingHTTPServer(("127.0.0.1", {port}), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def test_a_sandbox_is_ready_when_started_and_gone_when_stopped() -> None:
    with ServerProcess.sandbox("--freeze") as server:
        assert server.url == f"http://127.0.0.1:{server.port}" and server.host == "127.0.0.1"
        assert server.banner.startswith("supplier-sandbox ")
        assert server.banner.rstrip().endswith(f"{server.url}/_sandbox/health")
        assert server.log == []
        assert requests.get(f"{server.url}/_sandbox/health", timeout=5).json() == {
            "status": "ok",
            "durable": False,
        }
        pid = server.pid
        assert server.returncode is None
    assert server.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_server_at_a_given_url_is_ready_when_its_path_answers() -> None:
    port = free_port()
    with toy(serving(port), port) as server:
        assert (server.url, server.host, server.port, server.banner) == (
            f"http://127.0.0.1:{port}",
            "127.0.0.1",
            port,
            "",
        )
        assert requests.get(f"{server.url}/", timeout=5).status_code == 200
        server.check()


def test_output_beyond_a_pipe_buffer_never_stalls_the_server() -> None:
    port = free_port()
    with toy(serving(port, lines=5000), port) as server:
        assert server.log.count(LINE) == 2 * 5000  # 500 kB on each stream, read all along


def test_a_sandbox_that_exits_raises_with_its_status_and_output() -> None:
    server = ServerProcess.sandbox("--fixtures", "missing.yaml")
    with pytest.raises(ServerError) as failed:
        server.start()
    message = str(failed.value)
    assert message.startswith("The sandbox did not start: ")
    assert " --fixtures missing.yaml exited with status 2.\n--- its stderr ---\n" in message
    assert message.endswith("sandbox: cannot read fixtures missing.yaml: No such file or directory")
    assert server.returncode == 2


def test_a_server_that_never_answers_raises_at_the_deadline_and_is_stopped() -> None:
    code = "import time; print('listening on 127.0.0.1:9', flush=True); time.sleep(60)"
    command = [sys.executable, "-c", code]
    silent = ServerProcess(command, name="the toy", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ServerError) as failed:
        silent.start()
    assert time.monotonic() - started < 5
    assert str(failed.value) == (
        f"The toy did not start: {shlex.join(command)} did not answer in 0.5 s.\n"
        "--- its stdout ---\nlistening on 127.0.0.1:9"
    )
    assert silent.returncode == -signal.SIGTERM


def test_a_server_that_ignores_sigterm_is_killed_after_the_stop_timeout() -> None:
    port = free_port()
    code = "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + serving(port)
    with toy(code, port, stop_timeout=0.5) as server:
        pass
    assert server.returncode == -signal.SIGKILL


def test_a_server_that_stops_while_in_use_is_reported_by_check() -> None:
    with ServerProcess.sandbox() as server:
        server.send_signal(signal.SIGKILL)
        assert server.wait(timeout=10) == -signal.SIGKILL
        with pytest.raises(ServerError) as stopped:
            server.check()
    assert str(stopped.value).startswith("The sandbox stopped: ")
    assert " exited with status -9.\n--- its stdout ---\nsupplier-sandbox " in str(stopped.value)


def test_a_command_that_cannot_run_raises() -> None:
    with pytest.raises(ServerError, match=r"^The server did not start: /nonexistent/server: "):
        ServerProcess(["/nonexistent/server"]).start()
