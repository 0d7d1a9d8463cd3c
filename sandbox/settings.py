"""Settings: a frozen dataclass, read from the command line and the environment in one place."""

from __future__ import annotations

import argparse
import os
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
    """Check every reply against the spec (the test suite turns this on)."""
    freeze: bool = False
    """Stop the virtual clock at its start."""
    log_level: str = "info"
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


ENVIRONMENT = {
    "host": "SANDBOX_HOST",
    "port": "SANDBOX_PORT",
    "seed": "SANDBOX_SEED",
    "fixtures": "SANDBOX_FIXTURES",
    "log_level": "SANDBOX_LOG_LEVEL",
    "admin_token": "SANDBOX_ADMIN_TOKEN",
}


def positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    return parse


def add_serve_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """The `serve` options; each defaults to its SANDBOX_* environment variable when set."""
    env = {name: environ.get(var) for name, var in ENVIRONMENT.items()}
    parser.add_argument("--host", default=env["host"] or Settings.host,
                        help="address to bind (default 127.0.0.1; env SANDBOX_HOST)")
    # argparse converts (and reports) a string default with `type`, as it does an option
    parser.add_argument("--port", type=int, default=env["port"] or Settings.port,
                        help="port to bind, 0 for any free port (default 8000; env SANDBOX_PORT)")
    parser.add_argument("--seed", type=int, default=env["seed"],
                        help="seed for the generated world (default: the fixtures' seed, 42; "
                             "env SANDBOX_SEED)")
    parser.add_argument("--fixtures", type=Path,
                        default=Path(env["fixtures"]) if env["fixtures"] else default_fixtures(),
                        help="fixtures file (default fixtures/default.yaml; env SANDBOX_FIXTURES)")
    parser.add_argument("--freeze", action="store_true",
                        help="stop the virtual clock at the fixtures' start time")
    parser.add_argument("--log-level", default=env["log_level"] or Settings.log_level,
                        choices=["critical", "error", "warning", "info", "debug"],
                        help="uvicorn log level (default info; env SANDBOX_LOG_LEVEL)")
    parser.add_argument("--time-scale", type=positive(float), default=Settings.time_scale, metavar="N",
                        help="run the virtual clock N times faster than real time (default 1)")
    parser.add_argument("--journal-size", type=positive(int), default=Settings.journal_size, metavar="N",
                        help="how many API requests the journal under /_sandbox/requests keeps "
                             "(default 1000)")
    parser.add_argument("--rate-limits", action="store_true",
                        help="enforce rate limits per credential (vidaXL: 1 request per second; "
                             "Fixje: 10; both set in the fixtures' rate_limits)")
    parser.add_argument("--scenario", metavar="NAME",
                        help="play fixtures/scenarios/NAME.yaml at start (see GET /_sandbox/scenarios)")
    parser.add_argument("--admin-token", default=env["admin_token"],
                        help="bearer token for the control API under /_sandbox; needed to open it "
                             "when listening off loopback (env SANDBOX_ADMIN_TOKEN)")


def settings_from(arguments: argparse.Namespace) -> Settings:
    return Settings(
        host=arguments.host,
        port=arguments.port,
        seed=arguments.seed,
        fixtures=arguments.fixtures,
        freeze=arguments.freeze,
        log_level=arguments.log_level,
        admin_token=arguments.admin_token,
        scenario=arguments.scenario,
        rate_limits=arguments.rate_limits,
        time_scale=arguments.time_scale,
        journal_size=arguments.journal_size,
    )


def settings_from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings as `sandbox serve` would read them with no options."""
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser, os.environ if environ is None else environ)
    return settings_from(parser.parse_args([]))
