"""The `sandbox` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import http.client
import json
import logging
import os
import socket
import sqlite3
import ssl
import sys
import textwrap
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from sandbox import __version__, report, verify
from sandbox.access import on_loopback
from sandbox.accesslog import Batch, batch_access_log, masked
from sandbox.app import create_app
from sandbox.collector import Collector
from sandbox.fixtures import FixtureError
from sandbox.limits import Limits, default_connections, limited
from sandbox.runtime import Runtime
from sandbox.settings import Settings, add_serve_arguments, settings_from
from sandbox.spec.router import DroppedConnection
from sandbox.store import StoreError
from sandbox.suppliers import SUPPLIERS
from sandbox.tls import Tls, TlsError, folder, local, own


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="sandbox",
        description="supplier-sandbox: a local emulation of the Fixje Partner Web API and the "
        "vidaXL customer API for offline development and tests.",
    )
    top.add_argument("--version", action="version", version=f"supplier-sandbox {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the sandbox server",
        description="Run the sandbox on HOST:PORT with a world generated from the fixtures and "
        "seed. Prints the base URL and the demo credentials when it is ready to serve.",
    )
    add_serve_arguments(serve, os.environ)
    state = commands.add_parser(
        "state",
        help="export or import the whole state of a running sandbox",
        description="Export the state of a running sandbox to a JSON file, or import one into it "
        "(GET and PUT /_sandbox/state). A durable sandbox (--data) keeps an import as any change.",
    )
    state.add_argument("action", choices=["export", "import"])
    state.add_argument(
        "file", type=Path, metavar="FILE", help="the JSON file (- for standard output or input)"
    )
    add_address_arguments(state)
    coverage = commands.add_parser(
        "coverage",
        help="show what clients exercised of each API of a running sandbox, and the gaps",
        description="Read the contract coverage of a running sandbox (GET /_sandbox/coverage): a "
        "summary on standard output, or with --html and --json the reports written to files.",
    )
    coverage.add_argument("--api", metavar="NAME", help="only this API, as the sandbox names it")
    coverage.add_argument(
        "--tenant",
        metavar="KEY",
        action="append",
        default=[],
        help="only this tenant's counts (a client id, an e-mail); repeat for several",
    )
    coverage.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="write the report as one self-contained HTML page (- for standard output)",
    )
    coverage.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="write the sandbox's answer, as JSON (- for standard output)",
    )
    coverage.add_argument(
        "--all-gaps",
        action="store_true",
        help=f"name every gap in the summary (default: the first {report.GAPS_SHOWN} of each area)",
    )
    add_address_arguments(coverage)
    add_verify(commands)
    return top


def add_address_arguments(command: argparse.ArgumentParser) -> None:
    """--url, --cacert and --admin-token: where the running sandbox is, what it proves itself
    with, and its token."""
    command.add_argument(
        "--url",
        default=os.environ.get("SANDBOX_URL", "http://127.0.0.1:8000"),
        help="the sandbox's address (default http://127.0.0.1:8000; https://... for one started "
        "with --tls; env SANDBOX_URL)",
    )
    command.add_argument(
        "--cacert",
        type=Path,
        metavar="FILE",
        default=os.environ.get("SANDBOX_CACERT") or None,
        help="trust the certificates this CA signed, as the banner of `serve --tls` names it "
        "(default: the system's; env SANDBOX_CACERT)",
    )
    command.add_argument(
        "--admin-token",
        default=os.environ.get("SANDBOX_ADMIN_TOKEN"),
        help="the sandbox's admin token, when it has one (env SANDBOX_ADMIN_TOKEN)",
    )


class Refused(Exception):
    """No sandbox answered, or it refused the call: the message says which, and why."""


def control(
    url: str,
    path: str,
    token: str | None,
    body: bytes | None = None,
    method: str = "GET",
    query: Sequence[tuple[str, str]] = (),
    cacert: Path | None = None,
) -> bytes:
    """The answer of the control API at `url` to `method path?query` (JSON `body`, if any); an
    https `url` must prove itself with a certificate that the system or `cacert` trusts."""
    headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    if body is not None:
        headers["Content-Type"] = "application/json"
    where = f"{url.rstrip('/')}{path}"
    try:
        request = urllib.request.Request(
            where + (f"?{urllib.parse.urlencode(query)}" if query else ""), body, headers, method=method
        )
    except ValueError as error:  # not an http:// address at all
        raise Refused(f"no sandbox answers at {url} ({error})") from None
    try:
        context = None if cacert is None else ssl.create_default_context(cafile=cacert)
    except OSError as error:  # ssl.SSLError too
        raise Refused(f"cannot read the CA certificate {cacert}: {error.strerror or error}") from None
    try:
        with urllib.request.urlopen(request, timeout=600, context=context) as response:
            answer: bytes = response.read()
            return answer
    except urllib.error.HTTPError as error:
        raise Refused(f"{where} answered {error.code}: {refusal(error.read())}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, ssl.SSLCertVerificationError) and cacert is None:
            reason = f"{reason}; give the CA certificate that `serve --tls` names with --cacert"
        raise Refused(f"no sandbox answers at {url} ({reason})") from None


def refusal(content: bytes) -> str:
    """The control API's `{"message": ..., "errors": {field: [...]}}` as one line."""
    detail = content.decode("utf-8", "replace")
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        body = json.loads(detail)
        detail = body.get("message", detail)
        fields = body.get("errors") or {}
        detail = " ".join([detail, *(f"{name}: {' '.join(notes)}" for name, notes in fields.items())])
    return detail


def add_verify(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`sandbox verify SUPPLIER`, one subcommand per registered supplier with its credentials."""
    listed = "\n".join(
        f"  {s.name:<10} {', '.join(c.option for c in s.probes.credentials)}  ({s.title})" for s in SUPPLIERS
    )
    check = commands.add_parser(
        "verify",
        help="the drift check: compare a real service's answers with the specs and the sandbox",
        description=textwrap.fill(
            "Make a supplier's read-only calls of its real service and of the sandbox (the default "
            "fixtures, in this process), and report how each real answer differs from the spec and "
            "from the sandbox's: status, media type, documented headers, fields (missing, extra, other "
            "types or formats), XML elements, CSV columns. Never a write; at most 1 request a second "
            "off loopback. Exit status 0: no drift, 1: drift, 2: the service could not be reached or "
            "refused the credentials, or an option is wrong."
        ),
        epilog=f"suppliers and their credentials (each also from SANDBOX_VERIFY_<NAME>):\n{listed}\n\n"
        "sandbox verify SUPPLIER --help shows a supplier's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = check.add_subparsers(dest="supplier", required=True, metavar="SUPPLIER")
    for supplier in SUPPLIERS:
        options = ", ".join(c.option for c in supplier.probes.credentials)
        one = which.add_parser(
            supplier.name,
            help=f"{supplier.title} (--base-url, {options})",
            description=f"The drift check of a {supplier.title} service: "
            + ", ".join(f"{p.name} ({p.operation})" for p in supplier.probes.calls)
            + ".",
        )
        verify.add_arguments(one, supplier.probes, os.environ)


def state_command(action: str, file: Path, url: str, token: str | None, cacert: Path | None = None) -> int:
    """`sandbox state export|import FILE`: the control API's state, through HTTP."""
    body = None
    if action == "import":
        try:
            body = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        except OSError as error:
            print(f"sandbox: cannot read {file}: {error.strerror}", file=sys.stderr)
            return 2
    try:
        answer = control(
            url, "/_sandbox/state", token, body, "PUT" if body is not None else "GET", cacert=cacert
        )
    except Refused as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 2
    if action == "import":
        print(f"sandbox: state imported from {file}; the clock stands at {json.loads(answer)['now']}")
        return 0
    if str(file) == "-":
        sys.stdout.buffer.write(answer)
        return 0
    try:
        file.write_bytes(answer)
    except OSError as error:
        print(f"sandbox: cannot write {file}: {error.strerror}", file=sys.stderr)
        return 2
    print(f"sandbox: state exported to {file} ({len(answer):,} bytes)")
    return 0


def coverage_command(
    url: str,
    token: str | None,
    api: str | None,
    tenants: Sequence[str],
    html: Path | None,
    json_file: Path | None,
    all_gaps: bool = False,
    cacert: Path | None = None,
) -> int:
    """`sandbox coverage`: the summary of `GET /_sandbox/coverage`, or its reports in files."""
    if str(html) == str(json_file) == "-":
        print("sandbox: only one of --html and --json can go to standard output (-)", file=sys.stderr)
        return 2
    query = ([] if api is None else [("api", api)]) + [("tenant", tenant) for tenant in tenants]
    try:
        answer = control(url, "/_sandbox/coverage", token, query=query, cacert=cacert)
    except Refused as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 2
    found = json.loads(answer)
    if html is None and json_file is None:
        print(report.summary(found, None if all_gaps else report.GAPS_SHOWN))
        return 0
    page = None if html is None else report.document(found, url.rstrip("/")).encode()
    written = []
    for file, kind, content in ((json_file, "JSON", answer), (html, "HTML", page)):
        if file is None or content is None:
            continue
        if str(file) == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
            continue
        try:
            file.write_bytes(content)
        except OSError as error:
            print(f"sandbox: cannot write {file}: {error.strerror}", file=sys.stderr)
            return 2
        written.append(f"the {kind} report to {file}")
    total = f"coverage {report.percent(found['percent'])} ({found['covered']} of {found['count']} items)"
    said = f"sandbox: {total}" + (f"; wrote {' and '.join(written)}" if written else "")
    print(said, file=sys.stderr if "-" in (str(html), str(json_file)) else sys.stdout)
    return 0


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def banner(
    settings: Settings,
    port: int,
    seed: int,
    apis: list[tuple[str, str, str, list[str]]],
    tls: Tls | None = None,
) -> str:
    """The start-up banner; `apis` gives per supplier its title, path, how to sign in (with
    `{base}` for the address) and its accounts' credentials; `tls` the certificate it serves."""
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    shown = f"[{shown}]" if ":" in shown else shown
    scheme = "https" if tls else "http"
    base = f"{scheme}://{shown}:{port}"
    fixtures = settings.fixtures.resolve()
    if fixtures.is_relative_to(Path.cwd()):
        fixtures = fixtures.relative_to(Path.cwd())
    where = f"seed {seed}, fixtures {fixtures}"
    address = f"{settings.host}:{port}" if tls is None else f"https://{settings.host}:{port}"
    lines = [f"supplier-sandbox {__version__} listening on {address} ({where})"]
    if tls is not None and tls.ca is not None:
        lines.append(f"  CA certificate         {tls.ca}")
        lines.append(
            f"    {'made now' if tls.made else 'kept'}: trust it (curl --cacert, REQUESTS_CA_BUNDLE, "
            "NODE_EXTRA_CA_CERTS, SSL_CERT_FILE); it signs for localhost, 127.0.0.1 and ::1 only"
        )
    elif tls is not None:
        lines.append(f"  TLS certificate        {tls.cert}   (yours)")
    for title, path, auth, accounts in apis:
        lines.append(f"  {title:<22} {base}{path}   ({auth.replace('{base}', base)})")
        lines += [f"    {account}" for account in accounts]
    if settings.admin_token:
        access = "Authorization: Bearer <admin token>"
    elif on_loopback(settings.host):
        access = "open on loopback"
    else:
        access = "closed: start with --admin-token to open it"
    lines.append(f"  Control API            {base}/_sandbox   ({access})")
    lines.append(f"  Dashboard              {base}/_sandbox/ui   (as the control API)")
    lines.append(f"  API docs               {base}/docs")
    lines.append(f"  Health                 {base}/_sandbox/health")
    return "\n".join(lines)


def apis(runtime: Runtime) -> list[tuple[str, str, str, list[str]]]:
    """What the banner shows of each supplier: its accounts of the moment that may sign in."""
    shown = []
    for name, supplier in runtime.suppliers.items():
        accounts = supplier.accounts(runtime.worlds[name], runtime.fixtures.suppliers[name])
        lines = [supplier.account_line.format(key=a.key, secret=a.secret) for a in accounts if a.enabled]
        words, request = supplier.auth
        path = supplier.prefixes[0].rstrip("/")
        shown.append((supplier.title, path, f"{words} {request}" if request else words, lines))
    return shown


def mask_tokens(record: logging.LogRecord) -> bool:
    """Keep a token given in a URL (the dashboard's `?token=`) out of the access log, whose
    arguments are (client, method, path and query, HTTP version, status), when it is not
    `FastAccess` that writes it."""
    args = record.args
    if isinstance(args, tuple) and len(args) > 2 and isinstance(args[2], str):
        record.args = (*args[:2], masked(args[2]), *args[3:])
    return True


def quiet_drops(record: logging.LogRecord) -> bool:
    """Keep uvicorn from logging a fault rule's dropped connection as a crash (the access log
    still shows the request)."""
    return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


class Server(uvicorn.Server):
    """uvicorn's server, which ends the dashboard's live streams first when it stops (uvicorn
    waits for every open response, and a stream stays open until its browser goes), runs the
    garbage collector's timetable (`Collector.sweep_when_idle`) and other `chores` while it
    serves, and calls `stopped` once the last response went: before uvicorn hands a SIGTERM back
    to the process, which then ends at once."""

    def __init__(
        self,
        config: uvicorn.Config,
        on_stop: Callable[[], None],
        collector: Collector,
        chores: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
        stopped: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(config)
        self.on_stop = on_stop
        self.stopped = stopped
        self.collector = collector
        self.chores = [collector.sweep_when_idle, *chores]
        """What runs beside the requests while the server serves (and is cancelled at its stop)."""
        self.running: list[asyncio.Task[None]] = []

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.running = [asyncio.create_task(chore()) for chore in self.chores]

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.on_stop()
        for task in self.running:
            task.cancel()
        await super().shutdown(sockets)
        self.stopped()


def certificate(settings: Settings) -> Tls | None:
    """What `serve` proves itself with: nothing (plain HTTP), the user's pair, or the sandbox's own
    certificate, made or found beside the data."""
    if not settings.tls:
        return None
    if settings.tls_cert is not None and settings.tls_key is not None:
        return own(settings.tls_cert, settings.tls_key)
    return local(folder(settings.data, os.environ).absolute())  # the banner's path, usable from anywhere


def serve(settings: Settings) -> int:
    # the start allocates much and frees little: the collector would walk the growing heap again
    # and again for nothing (a tenth of the start-up); Collector.start turns it on
    gc.disable()
    try:
        app = create_app(settings)
    except (FixtureError, StoreError) as error:
        gc.enable()
        print(f"sandbox: {error}", file=sys.stderr)
        return 2
    try:
        tls = certificate(settings)
    except TlsError as error:
        gc.enable()
        print(f"sandbox: {error}", file=sys.stderr)
        return 2
    try:
        sock = bind(settings.host, settings.port)
    except OSError as error:
        gc.enable()
        print(f"sandbox: cannot listen on {settings.host}:{settings.port}: {error.strerror}", file=sys.stderr)
        return 2
    runtime: Runtime = app.state.sandbox
    print(banner(settings, sock.getsockname()[1], runtime.seed, apis(runtime), tls), flush=True)
    limits = Limits(
        settings.max_connections or default_connections(), settings.max_header_size, settings.request_timeout
    )
    collector = Collector()
    runtime.schedule.restarted.append(collector.replaced)
    # a response still open 3 s after Ctrl-C is cut short
    config = uvicorn.Config(
        app,
        log_level=settings.log_level,
        lifespan="off",
        timeout_graceful_shutdown=3,
        ssl_certfile=None if tls is None else tls.cert,
        ssl_keyfile=None if tls is None else tls.key,
        access_log=settings.log_format == "text",
    )  # which sets up uvicorn's logging
    logging.getLogger("uvicorn.error").addFilter(quiet_drops)
    access = batch_access_log()
    if access is None:
        logging.getLogger("uvicorn.access").addFilter(mask_tokens)
    config.http = limited(limits, access, collector)
    json_lines = None
    if settings.log_format == "json" and logging.getLogger("uvicorn.access").isEnabledFor(logging.INFO):
        # the journal's lines in place of the access log's, on its stream, as cheaply batched
        json_lines = Batch(sys.stdout)
        runtime.journal.log = json_lines.add
    store = runtime.store
    chores = []
    if store is not None:  # the journal, the clock's place, and a snapshot now and then
        chores.append(lambda: store.flush_every(runtime.clock, settings.journal_size, runtime.snapshot))

    def stopped() -> None:
        if store is None:
            return
        try:  # with a snapshot of the state, which the next start begins from
            store.close(runtime.clock, settings.journal_size, runtime.snapshot)
        except (sqlite3.Error, OSError) as error:  # every change is kept already: the next start replays them
            store.closed = True
            print(f"sandbox: {store.path}: the stop could not write its snapshot: {error}", file=sys.stderr)

    collector.start()
    try:
        Server(config, app.state.dashboard.close, collector, chores, stopped).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn hands Ctrl-C back once it has stopped: nothing to tell
        pass
    finally:
        collector.stop()
        stopped()
        if json_lines is not None:
            json_lines.flush()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    arguments = parser().parse_args(given)
    if any(arg == "--admin-token" or arg.startswith("--admin-token=") for arg in given):
        print(
            "sandbox: warning: --admin-token on the command line can be read by other users "
            "(ps); prefer SANDBOX_ADMIN_TOKEN or --admin-token-file",
            file=sys.stderr,
        )
    if arguments.command == "verify":
        supplier = next(s for s in SUPPLIERS if s.name == arguments.supplier)
        return verify.command(supplier, arguments, given, sys.stdout, sys.stderr)
    if arguments.command == "serve":
        try:
            settings = settings_from(arguments)
        except argparse.ArgumentTypeError as error:
            print(f"sandbox serve: {error}", file=sys.stderr)
            return 2
        return serve(settings)
    if arguments.command == "state":
        return state_command(
            arguments.action, arguments.file, arguments.url, arguments.admin_token, arguments.cacert
        )
    if arguments.command == "coverage":
        return coverage_command(
            arguments.url,
            arguments.admin_token,
            arguments.api,
            arguments.tenant,
            arguments.html,
            arguments.json,
            arguments.all_gaps,
            arguments.cacert,
        )
    return 2


if __name__ == "__main__":
    sys.exit(main())
