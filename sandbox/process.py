"""A server in a process of its own, the one way the plugin, the tests and the benchmark start one:
run it, find its port in its banner, wait until it answers, keep what it prints, stop it.

Standard library only, and nothing else of the package: the pytest plugin ships with it."""

from __future__ import annotations

import functools
import http.client
import os
import re
import shlex
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

HEALTH = "/_sandbox/health"
LISTENING = re.compile(r"listening on (https://)?(\S+):(\d+)")
"""The first line of the sandbox's banner names the address it listens on (https:// with TLS)."""
CA_LINE = re.compile(r"^  CA certificate +(\S.*?)\s*$")
"""The banner of a sandbox started with --tls names the CA that signed its certificate."""
ANY_ADDRESS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


@functools.cache
def opener(ca: str | None = None) -> urllib.request.OpenerDirector:
    """Straight to the server, whatever proxy the environment names; over HTTPS trusting `ca`, or
    without checking the certificate when there is none to trust (a server with a pair of its own:
    a readiness check only asks whether it answers)."""
    if ca is None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(cafile=ca)
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )


class ServerError(Exception):
    """A server did not start, or stopped while in use; the message shows what it printed."""


class ServerProcess:
    """`command` as a server, ready to answer once `start()` (or `with`) returns.

    Without `url`, the address comes from the banner's `listening on HOST:PORT` line (so the
    server can take a free port with `--port 0`; `https://HOST:PORT` with `--tls`, whose banner
    also names the CA certificate to trust, kept in `ca`), and the banner ends with the line that
    names the `ready` path, as the sandbox's does. Ready means that `GET {url}{ready}` answers 200 within
    `timeout` seconds of the start; a process that exits or a deadline that passes first raises
    `ServerError` with the output. Threads read stdout and stderr all along, so a full pipe never
    stalls the server. `stop()` terminates it, and kills it after `stop_timeout` seconds."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        url: str | None = None,
        ready: str = HEALTH,
        name: str = "the server",
        timeout: float = 30.0,
        stop_timeout: float = 10.0,
        poll: float = 0.05,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.command = list(command)
        self.ready = ready
        self.name = name
        self.timeout = timeout
        self.stop_timeout = stop_timeout
        self.poll = poll
        self.cwd = cwd
        self.env = None if env is None else {**os.environ, **env}
        """The environment's variables with `env`'s added."""
        self.url = "" if url is None else url.rstrip("/")
        self.ca: str | None = None
        """The CA certificate that the banner names (`serve --tls`): trust it to call `url`."""
        self.host = ""
        self.port = 0
        self._process: subprocess.Popen[str] | None = None
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._streams: dict[str, list[str]] = {"stderr": [], "stdout": []}
        self._banner_end: int | None = None if url is None else 0
        if url is not None:
            found = re.match(r"https?://(\[[^]]*\]|[^:/]*)(?::(\d+))?", url)
            self.host = found.group(1).strip("[]") if found else ""
            self.port = int(found.group(2)) if found and found.group(2) else 0

    @classmethod
    def sandbox(
        cls,
        *options: str,
        timeout: float = 30.0,
        poll: float = 0.05,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ServerProcess:
        """`python -m sandbox serve --host 127.0.0.1 --port 0 --log-level warning *options` (an
        option given again in `options` wins)."""
        command = [sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", "0"]
        command += ["--log-level", "warning", *options]
        return cls(command, name="the sandbox", timeout=timeout, poll=poll, cwd=cwd, env=env)

    # what it printed

    @property
    def banner(self) -> str:
        """What the process printed up to the end of its banner (both streams, as they came)."""
        with self._lock:
            return "".join(self._lines[: self._banner_end or 0])

    @property
    def log(self) -> list[str]:
        """The lines the process printed after its banner: warnings, any traceback."""
        with self._lock:
            end = len(self._lines) if self._banner_end is None else self._banner_end
            return self._lines[end:]

    def printed(self, stream: str) -> list[str]:
        """The lines the process printed so far on `stream` ("stdout" or "stderr")."""
        with self._lock:
            return list(self._streams[stream])

    def output(self) -> str:
        """Everything it printed so far, stderr first, each stream under a heading."""
        with self._lock:
            shown = {name: "".join(lines).rstrip() for name, lines in self._streams.items()}
        return "\n".join(f"--- its {name} ---\n{text}" for name, text in shown.items() if text)

    # the process

    @property
    def pid(self) -> int:
        return self._started().pid

    @property
    def returncode(self) -> int | None:
        """None while the process runs."""
        return self._started().poll()

    def send_signal(self, signal: int) -> None:
        self._started().send_signal(signal)

    def wait(self, timeout: float | None = None) -> int:
        """The exit status once the process ends (`subprocess.TimeoutExpired` after `timeout`)."""
        return self._started().wait(timeout)

    def check(self) -> None:
        """Raise `ServerError` if the process has stopped."""
        code = self.returncode
        if code is not None:
            self._join()
            raise self._error(f"stopped: {shlex.join(self.command)} exited with status {code}.")

    def start(self) -> Self:
        """Run the command and return once the server is ready; `ServerError` (after stopping it)
        when it exits or the deadline passes first."""
        if self._process is not None:
            raise RuntimeError(f"{self.name} was started already")
        try:
            self._process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                cwd=self.cwd,
                env=self.env,
            )
        except OSError as error:
            raise ServerError(f"{self._title()} did not start: {shlex.join(self.command)}: {error}") from None
        for name, stream in (("stdout", self._process.stdout), ("stderr", self._process.stderr)):
            assert stream is not None
            thread = threading.Thread(target=self._drain, args=(name, stream), daemon=True)
            thread.start()
            self._threads.append(thread)
        try:
            self._wait_until_ready(time.monotonic() + self.timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Terminate the process, kill it if it is still there after `stop_timeout`; idempotent."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerProcess {self.name} {self.url or '(no address yet)'}>"

    # inside

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._process

    def _drain(self, name: str, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                with self._lock:
                    self._lines.append(line)
                    self._streams[name].append(line)
                    if name == "stdout" and self._banner_end is None:
                        self._read_banner(line)

    def _read_banner(self, line: str) -> None:
        """The address from the banner's first line; the banner's end at the line naming `ready`."""
        found = LISTENING.search(line)
        if found and not self.url:
            self.host = ANY_ADDRESS.get(found.group(2).strip("[]"), found.group(2).strip("[]"))
            self.port = int(found.group(3))
            shown = f"[{self.host}]" if ":" in self.host else self.host
            self.url = f"{'https' if found.group(1) else 'http'}://{shown}:{self.port}"
        ca = CA_LINE.match(line)
        if ca:
            self.ca = ca.group(1)
        if self.url and self.ready in line:
            self._banner_end = len(self._lines)

    def _wait_until_ready(self, deadline: float) -> None:
        while True:
            with self._lock:
                url = self.url if self._banner_end is not None else ""
                ca = self.ca
            if url and self._answers(f"{url}{self.ready}", deadline, ca):
                return
            code = self._started().poll()
            if code is not None:
                self._join()
                why = f"exited with status {code}"
            elif time.monotonic() >= deadline:
                why = f"did not answer in {self.timeout:g} s"
            else:
                time.sleep(self.poll)
                continue
            raise self._error(f"did not start: {shlex.join(self.command)} {why}.")

    def _answers(self, url: str, deadline: float, ca: str | None = None) -> bool:
        wait = min(2.0, max(deadline - time.monotonic(), 0.05))
        try:
            with opener(ca).open(url, timeout=wait) as response:
                return bool(response.status == 200)
        except urllib.error.HTTPError as error:
            error.close()
            return False
        except (OSError, http.client.HTTPException):  # URLError is an OSError
            return False

    def _join(self) -> None:
        """Let the drain threads read what is left once the process has ended."""
        for thread in self._threads:
            thread.join(self.stop_timeout)

    def _error(self, what: str) -> ServerError:
        return ServerError("\n".join(filter(None, [f"{self._title()} {what}", self.output()])))

    def _title(self) -> str:
        return self.name[:1].upper() + self.name[1:]
