"""HTTPS (`serve --tls`, sandbox/tls.py): the sandbox's own CA and certificate for localhost, made
once and reused; a pair of the user's own; the options' mistakes; and the clients that call it."""

from __future__ import annotations

import ipaddress
import ssl
import stat
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sandbox import cli, tls
from sandbox.cli import main
from sandbox.process import ServerProcess
from sandbox.settings import Settings
from tests.helpers import FIXJE_DEMO, VIDAXL_DEMO

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def served_names(server: ServerProcess) -> tuple[set[str], set[str]]:
    """The DNS names and IP addresses of the certificate the server presents."""
    pem = ssl.get_server_certificate((server.host, server.port), timeout=5)
    sans = x509.load_pem_x509_certificate(pem.encode()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    names = sans.value.get_values_for_type(x509.DNSName)
    addresses = sans.value.get_values_for_type(x509.IPAddress)
    return set(names), {str(address) for address in addresses}


def calls_both_apis(url: str, verify: str) -> None:
    """A Fixje login and order list, and a vidaXL order list, over HTTPS trusting `verify`."""
    login = requests.post(
        f"{url}/api/v1/login",
        data={"grant_type": "client_credentials", "client_id": FIXJE_DEMO[0], "client_secret": FIXJE_DEMO[1]},
        timeout=10,
        verify=verify,
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    orders = requests.get(f"{url}/api/v1/orders", headers=headers, timeout=10, verify=verify)
    assert orders.status_code == 200 and "data" in orders.json()
    vidaxl = requests.get(f"{url}/api_customer/orders.json", auth=VIDAXL_DEMO, timeout=10, verify=verify)
    assert vidaxl.status_code == 200 and isinstance(vidaxl.json(), list)


# the certificates themselves, in this process


def test_the_ca_and_certificate_are_made_once_and_reused(tmp_path: Path) -> None:
    made = tls.local(tmp_path / "tls", NOW)
    assert made == tls.Tls(tmp_path / "tls/localhost.pem", tmp_path / "tls/localhost-key.pem", made.ca, True)
    assert made.ca == tmp_path / "tls/ca.pem"
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
    for key in (made.key, tmp_path / "tls/ca-key.pem"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    files = {path.name: path.read_bytes() for path in (tmp_path / "tls").iterdir()}

    again = tls.local(tmp_path / "tls", NOW + timedelta(days=300))
    assert (again.made, again.cert, again.ca) == (False, made.cert, made.ca)
    assert {path.name: path.read_bytes() for path in (tmp_path / "tls").iterdir()} == files


def test_a_certificate_about_to_expire_is_made_anew_by_the_same_ca(tmp_path: Path) -> None:
    made = tls.local(tmp_path, NOW)
    assert made.ca is not None
    ca, cert = made.ca.read_bytes(), made.cert.read_bytes()
    renewed = tls.local(tmp_path, NOW + tls.CERT_LIFE - tls.RENEW + timedelta(days=1))
    assert renewed.made and made.ca.read_bytes() == ca and made.cert.read_bytes() != cert
    leaf = x509.load_pem_x509_certificate(made.cert.read_bytes())
    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(ca))


def test_a_damaged_ca_is_made_anew_with_its_certificate(tmp_path: Path) -> None:
    made = tls.local(tmp_path, NOW)
    assert made.ca is not None
    made.ca.write_text("not a certificate")
    cert = made.cert.read_bytes()
    assert tls.local(tmp_path, NOW).made
    assert made.cert.read_bytes() != cert
    x509.load_pem_x509_certificate(made.ca.read_bytes())


def test_the_certificate_covers_the_loopback_names_and_the_ca_no_other(tmp_path: Path) -> None:
    made = tls.local(tmp_path, NOW)
    assert made.ca is not None
    leaf = x509.load_pem_x509_certificate(made.cert.read_bytes())
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert sans.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= timedelta(days=398)
    ca = x509.load_pem_x509_certificate(made.ca.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    permitted = ca.extensions.get_extension_for_class(x509.NameConstraints).value.permitted_subtrees
    assert permitted is not None and [p.value for p in permitted] == [
        "localhost",
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    ]


def test_the_folder_is_beside_the_data_or_per_user(tmp_path: Path) -> None:
    assert tls.folder(tmp_path / "state/sandbox.db", {}) == tmp_path / "state/sandbox.db.tls"
    given = {"XDG_DATA_HOME": str(tmp_path)}
    assert tls.folder(None, given) == tmp_path / "supplier-sandbox/tls"
    assert tls.folder(None, {}) == Path.home() / ".local/share/supplier-sandbox/tls"


def test_a_relative_data_path_gives_the_ca_an_absolute_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    made = cli.certificate(Settings(tls=True, data=Path("demo.db")))
    assert made is not None and made.ca == tmp_path / "demo.db.tls/ca.pem"
    assert cli.certificate(Settings(data=Path("demo.db"))) is None


def test_without_the_cryptography_package_the_message_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)  # import cryptography: ImportError
    with pytest.raises(tls.TlsError, match=r"pip install 'supplier-sandbox\[tls\]'"):
        tls.local(tmp_path, NOW)


@pytest.fixture(scope="session")
def own_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A CA of the test's own, and a certificate and key it signed: (cert, key, CA certificate)."""
    where = tmp_path_factory.mktemp("own")
    ca_key, ca_cert = tls.authority(datetime.now(UTC))
    key, cert = tls.certificate((ca_key, ca_cert), datetime.now(UTC))
    tls.write(where / "key.pem", where / "cert.pem", key, cert)
    (where / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return where / "cert.pem", where / "key.pem", where / "ca.pem"


@pytest.mark.parametrize(
    ("args", "environ", "message"),
    [
        (["--tls-cert", "c.pem"], {}, "--tls-cert needs --tls-key too (or env SANDBOX_TLS_KEY)"),
        (["--tls-key", "k.pem"], {}, "--tls-key needs --tls-cert too (or env SANDBOX_TLS_CERT)"),
        ([], {"SANDBOX_TLS_CERT": "c.pem"}, "--tls-cert needs --tls-key too"),
        ([], {"SANDBOX_TLS": "maybe"}, "SANDBOX_TLS='maybe' is neither of 1, true, yes, on"),
    ],
)
def test_half_a_pair_is_a_usage_error(
    args: list[str],
    environ: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for variable, value in environ.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(cli, "serve", lambda settings: 0)  # were the options taken: no server here
    assert main(["serve", "--port", "0", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_pair_that_does_not_match_is_a_clear_error(
    own_pair: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cert, _, _ = own_pair
    other = tls.local(tmp_path, NOW)
    assert main(["serve", "--port", "0", "--tls-cert", str(cert), "--tls-key", str(other.key)]) == 2
    assert f"sandbox: {cert} and {other.key} are not a certificate and its key (" in capsys.readouterr().err
    with pytest.raises(tls.TlsError, match=f"cannot read {tmp_path / 'nope.pem'}: No such file"):
        tls.own(tmp_path / "nope.pem", other.key)


# a real server


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "sandbox.db"


@pytest.mark.live
def test_serve_tls_makes_a_ca_beside_the_data_and_reuses_it(data: Path, tmp_path: Path) -> None:
    with ServerProcess.sandbox(
        "--tls", "--data", str(data), env={"XDG_DATA_HOME": str(tmp_path / "xdg")}
    ) as server:
        assert server.url == f"https://127.0.0.1:{server.port}"
        assert server.ca == str(data.parent / "sandbox.db.tls/ca.pem")
        assert f"listening on https://127.0.0.1:{server.port} (" in server.banner
        assert f"  Health                 {server.url}/_sandbox/health" in server.banner
        assert "made now: trust it (curl --cacert" in server.banner
        calls_both_apis(server.url, server.ca)
        assert served_names(server) == ({"localhost"}, {"127.0.0.1", "::1"})
        # the docs and the dashboard show the address the client used
        spec = requests.get(f"{server.url}/specs/fixje.yaml", timeout=10, verify=server.ca).text
        assert yaml.safe_load(spec)["servers"][0]["url"] == server.url
        page = requests.get(f"{server.url}/docs/fixje", timeout=10, verify=server.ca).text
        assert f"{server.url}/docs/assets/oauth2-redirect.html" in page
        dashboard = requests.get(f"{server.url}/_sandbox/ui", timeout=10, verify=server.ca).text
        assert f"{server.url}/api/v1" in dashboard and "http://127.0.0.1" not in dashboard
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{server.url}/_sandbox/health", timeout=10)  # not trusted by the system
        first = Path(server.ca).read_bytes(), (data.parent / "sandbox.db.tls/localhost.pem").read_bytes()
    assert not (tmp_path / "xdg").exists()

    with ServerProcess.sandbox("--tls", "--data", str(data)) as again:
        assert again.ca == server.ca and "    kept: trust it" in again.banner
        assert (
            Path(again.ca).read_bytes(),
            (data.parent / "sandbox.db.tls/localhost.pem").read_bytes(),
        ) == first
        calls_both_apis(again.url, again.ca)


@pytest.mark.live
def test_the_environment_turns_tls_on_and_the_ca_goes_per_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {"SANDBOX_TLS": "1", "XDG_DATA_HOME": str(tmp_path)}
    with ServerProcess.sandbox(env=environ) as server:
        assert server.url.startswith("https://")
        assert server.ca == str(tmp_path / "supplier-sandbox/tls/ca.pem")
        calls_both_apis(server.url, server.ca)
        # the commands that talk to a running sandbox trust it with --cacert, and only then
        exported = tmp_path / "state.json"
        assert main(["state", "export", str(exported), "--url", server.url, "--cacert", server.ca]) == 0
        assert exported.stat().st_size > 1000
        assert main(["state", "export", str(exported), "--url", server.url]) == 2
        said = capsys.readouterr().err
        assert "CERTIFICATE_VERIFY_FAILED" in said and "names with --cacert" in said


@pytest.mark.live
def test_serve_with_a_pair_of_ones_own(own_pair: tuple[Path, Path, Path]) -> None:
    cert, key, ca = own_pair
    with ServerProcess.sandbox("--tls-cert", str(cert), "--tls-key", str(key)) as server:
        assert server.url.startswith("https://") and server.ca is None
        assert f"  TLS certificate        {cert}   (yours)" in server.banner
        calls_both_apis(server.url, str(ca))
