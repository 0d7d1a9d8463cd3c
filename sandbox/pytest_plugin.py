"""The pytest plugin (entry point `pytest11`): a real sandbox for the test session, a fresh tenant
of each API per test, and the control API as helpers that undo what a test changed.

Fixtures: `sandbox_server` (session), `sandbox_control`, `fixje_tenant`, `vidaxl_tenant` (per
test). `--sandbox-url URL` (or SANDBOX_URL) uses a sandbox that is already running; the ini option
`sandbox_args` sets the `sandbox serve` options of one the plugin starts (default `--freeze`).

Contract coverage: `--sandbox-coverage` prints its summary at the end, `--sandbox-coverage-report
DIR` writes DIR/coverage.json and DIR/coverage.html, `--sandbox-coverage-fail-under N` fails the
session below N percent. Counted is the whole of each sandbox the plugin started (cleared when it
starts), or in a sandbox given by URL the tenants the session made (all of it when it made none).
Under pytest-xdist each worker sends what it counted to the controller, which adds it up."""

from __future__ import annotations

import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox import report
from sandbox.process import ServerError, ServerProcess
from sandbox.world.clock import duration_text

START_TIMEOUT = 30.0
COVERAGE = "/_sandbox/coverage"
TENANTS_PER_QUERY = 100
"""The most `tenant` values `GET /_sandbox/coverage` takes at once."""
WORKER_OUTPUT = "supplier_sandbox_coverage"
"""What a pytest-xdist worker counted, in the output it sends the controller."""


class SandboxControlError(Exception):
    """The sandbox refused a call: `status` and the decoded `body` say why."""

    def __init__(self, method: str, url: str, status: int, body: Any) -> None:
        super().__init__(f"{method} {url} answered {status}: {json.dumps(body)}")
        self.status = status
        self.body = body


def call(
    method: str,
    url: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    ca: str | None = None,
) -> Any:
    """Send a JSON (or form) body, answer the decoded JSON (None when empty); raise on >= 400. An
    https `url` is trusted when the system or the CA certificate `ca` trusts it."""
    data = None
    sent = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data, sent, method=method)
    try:
        context = None if ca is None else ssl.create_default_context(cafile=ca)
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return decode(response.read())
    except urllib.error.HTTPError as error:
        with error:
            raise SandboxControlError(method, url, error.code, decode(error.read())) from None


def decode(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")


@dataclass(frozen=True)
class FixjeTenant:
    """A Fixje partner with no orders yet (made by `POST /_sandbox/tenants`)."""

    base_url: str
    """The server's root: paths are `/api/v1/...`."""
    name: str
    client_id: str
    client_secret: str
    store_front_ids: tuple[str, ...]
    ca: str | None = None
    """The CA certificate to trust when the sandbox serves HTTPS with its own (`verify=ca`)."""

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/v1/login"

    @property
    def credential(self) -> str:
        """What the journal and fault rules call this tenant."""
        return self.client_id

    def login(self) -> str:
        """A fresh access token (client credentials)."""
        answer = call(
            "POST",
            self.token_url,
            form={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            ca=self.ca,
        )
        token: str = answer["access_token"]
        return token


@dataclass(frozen=True)
class VidaxlTenant:
    """A vidaXL customer with no orders yet; HTTP Basic with `auth`."""

    base_url: str
    """The server's root: paths are `/api_customer/...`."""
    name: str
    email: str
    token: str
    ca: str | None = None
    """The CA certificate to trust when the sandbox serves HTTPS with its own (`verify=ca`)."""

    @property
    def auth(self) -> tuple[str, str]:
        return (self.email, self.token)

    @property
    def credential(self) -> str:
        return self.email


class SandboxServer:
    """A sandbox the session talks to: started by the plugin (`process` set) or given by URL."""

    def __init__(
        self, url: str, process: ServerProcess | None = None, admin_token: str | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.process = process
        self.admin_token = admin_token
        self.ca = None if process is None else process.ca
        """The CA certificate that signed the HTTPS certificate of a sandbox the plugin started with
        `--tls` (give it to your client: `requests.get(..., verify=sandbox_server.ca)`); else None,
        and an https sandbox given by URL must be trusted by the system (or SSL_CERT_FILE)."""
        self.tenants: list[str] = []
        """The credentials of the tenants made through it (`SandboxControl.new_*_tenant`)."""

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the control API; a refusal raises `SandboxControlError`."""
        headers = {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}
        return call(method, f"{self.url}{path}", body, headers, ca=self.ca)

    def healthy(self) -> bool:
        try:
            answer = call("GET", f"{self.url}/_sandbox/health", ca=self.ca)
            return isinstance(answer, dict) and answer.get("status") == "ok"
        except (OSError, SandboxControlError):
            return False


class SandboxControl:
    """The control API for one test; at its end the faults it added are removed and the rate
    limits and the clock's frozen state are put back."""

    def __init__(self, server: SandboxServer, name: str = "pytest") -> None:
        self.server = server
        self.name = name
        self.added_faults: list[str] = []
        self.saved_limits: Any = None
        self.saved_frozen: bool | None = None

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Any control API call, e.g. `call("POST", "/_sandbox/scenarios/backorder")`."""
        return self.server.control(method, path, body)

    # tenants

    def new_fixje_tenant(self, name: str | None = None) -> FixjeTenant:
        made = self.call("POST", "/_sandbox/tenants", {"api": "fixje", "name": name or self.name})
        tenant = FixjeTenant(
            self.server.url,
            made["name"],
            made["clientId"],
            made["clientSecret"],
            tuple(made["storeFrontIds"]),
            self.server.ca,
        )
        self.server.tenants.append(tenant.credential)
        return tenant

    def new_vidaxl_tenant(self, name: str | None = None) -> VidaxlTenant:
        made = self.call("POST", "/_sandbox/tenants", {"api": "vidaxl", "name": name or self.name})
        tenant = VidaxlTenant(self.server.url, made["name"], made["email"], made["token"], self.server.ca)
        self.server.tenants.append(tenant.credential)
        return tenant

    # the clock

    def clock(self) -> dict[str, Any]:
        """`{"now": "2026-11-02T09:00:00Z", "frozen": true}`"""
        answer: dict[str, Any] = self.call("GET", "/_sandbox/clock")
        return answer

    def now(self) -> datetime:
        return datetime.fromisoformat(self.clock()["now"].replace("Z", "+00:00"))

    def advance(self, by: str | timedelta) -> dict[str, Any]:
        """Move the clock on by an ISO 8601 duration (`"PT2H"`) or a whole number of seconds
        (`timedelta(days=1)`); the schedule applies what falls due."""
        if isinstance(by, timedelta):
            if by < timedelta(0) or by % timedelta(seconds=1):
                raise ValueError(f"the clock moves on by whole seconds, not {by}")
            by = duration_text(by)
        return self._move_clock({"advance": by})

    def set_time(self, when: str | datetime) -> dict[str, Any]:
        if isinstance(when, datetime):
            if when.tzinfo is None:
                raise ValueError("the sandbox's clock needs a time with a time zone")
            when = when.isoformat()
        return self._move_clock({"set": when})

    def freeze(self) -> dict[str, Any]:
        return self._move_clock({"frozen": True})

    def resume(self) -> dict[str, Any]:
        return self._move_clock({"frozen": False})

    def _move_clock(self, change: dict[str, Any]) -> dict[str, Any]:
        if "frozen" in change and self.saved_frozen is None:
            self.saved_frozen = bool(self.clock()["frozen"])
        answer: dict[str, Any] = self.call("POST", "/_sandbox/clock", change)
        return answer

    # orders

    def apply_event(self, api: str, order_id: str | int, event: str, **payload: Any) -> dict[str, Any]:
        """`apply_event("fixje", order_id, "ship", trackingNumber="3S...")`: answers the order's
        `previousStatus`, `status` and `allowedEvents`."""
        answer: dict[str, Any] = self.call(
            "POST", f"/_sandbox/{api}/orders/{order_id}/events", {"event": event, **payload}
        )
        return answer

    # faults and rate limits

    def add_fault(self, api: str, **rule: Any) -> dict[str, Any]:
        """A fault rule (`status=503, times=2`, `drop=True`, `latencyMs=200`, ...; scope it with
        `method`, `path`, `credential`); answers the rule as stored, with its `id`."""
        added: dict[str, Any] = self.call("POST", "/_sandbox/faults", {"api": api, **rule})
        self.added_faults.append(added["id"])
        return added

    def faults(self) -> list[dict[str, Any]]:
        """Every rule, with its `fired` count."""
        rules: list[dict[str, Any]] = self.call("GET", "/_sandbox/faults")["faults"]
        return rules

    def remove_fault(self, fault_id: str) -> None:
        self.call("DELETE", f"/_sandbox/faults/{fault_id}")

    def rate_limits(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("GET", "/_sandbox/rate-limits")
        return answer

    def set_rate_limits(self, enabled: bool = True, **limits: dict[str, Any]) -> dict[str, Any]:
        """Rate limits on (or off), optionally with new ones:
        `set_rate_limits(vidaxl={"requests": 1, "per": "PT1S"})`."""
        if self.saved_limits is None:
            self.saved_limits = self.rate_limits()
        answer: dict[str, Any] = self.call("PUT", "/_sandbox/rate-limits", {"enabled": enabled, **limits})
        return answer

    # Fixje tokens

    def expire_tokens(self, *, client_id: str | None = None, token: str | None = None) -> int:
        """End a token, or all of a client's tokens, at the clock's time; answers how many."""
        return self._token_fault("expire", client_id, token)

    def revoke_tokens(self, *, client_id: str | None = None, token: str | None = None) -> int:
        return self._token_fault("revoke", client_id, token)

    def _token_fault(self, action: str, client_id: str | None, token: str | None) -> int:
        which = {"clientId": client_id} if token is None else {"token": token}
        count: int = self.call("POST", f"/_sandbox/fixje/tokens/{action}", which)["tokens"]
        return count

    # the journal

    def journal(
        self,
        *,
        api: str | None = None,
        path: str | None = None,
        status: int | None = None,
        method: str | None = None,
        credential: str | None = None,
    ) -> list[dict[str, Any]]:
        """The journal's entries, OLDEST first (the control API answers newest first); `path` is
        a prefix; `credential` keeps one tenant's requests (`vidaxl_tenant.credential`)."""
        query = {
            key: str(value)
            for key, value in (("api", api), ("path", path), ("status", status))
            if value is not None
        }
        found = self.call("GET", f"/_sandbox/requests?{urllib.parse.urlencode(query)}")["requests"]
        return [
            entry
            for entry in reversed(found)
            if (method is None or entry["method"] == method.upper())
            and (credential is None or entry["credential"] == credential)
        ]

    def clear_journal(self) -> None:
        self.call("DELETE", "/_sandbox/requests")

    def undo(self) -> None:
        """Remove this test's fault rules; put the rate limits and the clock's frozen state back."""
        for fault_id in self.added_faults:
            try:
                self.remove_fault(fault_id)
            except SandboxControlError as error:
                if error.status != 404:  # gone already (a reset, or removed by the test)
                    raise
        self.added_faults.clear()
        if self.saved_limits is not None:
            saved, self.saved_limits = self.saved_limits, None
            self.call("PUT", "/_sandbox/rate-limits", saved)
        if self.saved_frozen is not None:
            frozen, self.saved_frozen = self.saved_frozen, None
            self.call("POST", "/_sandbox/clock", {"frozen": frozen})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sandbox", "supplier-sandbox")
    group.addoption(
        "--sandbox-url",
        metavar="URL",
        default=None,
        help="use the sandbox running at URL instead of starting one (env SANDBOX_URL)",
    )
    group.addoption(
        "--sandbox-coverage",
        action="store_true",
        default=False,
        help="print the sandbox's contract coverage (what the tests exercised of each API) at the end",
    )
    group.addoption(
        "--sandbox-coverage-report",
        metavar="DIR",
        type=Path,
        default=None,
        help="write the contract coverage to DIR/coverage.json and DIR/coverage.html",
    )
    group.addoption(
        "--sandbox-coverage-fail-under",
        metavar="N",
        type=float,
        default=None,
        help="fail the session when the contract coverage's total is below N percent",
    )
    parser.addini(
        "sandbox_args",
        type="args",
        default=["--freeze"],
        help="options for the `sandbox serve` the plugin starts, run in the rootdir (default: --freeze)",
    )


def start(options: list[str], cwd: Path) -> SandboxServer:
    """`python -m sandbox serve --host 127.0.0.1 --port 0 --log-level warning *options` (in `cwd`),
    once its health check answers; a sandbox that does not start fails the test with its output."""
    process = ServerProcess.sandbox(*options, timeout=START_TIMEOUT, cwd=cwd)
    try:
        process.start()
    except ServerError as error:
        pytest.fail(str(error), pytrace=False)
    return SandboxServer(process.url, process, os.environ.get("SANDBOX_ADMIN_TOKEN"))


def given_url(config: pytest.Config) -> str | None:
    url: str | None = config.getoption("sandbox_url") or os.environ.get("SANDBOX_URL") or None
    return url


@pytest.fixture(scope="session")
def sandbox_server(pytestconfig: pytest.Config) -> Iterator[SandboxServer]:
    """The sandbox for the whole session: the one at `--sandbox-url`, or one started on a free port
    (stopped at the end of the session)."""
    counting = pytestconfig.stash[COUNTING]
    url = given_url(pytestconfig)
    if url is not None:
        server = SandboxServer(url, admin_token=os.environ.get("SANDBOX_ADMIN_TOKEN"))
        if not server.healthy():
            pytest.fail(
                f"No sandbox answers at {server.url}/_sandbox/health "
                "(given by --sandbox-url or SANDBOX_URL).",
                pytrace=False,
            )
        try:
            yield server
        finally:
            counting.shared_used(server.tenants)
        return
    server = start(list(pytestconfig.getini("sandbox_args")), pytestconfig.rootpath)
    try:
        counting.started(server)
        yield server
    finally:
        counting.stopping(server)
        assert server.process is not None
        server.process.stop()


@pytest.fixture
def sandbox_control(
    sandbox_server: SandboxServer, request: pytest.FixtureRequest
) -> Iterator[SandboxControl]:
    """The control API for this test; what it changed is put back when the test ends."""
    control = SandboxControl(sandbox_server, request.node.nodeid[-100:])
    try:
        yield control
    finally:
        control.undo()


@pytest.fixture
def fixje_tenant(sandbox_control: SandboxControl) -> FixjeTenant:
    """A fresh Fixje partner for this test: `base_url`, `token_url`, `client_id`,
    `client_secret`, `store_front_ids`."""
    return sandbox_control.new_fixje_tenant()


@pytest.fixture
def vidaxl_tenant(sandbox_control: SandboxControl) -> VidaxlTenant:
    """A fresh vidaXL customer for this test: `base_url`, `email`, `token`, `auth`."""
    return sandbox_control.new_vidaxl_tenant()


# contract coverage


@dataclass
class Counting:
    """The contract coverage of this session (when an option asks for it): the report of each
    sandbox the plugin started, read before it stops; and whether a sandbox given by URL was used,
    by which tenants. The end of the session adds them up, and reports."""

    summary: bool = False
    directory: Path | None = None
    fail_under: float | None = None
    reports: list[dict[str, Any]] = field(default_factory=list)
    shared: bool = False
    tenants: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    combined: dict[str, Any] | None = None
    """What was counted, added up (at the end)."""
    written: list[Path] = field(default_factory=list)

    @property
    def wanted(self) -> bool:
        return self.summary or self.directory is not None or self.fail_under is not None

    def started(self, server: SandboxServer) -> None:
        """A sandbox the plugin started: what it counts from here on is this session's."""
        if self.wanted:
            self.ask(server, "DELETE")

    def stopping(self, server: SandboxServer) -> None:
        if self.wanted:
            found = self.ask(server, "GET")
            if found is not None:
                self.reports.append(found)

    def shared_used(self, tenants: list[str]) -> None:
        self.shared = True
        self.tenants += tenants

    def ask(self, server: SandboxServer, method: str, query: str = "") -> Any:
        try:
            return server.control(method, COVERAGE + query)
        except (OSError, SandboxControlError) as error:
            self.problems.append(f"{method} {server.url}{COVERAGE} failed: {error}")
            return None

    # across pytest-xdist workers

    def output(self) -> dict[str, Any]:
        return {
            "reports": self.reports,
            "shared": self.shared,
            "tenants": self.tenants,
            "problems": self.problems,
        }

    def absorb(self, output: Mapping[str, Any]) -> None:
        self.reports += output["reports"]
        self.shared = self.shared or output["shared"]
        self.tenants += output["tenants"]
        self.problems += output["problems"]

    # the end

    def finish(self, config: pytest.Config) -> None:
        """Add up what was counted (reading the shared sandbox's coverage now) and write the files."""
        reports = list(self.reports)
        url = given_url(config)
        if self.shared and url is not None:
            found = self.shared_report(SandboxServer(url, admin_token=os.environ.get("SANDBOX_ADMIN_TOKEN")))
            if found is not None:
                reports.append(found)
        if reports:
            self.combined = report.combine(reports)
        if self.directory is not None and self.combined is not None:
            self.write(self.directory, url if self.shared else None)

    def shared_report(self, server: SandboxServer) -> dict[str, Any] | None:
        """The tenants' coverage, a hundred tenants a query; the whole when there are none."""
        tenants = list(dict.fromkeys(self.tenants))
        if not tenants:
            found: dict[str, Any] | None = self.ask(server, "GET")
            return found
        parts = []
        for first in range(0, len(tenants), TENANTS_PER_QUERY):
            chunk = tenants[first : first + TENANTS_PER_QUERY]
            part = self.ask(server, "GET", "?" + urllib.parse.urlencode([("tenant", t) for t in chunk]))
            if part is None:
                return None
            parts.append(part)
        return report.combine(parts, one_sandbox=True)

    def write(self, directory: Path, source: str | None) -> None:
        assert self.combined is not None
        files = {
            directory / "coverage.json": json.dumps(self.combined, indent=2, ensure_ascii=False) + "\n",
            directory / "coverage.html": report.document(self.combined, source),
        }
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for path, text in files.items():
                path.write_text(text, encoding="utf-8")
                self.written.append(path)
        except OSError as error:
            self.problems.append(f"cannot write the reports to {directory}: {error}")

    @property
    def below(self) -> bool:
        """The total is below `fail_under` (or nothing was counted at all)."""
        if self.fail_under is None:
            return False
        return self.combined is None or self.combined["percent"] < self.fail_under

    def lines(self) -> list[tuple[str, dict[str, bool]]]:
        """What the terminal summary shows, each line with its markup."""
        shown: list[tuple[str, dict[str, bool]]] = [
            (f"sandbox coverage: {problem}", {"yellow": True}) for problem in self.problems
        ]
        if self.combined is None and not self.problems:
            shown.append(("sandbox coverage: no test used the sandbox, so nothing was counted", {}))
        elif self.combined is not None and self.summary:
            shown += [(line, {}) for line in report.summary(self.combined).splitlines()]
        shown += [(f"sandbox coverage: wrote {path}", {}) for path in self.written]
        if self.fail_under is not None:
            required = f"{self.fail_under:g}% (--sandbox-coverage-fail-under)"
            if self.combined is None:
                shown.append((f"sandbox coverage: no total to compare with {required}", {"red": True}))
            elif self.below:
                total = report.percent(self.combined["percent"])
                shown.append(
                    (f"sandbox coverage: total {total} is below {required}", {"red": True, "bold": True})
                )
            else:
                total = report.percent(self.combined["percent"])
                shown.append((f"sandbox coverage: total {total} reaches {required}", {"green": True}))
        return shown


COUNTING = pytest.StashKey[Counting]()


def pytest_configure(config: pytest.Config) -> None:
    directory = config.getoption("sandbox_coverage_report")
    config.stash[COUNTING] = Counting(
        summary=config.getoption("sandbox_coverage"),
        directory=None if directory is None else config.invocation_params.dir / directory,
        fail_under=config.getoption("sandbox_coverage_fail_under"),
    )


def worker(config: pytest.Config) -> bool:
    """This process is a pytest-xdist worker (which reports to its controller)."""
    return hasattr(config, "workerinput")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """A pytest-xdist worker ended: what it counted is added to the controller's."""
    counting = node.config.stash[COUNTING]
    output = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
    if output is not None:
        counting.absorb(output)
    elif counting.wanted and error:
        counting.problems.append(f"worker {node.gateway.id} went down ({error}); what it counted is lost")


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    counting = config.stash[COUNTING]
    if not counting.wanted:
        return
    if worker(config):
        config.workeroutput[WORKER_OUTPUT] = counting.output()  # type: ignore[attr-defined]
        return
    counting.finish(config)
    if counting.below and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    counting = config.stash[COUNTING]
    if not counting.wanted or worker(config):
        return
    terminalreporter.write_sep("-", "supplier-sandbox contract coverage")
    for line, markup in counting.lines():
        terminalreporter.write_line(line, **markup)
