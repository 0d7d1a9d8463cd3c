"""The `sandbox` command: help, options, and clear failures."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.app import create_app
from sandbox.cli import apis, banner, main
from sandbox.resources import default_fixtures
from sandbox.settings import ENVIRONMENT, Settings, add_serve_arguments, settings_from_environment
from sandbox.tls import Tls
from tests.helpers import FIXJE_DEMO, VIDAXL_DEMO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args], capture_output=True, text=True, timeout=30, check=False
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout and "run the sandbox server" in result.stdout


def test_serve_help_describes_every_option() -> None:
    result = run("serve", "--help")
    assert result.returncode == 0
    for option in (
        "--host",
        "--port",
        "--seed",
        "--fixtures",
        "--freeze",
        "--log-level",
        "--admin-token",
        "--scenario",
        "--time-scale",
        "--journal-size",
        "--admin-token-file",
        "--allowed-host",
        "--cors",
        "--request-timeout",
        "--max-connections",
        "--max-header-size",
        "--tls",
        "--tls-cert",
        "--tls-key",
    ):
        assert option in result.stdout
    assert "default 127.0.0.1" in result.stdout and "default 8000" in result.stdout
    # the fixtures file the package ships, wherever it is installed
    unwrapped = "".join(result.stdout.split())  # argparse wraps a long path at its hyphens too
    assert unwrapped.count(f"(default{default_fixtures()},thedefault.yamlthepackageships") == 1


def test_a_broken_fixtures_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("fixje:\n  partners: []\n")
    assert main(["serve", "--fixtures", str(broken)]) == 2
    assert "fixje.partners: The field partners must have at least 1 item(s)." in capsys.readouterr().err


def test_a_missing_fixtures_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--fixtures", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read fixtures" in capsys.readouterr().err


def test_a_busy_port_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_the_banner_shows_base_url_and_credentials() -> None:
    settings = Settings(host="0.0.0.0")
    text = banner(settings, 8123, 42, apis(create_app(settings).state.sandbox))
    assert "listening on 0.0.0.0:8123 (seed 42" in text
    assert "http://127.0.0.1:8123/api/v1" in text
    assert f"client_id={FIXJE_DEMO[0]}  client_secret={FIXJE_DEMO[1]}" in text
    assert "http://127.0.0.1:8123/api_customer" in text
    assert f"{VIDAXL_DEMO[0]}  {VIDAXL_DEMO[1]}" in text
    assert "http://127.0.0.1:8123/_sandbox   (closed: start with --admin-token to open it)" in text
    assert "Dashboard              http://127.0.0.1:8123/_sandbox/ui" in text
    assert "API docs               http://127.0.0.1:8123/docs" in text


def test_the_banner_of_https_names_the_ca_to_trust(tmp_path: Path) -> None:
    settings = Settings(tls=True)
    shown = apis(create_app(settings).state.sandbox)
    ca = Tls(tmp_path / "localhost.pem", tmp_path / "localhost-key.pem", tmp_path / "ca.pem", made=True)
    text = banner(settings, 8443, 42, shown, ca)
    assert "listening on https://127.0.0.1:8443 (seed 42" in text
    assert f"  CA certificate         {tmp_path / 'ca.pem'}\n    made now: trust it (curl --cacert" in text
    assert (
        "Fixje Partner Web API  https://127.0.0.1:8443/api/v1   (token: POST https://127.0.0.1:8443" in text
    )
    assert "Health                 https://127.0.0.1:8443/_sandbox/health" in text
    assert "http://" not in text
    own = banner(settings, 8443, 42, shown, Tls(tmp_path / "mine.pem", tmp_path / "mine-key.pem"))
    assert (
        f"  TLS certificate        {tmp_path / 'mine.pem'}   (yours)" in own and "CA certificate" not in own
    )


def test_both_halves_of_a_pair_from_the_environment() -> None:
    settings = settings_from_environment({"SANDBOX_TLS_CERT": "c.pem", "SANDBOX_TLS_KEY": "k.pem"})
    assert (settings.tls, settings.tls_cert, settings.tls_key) == (True, Path("c.pem"), Path("k.pem"))


def test_a_malformed_environment_variable_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, "SANDBOX_PORT": "eighty"},
    )
    assert result.returncode == 2
    assert "argument --port: invalid int value: 'eighty'" in result.stderr


def test_options_default_to_the_environment() -> None:
    settings = settings_from_environment(
        {"SANDBOX_PORT": "9001", "SANDBOX_SEED": "7", "SANDBOX_HOST": "0.0.0.0"}
    )
    assert (settings.port, settings.seed, settings.host) == (9001, 7, "0.0.0.0")
    assert settings_from_environment({}).seed is None


def test_the_database_comes_from_the_environment_and_empty_means_in_memory() -> None:
    assert settings_from_environment({"SANDBOX_DATA": "/data/sandbox.db"}).data == Path("/data/sandbox.db")
    assert settings_from_environment({"SANDBOX_DATA": ""}).data is None
    assert settings_from_environment({}).data is None


def test_the_admin_token_from_a_file_and_the_allowed_hosts_from_the_environment(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("from-the-file\nignored second line\n")
    settings = settings_from_environment(
        {
            "SANDBOX_ADMIN_TOKEN_FILE": str(token),
            "SANDBOX_ADMIN_TOKEN": "from-the-variable",
            "SANDBOX_ALLOWED_HOSTS": "sandbox, demo.example ,",
        }
    )
    assert settings.admin_token == "from-the-file"
    assert settings.allowed_hosts == ("sandbox", "demo.example")
    assert (
        settings_from_environment({"SANDBOX_ADMIN_TOKEN": "from-the-variable"}).admin_token
        == "from-the-variable"
    )
    defaults = settings_from_environment({})
    limits = (defaults.request_timeout, defaults.max_connections, defaults.max_header_size)
    assert limits == (10.0, None, 32768)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--admin-token-file", "/no/such/file"], "argument --admin-token-file: cannot read /no/such/file"),
        (["--journal-size", "10001"], "argument --journal-size: must be at most 10000, not 10001"),
        (["--request-timeout", "0"], "argument --request-timeout: must be more than 0, not 0"),
        (["--max-header-size", "big"], "argument --max-header-size: invalid int value: 'big'"),
    ],
)
def test_bad_limits_are_usage_errors(args: list[str], message: str) -> None:
    result = run("serve", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_an_empty_token_file_is_a_usage_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    result = run("serve", "--admin-token-file", str(empty))
    assert result.returncode == 2 and f"{empty} holds no token" in result.stderr


ENVIRONMENT_CASES = [
    ("SANDBOX_FREEZE", "1", "freeze", True),
    ("SANDBOX_FREEZE", "off", "freeze", False),
    ("SANDBOX_CHECK_RESPONSES", "TRUE", "check_responses", True),
    ("SANDBOX_TIME_SCALE", "60", "time_scale", 60.0),
    ("SANDBOX_JOURNAL_SIZE", "50", "journal_size", 50),
    ("SANDBOX_RATE_LIMITS", "yes", "rate_limits", True),
    ("SANDBOX_DATA_RESET", "on", "data_reset", True),
    ("SANDBOX_SCENARIO", "two-parcels", "scenario", "two-parcels"),
    ("SANDBOX_REQUEST_TIMEOUT", "2.5", "request_timeout", 2.5),
    ("SANDBOX_MAX_CONNECTIONS", "64", "max_connections", 64),
    ("SANDBOX_MAX_HEADER_SIZE", "16384", "max_header_size", 16384),
    ("SANDBOX_TLS", "on", "tls", True),
    ("SANDBOX_TLS", "0", "tls", False),
    ("SANDBOX_LOG_FORMAT", "JSON", "log_format", "json"),
]


@pytest.mark.parametrize(("variable", "value", "field", "expected"), ENVIRONMENT_CASES)
def test_every_option_has_an_environment_variable(
    variable: str, value: str, field: str, expected: object
) -> None:
    assert getattr(settings_from_environment({variable: value}), field) == expected
    assert getattr(settings_from_environment({}), field) == getattr(Settings(), field)


def test_every_serve_option_is_named_in_the_environment_table() -> None:
    serve = argparse.ArgumentParser()
    add_serve_arguments(serve, {})
    options = {action.dest for action in serve._actions} - {"help", "environment_errors"}
    assert options == set(ENVIRONMENT)
    assert {variable for variable, *_ in ENVIRONMENT_CASES} <= set(ENVIRONMENT.values())


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "SANDBOX_FREEZE",
            "maybe",
            "SANDBOX_FREEZE='maybe' is neither of 1, true, yes, on, nor of 0, false, no, off",
        ),
        ("SANDBOX_TIME_SCALE", "fast", "argument --time-scale: invalid float value: 'fast'"),
        ("SANDBOX_JOURNAL_SIZE", "0", "argument --journal-size: must be more than 0, not 0"),
        ("SANDBOX_LOG_FORMAT", "xml", "sandbox serve: SANDBOX_LOG_FORMAT='xml' is neither text nor json"),
    ],
)
def test_a_wrong_environment_variable_stops_the_start(variable: str, value: str, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, variable: value},
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
