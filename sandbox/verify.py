"""`sandbox verify SUPPLIER`: the drift check. It makes a supplier's read-only calls (its `probes`) of
a real service and of a sandbox built here from the default fixtures, and reports how each real
answer differs from the spec and from the sandbox's answer (`sandbox.drift`).

The real service gets at most one request per `pause` seconds: at least 1 s off loopback, by
default none on loopback (where a sandbox stands in for it in the tests). Credentials come from the
command line or the environment, go nowhere but into the requests, and are masked in all that is
printed. The sandbox is called in this process, without a socket."""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from starlette.types import ASGIApp, Message

from sandbox import __version__
from sandbox.access import on_loopback
from sandbox.app import create_app
from sandbox.drift import Answer, Difference, compare
from sandbox.probes import Probe, Probes
from sandbox.runtime import Runtime
from sandbox.settings import Settings
from sandbox.spec.loader import Spec
from sandbox.supplier import Supplier
from sandbox.suppliers import SUPPLIERS

EXIT_SAME, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2
PAUSE = 1.0
"""The least pause between two requests to a service off loopback, in seconds: 1 request a second."""
TIMEOUT = 30.0
BODY_LIMIT = 64 * 1024 * 1024
"""The most bytes of an answer read; a longer one is cut short (and so found unreadable)."""
MASK = "***"
KEYS = re.compile(r"(\w+)|\[(\d+)\]")
"""The steps of a place in a JSON value: `data[0].orderId`."""
ENV_BASE_URL = "SANDBOX_VERIFY_BASE_URL"


class Unreachable(Exception):
    """The service did not answer (no connection, a timeout, a connection closed early)."""


class Refused(Exception):
    """The service refused the credentials (401 or 403 to the call that signs in)."""


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """The path and query."""
    headers: dict[str, str]
    body: bytes | None = None


Transport = Callable[[Request], Answer]
"""Sends a request and returns the answer; Unreachable when none came."""


class Pacer:
    """Lets a request go at most once per `interval` seconds, counted from the start of the last."""

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self.last: float | None = None

    def wait(self) -> None:
        """Return when the next request may go (at once for the first)."""
        if self.last is not None:
            delay = self.last + self.interval - self.clock()
            if delay > 0:
                self.sleep(delay)
        self.last = self.clock()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other: following it would carry the credentials elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpTransport:
    """Requests to `base_url` through urllib, paced by `pacer`; no proxy for a loopback address."""

    def __init__(self, base_url: str, timeout: float, pacer: Pacer) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.pacer = pacer
        handlers: list[urllib.request.BaseHandler] = [NoRedirects()]
        if loopback(base_url):
            handlers.append(urllib.request.ProxyHandler({}))
        self.opener = urllib.request.build_opener(*handlers)

    def __call__(self, request: Request) -> Answer:
        headers = {"User-Agent": f"supplier-sandbox-verify/{__version__}", **request.headers}
        sent = urllib.request.Request(
            self.base_url + request.target, request.body, headers, method=request.method
        )
        self.pacer.wait()
        try:
            with self.opener.open(sent, timeout=self.timeout) as response:
                return Answer(response.status, lowered(response.headers.items()), read(response))
        except urllib.error.HTTPError as error:  # an answer, with a status of 300 and more
            with error:
                return Answer(error.code, lowered(error.headers.items()), read(error))
        except urllib.error.URLError as error:
            raise Unreachable(f"no answer from {self.base_url}: {error.reason}") from None
        except (OSError, http.client.HTTPException) as error:  # a timeout, a connection closed early
            raise Unreachable(f"no answer from {self.base_url}: {error or type(error).__name__}") from None


def read(response: Any) -> bytes:
    body: bytes = response.read(BODY_LIMIT)
    return body


def lowered(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


class AppTransport:
    """Requests to an ASGI app in this process, as a server would pass them on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.runner = asyncio.Runner()

    def __call__(self, request: Request) -> Answer:
        return self.runner.run(self._call(request))

    def close(self) -> None:
        self.runner.close()

    def __enter__(self) -> AppTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _call(self, request: Request) -> Answer:
        path, _, query = request.target.partition("?")
        headers = [(b"host", b"127.0.0.1")]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()]
        if request.body is not None:
            headers.append((b"content-length", str(len(request.body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": urllib.parse.unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        finished = asyncio.Event()
        pending = [{"type": "http.request", "body": request.body or b"", "more_body": False}]
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> Message:
            if pending:
                return pending.pop()
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    finished.set()

        try:
            await self.app(scope, receive, send)
        except Exception:
            if not started:  # the app answers an error it raises with a 500 first
                raise
        finally:
            finished.set()
        names = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in started["headers"]]
        return Answer(started["status"], lowered(names), b"".join(chunks))


def loopback(url: str) -> bool:
    return on_loopback(urllib.parse.urlsplit(url).hostname or "")


# --- one run -------------------------------------------------------------------------------------


@dataclass
class CallResult:
    """One call of the check: both answers (None for a call skipped) and how they differ."""

    probe: Probe
    real: Answer | None = None
    sandbox: Answer | None = None
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.real is None or self.sandbox is None:
            return "skipped"
        return "drift" if self.differences else "same"

    @property
    def request(self) -> str:
        """The call as the report shows it: the values it takes as `{name}`."""
        query = urllib.parse.urlencode(self.probe.query, safe="{}")
        return f"{self.probe.method} {self.probe.path}{'?' + query if query else ''}"

    def json(self) -> dict[str, Any]:
        return {
            "name": self.probe.name,
            "operation": self.probe.operation,
            "request": self.request,
            "real": self.real.json() if self.real is not None else None,
            "sandbox": self.sandbox.json() if self.sandbox is not None else None,
            "verdict": self.verdict,
            "differences": [difference.json() for difference in self.differences],
            "notes": self.notes,
        }


@dataclass
class Report:
    """The drift check of one supplier's service."""

    supplier: str
    base_url: str
    reference: dict[str, Any]
    """What the sandbox answered from: its `version`, `fixtures` and `seed`."""
    calls: list[CallResult] = field(default_factory=list)
    error: str | None = None
    """Why the check could not be made (exit status 2)."""
    hidden: frozenset[str] = field(default=frozenset(), repr=False)
    """The values masked in all that is printed: the credentials, and what the sign-in gave."""

    @property
    def drift(self) -> bool:
        return any(call.verdict == "drift" for call in self.calls)

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return EXIT_ERROR
        return EXIT_DRIFT if self.drift else EXIT_SAME

    @property
    def result(self) -> str:
        return "error" if self.error is not None else "drift" if self.drift else "same"

    def counts(self) -> dict[str, int]:
        verdicts = [call.verdict for call in self.calls]
        return {"calls": len(verdicts), **{v: verdicts.count(v) for v in ("same", "drift", "skipped")}}

    def json(self) -> str:
        """The report as JSON (its shape is in the README, "Drift check")."""
        data = {
            "supplier": self.supplier,
            "baseUrl": self.base_url,
            "sandbox": self.reference,
            "result": self.result,
            "exitCode": self.exit_code,
            "error": self.error,
            "summary": self.counts(),
            "calls": [call.json() for call in self.calls],
        }
        return self.mask(json.dumps(data, indent=2, ensure_ascii=False))

    def text(self) -> str:
        """The report as a table for a terminal: one row per call, its differences and notes under it."""
        sandbox = "the sandbox {version} (fixtures {fixtures}, seed {seed})".format_map(self.reference)
        lines = [f"sandbox verify {self.supplier}: {self.base_url} against {sandbox}", ""]
        rows = [("CALL", "OPERATION", "REQUEST", "REAL", "SANDBOX", "VERDICT")]
        for call in self.calls:
            real, sandbox = (str(a.status) if a is not None else "-" for a in (call.real, call.sandbox))
            rows.append((call.probe.name, call.probe.operation, call.request, real, sandbox, call.verdict))
        widths = [max(len(row[i]) for row in rows) for i in range(6)]
        kinds = max((len(d.kind) for call in self.calls for d in call.differences), default=0)
        for index, row in enumerate(rows):
            lines.append(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
            if index:
                call = self.calls[index - 1]
                lines += [f"    {d.kind.ljust(kinds)}  {d.message}" for d in call.differences]
                lines += [f"    note: {note}" for note in call.notes]
        counts = self.counts()
        lines += ["", f"{counts['calls']} calls: {counts['same']} same, {counts['drift']} drifted, "]
        lines[-1] += f"{counts['skipped']} skipped."
        if self.error is not None:
            lines.append(f"Not checked: {self.error}")
        elif self.drift:
            lines.append("Drift: the real service differs from the spec or the sandbox (exit status 1).")
        else:
            lines.append("No drift (exit status 0).")
        return self.mask("\n".join(lines))

    def mask(self, text: str) -> str:
        for value in sorted(self.hidden, key=len, reverse=True):
            text = text.replace(value, MASK)
            escaped = json.dumps(value, ensure_ascii=False)[1:-1]
            if escaped != value:
                text = text.replace(escaped, MASK)
        return text


def request_of(probe: Probe, values: Mapping[str, str], probes: Probes) -> Request:
    """The request of `probe` with `values` filled in (KeyError when one is missing)."""
    quoted = {name: urllib.parse.quote(value, safe="") for name, value in values.items()}
    target = probe.path.format_map(quoted)
    query = {name: text.format_map(values) for name, text in probe.query.items()}
    if query:
        target += "?" + urllib.parse.urlencode(query)
    headers = {"Accept": probe.accept}
    body = None
    if probe.form is not None:
        body = urllib.parse.urlencode({k: v.format_map(values) for k, v in probe.form.items()}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if not probe.sign_in:
        headers.update(probes.authorize(values))
    return Request(probe.method, target, headers, body)


def pick(value: Any, where: str) -> str | None:
    """The text at `where` (`data[0].orderId`) in a JSON value, if a string or a number is there."""
    for name, index in [(m.group(1), m.group(2)) for m in KEYS.finditer(where)]:
        if index is not None:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
        else:
            value = value.get(name) if isinstance(value, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


def kept(probe: Probe, answer: Answer) -> dict[str, str]:
    """What `probe` keeps from its answer for later calls."""
    if not probe.keep or answer.status >= 300:
        return {}
    try:
        body = json.loads(answer.body)
    except ValueError:
        return {}
    found = {name: pick(body, where) for name, where in probe.keep.items()}
    return {name: value for name, value in found.items() if value is not None}


def run(
    supplier: Supplier,
    spec: Spec,
    real: Transport,
    sandbox: Transport,
    credentials: Mapping[str, str],
    reference: Mapping[str, str],
    report: Report,
) -> Report:
    """Make the supplier's calls of both services in order and fill `report` in. A service that does
    not answer, or refuses the credentials, ends the run with `report.error` set."""
    probes = supplier.probes
    values = {"real": dict(credentials), "sandbox": dict(reference)}
    origin: dict[str, str] = {}
    """Which call gave each kept value."""
    hidden = {value for value in credentials.values() if value}
    report.hidden = frozenset(hidden)
    signs_in = any(probe.sign_in for probe in probes.calls)
    for index, probe in enumerate(probes.calls):
        result = CallResult(probe)
        report.calls.append(result)
        requests: dict[str, Request] = {}
        for side in ("real", "sandbox"):
            try:
                requests[side] = request_of(probe, values[side], probes)
            except KeyError as error:
                name = error.args[0]
                source = f"the {side} answer to {origin[name]}" if name in origin else "no earlier answer"
                result.notes.append(f"skipped: it needs {name}, which {source} did not give")
        if len(requests) < 2:
            continue
        try:
            result.real = real(requests["real"])
        except Unreachable as error:
            report.calls.pop()
            report.error = str(error)
            return report
        if (probe.sign_in or (index == 0 and not signs_in)) and result.real.status in (401, 403):
            report.error = f"the service refused the credentials ({result.real.status} to {probe.name})"
            result.real = None
            report.calls.pop()
            return report
        result.sandbox = sandbox(requests["sandbox"])
        for side, answer in (("real", result.real), ("sandbox", result.sandbox)):
            got = kept(probe, answer)
            values[side].update(got)
            origin.update(dict.fromkeys(got, probe.name))
            if probe.sign_in and side == "real":
                hidden.update(value for value in got.values() if value)
                report.hidden = frozenset(hidden)
        result.differences, result.notes = compare(
            spec.operation(probe.operation), result.real, result.sandbox
        )
    return report


def verify(
    supplier: Supplier,
    base_url: str,
    credentials: Mapping[str, str],
    *,
    real: Transport | None = None,
    pause: float = 0.0,
    timeout: float = TIMEOUT,
    suppliers: Sequence[Supplier] = SUPPLIERS,
) -> Report:
    """The drift check of `supplier`'s service at `base_url` signed in with `credentials` (by the
    names of its `probes.credentials`), against a sandbox of `suppliers` built from the default
    settings and fixtures. `real` replaces the HTTP transport (a test's app in process)."""
    app = create_app(Settings(), suppliers)
    runtime: Runtime = app.state.sandbox
    made = {"version": __version__, "fixtures": runtime.settings.fixtures.name, "seed": runtime.seed}
    report = Report(supplier.name, base_url, made)
    reference = supplier.probes.reference(runtime.fixtures.suppliers[supplier.name])
    if not reference:
        report.error = f"the sandbox's fixtures have no {supplier.label} account to make the same calls with"
        return report
    transport = real or HttpTransport(base_url, timeout, Pacer(pause))
    sandbox = AppTransport(app)
    try:
        return run(supplier, runtime.specs[supplier.name], transport, sandbox, credentials, reference, report)
    finally:
        sandbox.close()


# --- the command line ----------------------------------------------------------------------------


def seconds(least: float, most: float) -> Callable[[str], float]:
    """An option's number of seconds, from `least` to `most`."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
        if not least <= value <= most:  # nan too
            raise argparse.ArgumentTypeError(f"must be from {least:g} to {most:g} seconds, not {text}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser, probes: Probes, environ: Mapping[str, str]) -> None:
    """The options of `sandbox verify SUPPLIER`; each defaults to its environment variable."""
    parser.add_argument(
        "--base-url",
        default=environ.get(ENV_BASE_URL),
        metavar="URL",
        help=f"the real service's address, such as https://api.example.com (env {ENV_BASE_URL})",
    )
    for credential in probes.credentials:
        advice = "; on the command line it shows in ps: prefer the variable" if credential.secret else ""
        parser.add_argument(
            credential.option,
            dest=credential.name,
            default=environ.get(credential.env),
            metavar=credential.name.upper(),
            help=f"{credential.help} (env {credential.env}{advice})",
        )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--pause",
        type=seconds(0.0, 60.0),
        metavar="SECONDS",
        help=f"seconds between two requests to the service: at least {PAUSE:g} off loopback "
        f"(the default there), 0 on loopback unless given",
    )
    parser.add_argument(
        "--timeout",
        type=seconds(0.1, 600.0),
        default=TIMEOUT,
        metavar="SECONDS",
        help=f"seconds to wait for each answer (default {TIMEOUT:g})",
    )


def problem(arguments: argparse.Namespace, probes: Probes) -> str | None:
    """What is wrong with the options, if anything."""
    url = arguments.base_url
    if not url:
        return f"give the service's address with --base-url (or {ENV_BASE_URL})"
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as error:
        return f"--base-url is not a URL: {error}"
    if parts.username is not None or parts.password is not None:  # before the URL is shown anywhere
        return "--base-url must not hold credentials: give them with their options or variables"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--base-url must be an http:// or https:// address, not {url!r}"
    try:
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError as error:
        return f"--base-url {url!r} is not a URL: {error}"
    if parts.query or parts.fragment:
        return "--base-url must have no query or fragment"
    for credential in probes.credentials:
        if not getattr(arguments, credential.name):
            return f"give {credential.option} (or {credential.env})"
    pause = arguments.pause
    if pause is not None and pause < PAUSE and not loopback(url):
        return f"--pause must be at least {PAUSE:g} s off loopback: never more than 1 request a second"
    return None


def command(
    supplier: Supplier, arguments: argparse.Namespace, given: Sequence[str], out: IO[str], err: IO[str]
) -> int:
    """`sandbox verify SUPPLIER` with `arguments` parsed from `given`: the report on `out` (a table,
    or JSON), a failure on `err`."""
    probes = supplier.probes
    for credential in probes.credentials:
        option = credential.option
        if credential.secret and any(arg == option or arg.startswith(f"{option}=") for arg in given):
            print(
                f"sandbox: warning: {option} on the command line can be read by other users (ps); "
                f"prefer {credential.env}",
                file=err,
            )
    wrong = problem(arguments, probes)
    if wrong is not None:
        print(f"sandbox verify {supplier.name}: {wrong}", file=err)
        return EXIT_ERROR
    credentials = {credential.name: getattr(arguments, credential.name) for credential in probes.credentials}
    url = arguments.base_url.rstrip("/")
    pause = arguments.pause if arguments.pause is not None else 0.0 if loopback(url) else PAUSE
    report = verify(supplier, url, credentials, pause=pause, timeout=arguments.timeout)
    if report.error is not None:
        print(report.mask(f"sandbox verify {supplier.name}: {report.error}"), file=err)
    if arguments.json:
        print(report.json(), file=out)
    elif report.error is None:
        print(report.text(), file=out)
    return report.exit_code
