"""Settings: a frozen dataclass, read from the command line and the environment in one place."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.resources import default_fixtures

MIB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int | None = None
    """Overrides the fixtures' seed when set."""
    fixtures: Path = field(default_factory=default_fixtures)
    body_limit: int = MIB
    check_responses: bool = False
    """Check every reply against the spec, and every body the fast check lets through against
    `jsonschema` too (the test suite turns this on; `--check-responses`)."""
    freeze: bool = False
    """Stop the virtual clock at its start."""
    log_level: str = "info"
    log_format: str = "text"
    """"text": uvicorn's access log; "json": one JSON object per API request instead."""
    time_scale: float = 1.0
    """How many times faster than real time the virtual clock runs."""
    journal_size: int = 1000
    """How many API requests the journal keeps."""
    rate_limits: bool = False
    """Enforce the rate limits (also when the fixtures' rate_limits.enabled is true)."""
    scenario: str | None = None
    """A scenario (fixtures/scenarios/NAME.yaml) to play at start."""
    admin_token: str | None = None
    """Required by the control API when set, and to open it at all off loopback."""
    allowed_hosts: tuple[str, ...] = ()
    """`Host` names the sandbox answers for besides its loopback names and the bound address."""
    cors: tuple[str, ...] = ()
    """Origins whose pages may call the suppliers' APIs and read their answers (`*`: any); none
    by default. The control API and the dashboard never answer another origin."""
    request_timeout: float = 10.0
    """Seconds for a request's head and body to arrive; 408 after."""
    max_connections: int | None = None
    """Open connections at most (None: well below the open-file limit); 503 past it."""
    max_header_size: int = 32 * 1024
    """Bytes of a request line and headers together; 431 past it."""
    data: Path | None = None
    """The SQLite database a durable sandbox keeps its state in (`--data`); None: in memory."""
    data_reset: bool = False
    """Begin the database at `data` afresh, whatever it holds."""
    tls: bool = False
    """Serve HTTPS: with `tls_cert` and `tls_key` when given, else with a certificate for localhost
    that the sandbox makes, and a CA of its own (`sandbox.tls`)."""
    tls_cert: Path | None = None
    tls_key: Path | None = None


ENVIRONMENT = {
    "host": "SANDBOX_HOST",
    "port": "SANDBOX_PORT",
    "seed": "SANDBOX_SEED",
    "fixtures": "SANDBOX_FIXTURES",
    "log_level": "SANDBOX_LOG_LEVEL",
    "log_format": "SANDBOX_LOG_FORMAT",
    "admin_token": "SANDBOX_ADMIN_TOKEN",
    "admin_token_file": "SANDBOX_ADMIN_TOKEN_FILE",
    "allowed_hosts": "SANDBOX_ALLOWED_HOSTS",
    "cors": "SANDBOX_CORS",
    "data": "SANDBOX_DATA",
    "freeze": "SANDBOX_FREEZE",
    "check_responses": "SANDBOX_CHECK_RESPONSES",
    "time_scale": "SANDBOX_TIME_SCALE",
    "journal_size": "SANDBOX_JOURNAL_SIZE",
    "rate_limits": "SANDBOX_RATE_LIMITS",
    "data_reset": "SANDBOX_DATA_RESET",
    "scenario": "SANDBOX_SCENARIO",
    "request_timeout": "SANDBOX_REQUEST_TIMEOUT",
    "max_connections": "SANDBOX_MAX_CONNECTIONS",
    "max_header_size": "SANDBOX_MAX_HEADER_SIZE",
    "tls": "SANDBOX_TLS",
    "tls_cert": "SANDBOX_TLS_CERT",
    "tls_key": "SANDBOX_TLS_KEY",
}
"""Every `serve` option's environment variable: what it holds is the option's default."""
YES = {"1", "true", "yes", "on"}
NO = {"", "0", "false", "no", "off"}
"""What the variable of a switch (`SANDBOX_FREEZE`) may hold, in any case."""
JOURNAL_MAX = 10_000
LOG_FORMATS = ("text", "json")


def positive(kind: type[int] | type[float], most: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        if most is not None and value > most:
            raise argparse.ArgumentTypeError(f"must be at most {most:g}, not {text}")
        return value

    return parse


def cors_origin(text: str) -> str:
    """An origin `--cors` takes (`*`, or `scheme://host[:port]`), in lower case."""
    value = text.strip().rstrip("/")
    if value == "*":
        return value
    if not re.match(r"^https?://[^/\s?#@]+$", value, re.IGNORECASE):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an origin such as http://localhost:3000 or https://shop.example (or *)"
        )
    return value.lower()


def environment_origins(value: str | None, wrong: list[str]) -> list[str]:
    """The origins of SANDBOX_CORS (comma-separated); what is not one goes to `wrong`."""
    origins = []
    for given in (value or "").split(","):
        if given.strip():
            try:
                origins.append(cors_origin(given))
            except argparse.ArgumentTypeError as error:
                wrong.append(f"SANDBOX_CORS: {error}")
    return origins


def token_file(text: str) -> str:
    """The admin token kept in the file `text` (its first line)."""
    try:
        lines = Path(text).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {error.strerror}") from None
    token = lines[0].strip() if lines else ""
    if not token:
        raise argparse.ArgumentTypeError(f"{text} holds no token")
    return token


def add_serve_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """The `serve` options; each defaults to its SANDBOX_* environment variable when set."""
    env = {name: environ.get(var) for name, var in ENVIRONMENT.items()}
    parser.add_argument(
        "--host",
        default=env["host"] or Settings.host,
        help="address to bind (default 127.0.0.1; env SANDBOX_HOST)",
    )
    # argparse converts (and reports) a string default with `type`, as it does an option
    parser.add_argument(
        "--port",
        type=int,
        default=env["port"] or Settings.port,
        help="port to bind, 0 for any free port (default 8000; env SANDBOX_PORT)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=env["seed"],
        help="seed for the generated world (default: the fixtures' seed, 42; env SANDBOX_SEED)",
    )
    parser.add_argument(
        "--fixtures",
        type=Path,
        default=Path(env["fixtures"]) if env["fixtures"] else default_fixtures(),
        help=f"fixtures file (default {default_fixtures()}, the default.yaml the package ships; "
        "env SANDBOX_FIXTURES)",
    )
    wrong: list[str] = []
    parser.set_defaults(environment_errors=wrong)

    def switch(name: str) -> bool:
        value = (env[name] or "").strip().lower()
        if value not in YES | NO:
            wrong.append(
                f"{ENVIRONMENT[name]}={env[name]!r} is neither of 1, true, yes, on, nor of 0, false, no, off"
            )
        return value in YES

    parser.add_argument(
        "--freeze",
        action="store_true",
        default=switch("freeze"),
        help="stop the virtual clock at the fixtures' start time (env SANDBOX_FREEZE=1)",
    )
    parser.add_argument(
        "--check-responses",
        action="store_true",
        default=switch("check_responses"),
        help="check every answer against the spec, and that the fast check of request bodies "
        "takes nothing jsonschema refuses: a failure is a 500 with its reason in the log (slower; "
        "for testing a change to the sandbox or its specs; env SANDBOX_CHECK_RESPONSES=1)",
    )
    parser.add_argument(
        "--log-level",
        default=env["log_level"] or Settings.log_level,
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default info; env SANDBOX_LOG_LEVEL)",
    )
    log_format = (env["log_format"] or Settings.log_format).strip().lower()
    if log_format not in LOG_FORMATS:
        wrong.append(f"SANDBOX_LOG_FORMAT={env['log_format']!r} is neither text nor json")
        log_format = Settings.log_format
    parser.add_argument(
        "--log-format",
        default=log_format,
        choices=LOG_FORMATS,
        help="the log of requests: text, uvicorn's access log; json, one JSON object a line per API "
        "request (time, supplier, operation, status, duration, tenant, fault; default text; "
        "env SANDBOX_LOG_FORMAT)",
    )
    parser.add_argument(
        "--time-scale",
        type=positive(float),
        default=env["time_scale"] or Settings.time_scale,
        metavar="N",
        help="run the virtual clock N times faster than real time (default 1; env SANDBOX_TIME_SCALE)",
    )
    parser.add_argument(
        "--journal-size",
        type=positive(int, JOURNAL_MAX),
        default=env["journal_size"] or Settings.journal_size,
        metavar="N",
        help="how many API requests the journal under /_sandbox/requests keeps "
        f"(default 1000, at most {JOURNAL_MAX}; env SANDBOX_JOURNAL_SIZE)",
    )
    parser.add_argument(
        "--rate-limits",
        action="store_true",
        default=switch("rate_limits"),
        help="enforce rate limits per credential (vidaXL: 1 request per second; "
        "Fixje: 10; both set in the fixtures' rate_limits; env SANDBOX_RATE_LIMITS=1)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(env["data"]) if env["data"] else None,
        metavar="PATH",
        help="keep the state in the SQLite database PATH, made when missing: it survives restarts "
        "and crashes (default: in memory; env SANDBOX_DATA)",
    )
    parser.add_argument(
        "--data-reset",
        action="store_true",
        default=switch("data_reset"),
        help="begin the database of --data afresh, even one made by another seed or fixtures "
        "(env SANDBOX_DATA_RESET=1)",
    )
    parser.add_argument(
        "--scenario",
        metavar="NAME",
        default=env["scenario"] or None,
        help="play fixtures/scenarios/NAME.yaml at start (see GET /_sandbox/scenarios; env SANDBOX_SCENARIO)",
    )
    parser.add_argument(
        "--admin-token",
        default=env["admin_token"],
        help="bearer token for the control API under /_sandbox; needed to open it "
        "when listening off loopback (env SANDBOX_ADMIN_TOKEN; on the command "
        "line it shows in ps: prefer the variable or --admin-token-file)",
    )
    parser.add_argument(
        "--admin-token-file",
        metavar="PATH",
        type=token_file,
        default=env["admin_token_file"],
        help="read the admin token from the first line of this file (env SANDBOX_ADMIN_TOKEN_FILE)",
    )
    parser.add_argument(
        "--allowed-host",
        metavar="NAME",
        action="append",
        dest="allowed_hosts",
        default=[name.strip() for name in (env["allowed_hosts"] or "").split(",") if name.strip()],
        help="a Host name the sandbox answers for besides loopback and the address it "
        "listens on (repeat it; env SANDBOX_ALLOWED_HOSTS, comma-separated)",
    )
    parser.add_argument(
        "--cors",
        metavar="ORIGIN",
        action="append",
        type=cors_origin,
        default=environment_origins(env["cors"], wrong),
        help="an origin whose pages may call the suppliers' APIs from a browser and read the answers "
        "(http://localhost:3000; repeat it; * for any; env SANDBOX_CORS, comma-separated); "
        "the control API and the dashboard never",
    )
    parser.add_argument(
        "--request-timeout",
        type=positive(float),
        default=env["request_timeout"] or Settings.request_timeout,
        metavar="SECONDS",
        help="time for a request's headers and body to arrive (default 10; env SANDBOX_REQUEST_TIMEOUT)",
    )
    parser.add_argument(
        "--max-connections",
        type=positive(int),
        default=env["max_connections"] or None,
        metavar="N",
        help="open connections at most, 503 past them (default: well below the open-file limit; "
        "env SANDBOX_MAX_CONNECTIONS)",
    )
    parser.add_argument(
        "--max-header-size",
        type=positive(int),
        default=env["max_header_size"] or Settings.max_header_size,
        metavar="BYTES",
        help="request line and headers at most, 431 past them (default 32768; env SANDBOX_MAX_HEADER_SIZE)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        default=switch("tls"),
        help="serve HTTPS with a certificate for localhost, 127.0.0.1 and ::1, made on first use by a "
        "local CA whose certificate the banner names (trust it: curl --cacert, REQUESTS_CA_BUNDLE, "
        "NODE_EXTRA_CA_CERTS); both kept beside the --data file, else in "
        "$XDG_DATA_HOME/supplier-sandbox/tls (~/.local/share/...), and reused; needs the tls extra "
        "(cryptography) (env SANDBOX_TLS=1)",
    )
    parser.add_argument(
        "--tls-cert",
        type=Path,
        metavar="FILE",
        default=Path(env["tls_cert"]) if env["tls_cert"] else None,
        help="serve HTTPS with this certificate (PEM, its chain after it) instead of one of the "
        "sandbox's; needs --tls-key (env SANDBOX_TLS_CERT)",
    )
    parser.add_argument(
        "--tls-key",
        type=Path,
        metavar="FILE",
        default=Path(env["tls_key"]) if env["tls_key"] else None,
        help="the private key of --tls-cert (PEM, not encrypted; env SANDBOX_TLS_KEY)",
    )


def settings_from(arguments: argparse.Namespace) -> Settings:
    """The settings the options give; ArgumentTypeError for a value of the environment that an
    option would refuse (a switch's, SANDBOX_CORS)."""
    wrong = getattr(arguments, "environment_errors", [])
    if wrong:
        raise argparse.ArgumentTypeError("; ".join(wrong))
    if (arguments.tls_cert is None) != (arguments.tls_key is None):
        given, needed = (
            ("--tls-cert", "--tls-key") if arguments.tls_key is None else ("--tls-key", "--tls-cert")
        )
        raise argparse.ArgumentTypeError(
            f"{given} needs {needed} too (or env SANDBOX_{needed[2:].upper().replace('-', '_')}): "
            "a certificate and its key, both or neither"
        )
    return Settings(
        host=arguments.host,
        port=arguments.port,
        seed=arguments.seed,
        fixtures=arguments.fixtures,
        freeze=arguments.freeze,
        check_responses=arguments.check_responses,
        log_level=arguments.log_level,
        log_format=arguments.log_format,
        admin_token=arguments.admin_token_file or arguments.admin_token,
        allowed_hosts=tuple(arguments.allowed_hosts),
        cors=tuple(dict.fromkeys(arguments.cors)),
        request_timeout=arguments.request_timeout,
        max_connections=arguments.max_connections,
        max_header_size=arguments.max_header_size,
        scenario=arguments.scenario,
        rate_limits=arguments.rate_limits,
        time_scale=arguments.time_scale,
        journal_size=arguments.journal_size,
        data=arguments.data,
        data_reset=arguments.data_reset,
        tls=arguments.tls or arguments.tls_cert is not None,
        tls_cert=arguments.tls_cert,
        tls_key=arguments.tls_key,
    )


def settings_from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings as `sandbox serve` would read them with no options."""
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser, os.environ if environ is None else environ)
    return settings_from(parser.parse_args([]))
