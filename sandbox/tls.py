"""HTTPS (`serve --tls`): a certificate for localhost, 127.0.0.1 and ::1 signed by a local
certificate authority, both made on first use and kept in a folder (beside the `--data` file, or
per user), then reused while they are valid; or the user's own pair (`--tls-cert`, `--tls-key`).

Only making a certificate needs the `cryptography` package (the `tls` extra); serving one does not.
The CA may sign for loopback names only (a name constraint), so a client that trusts it trusts
nothing else, even should its key leak."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import ssl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

NAMES = ("localhost",)
ADDRESSES = ("127.0.0.1", "::1")
"""What the certificate covers (its subject alternative names)."""
CA, CA_KEY, CERT, KEY = "ca.pem", "ca-key.pem", "localhost.pem", "localhost-key.pem"
CA_LIFE = timedelta(days=3650)
CERT_LIFE = timedelta(days=397)
"""Within what browsers and Apple's clients accept of a server certificate (398 days)."""
RENEW = timedelta(days=30)
"""A certificate with less than this left is made anew (the CA's key stays while the CA is valid)."""
MISSING = (
    "--tls makes its certificate with the `cryptography` package, which is not installed: "
    "pip install 'supplier-sandbox[tls]' (or give your own pair with --tls-cert and --tls-key)"
)


class TlsError(Exception):
    """The certificate cannot be made, read or used: the message says why."""


@dataclass(frozen=True)
class Tls:
    """What the server serves: `cert` and `key`, and the CA that signed `cert` when the sandbox
    made it (None for the user's own pair)."""

    cert: Path
    key: Path
    ca: Path | None = None
    made: bool = False
    """Made by this start (else found from an earlier one, or the user's own)."""


def folder(data: Path | None, environ: Mapping[str, str]) -> Path:
    """Where the sandbox keeps its CA and certificate: `DATA.tls/` beside the `--data` file, else
    `$XDG_DATA_HOME/supplier-sandbox/tls` (`~/.local/share/...` by default)."""
    if data is not None:
        return data.parent / f"{data.name}.tls"
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "supplier-sandbox" / "tls"


def own(cert: Path, key: Path) -> Tls:
    """The user's pair, checked: the files are readable, and the key is the certificate's."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except OSError as error:  # ssl.SSLError is one too
        if isinstance(error, ssl.SSLError):
            raise TlsError(f"{cert} and {key} are not a certificate and its key ({error.reason})") from None
        raise TlsError(f"cannot read {error.filename or cert}: {error.strerror}") from None
    return Tls(cert, key)


def local(where: Path, now: datetime | None = None) -> Tls:
    """The sandbox's own certificate in `where`: found there while valid, or made (the CA only when
    it is missing or about to expire)."""
    now = now or datetime.now(UTC)
    try:
        from cryptography import x509  # noqa: F401 (only to know that it is there)
    except ImportError:
        raise TlsError(MISSING) from None
    try:
        with locked(where):
            return found_or_made(where, now)
    except OSError as error:
        raise TlsError(f"cannot keep the certificate in {where}: {error.strerror}") from None


@contextlib.contextmanager
def locked(where: Path) -> Iterator[None]:
    """`where`, made private (0700) when missing, locked against another sandbox starting at once."""
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    if hasattr(os, "getuid") and where.stat().st_uid != os.getuid():  # POSIX only
        raise TlsError(
            f"{where} belongs to another user: the sandbox keeps its keys only in a folder of its own"
        )
    with open(where / ".lock", "w") as lock:
        try:
            import fcntl
        except ImportError:  # not a POSIX system (Windows): two sandboxes started at once may race
            pass
        else:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def found_or_made(where: Path, now: datetime) -> Tls:
    ca = read(where / CA, where / CA_KEY, now, lambda cert: cert.issuer == cert.subject)
    made = ca is None
    if ca is None:
        ca = authority(now)
        write(where / CA_KEY, where / CA, *ca)
    leaf = read(where / CERT, where / KEY, now, lambda cert: covers(cert) and issued_by(cert, ca[1]))
    if made or leaf is None:
        write(where / KEY, where / CERT, *certificate(ca, now))
        made = True
    for key in (where / CA_KEY, where / KEY):
        key.chmod(0o600)
    return Tls(where / CERT, where / KEY, where / CA, made)


def read(
    cert_file: Path, key_file: Path, now: datetime, fits: Callable[[x509.Certificate], bool]
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None:
    """The key and certificate kept in the two files, if both are there, match, `fit` and are valid
    for RENEW more; else None."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), None)
    except FileNotFoundError:
        return None
    except ValueError:  # not PEM, or damaged: made anew
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    if not cert.not_valid_before_utc <= now or cert.not_valid_after_utc - now < RENEW or not fits(cert):
        return None
    return key, cert


def covers(cert: x509.Certificate) -> bool:
    """The certificate names exactly NAMES and ADDRESSES."""
    from cryptography import x509

    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    given = set(names.get_values_for_type(x509.DNSName))
    addresses = set(names.get_values_for_type(x509.IPAddress))
    return given == set(NAMES) and addresses == {ipaddress.ip_address(a) for a in ADDRESSES}


def issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def authority(now: datetime) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new CA that may sign for loopback only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "supplier-sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"supplier-sandbox local CA {now:%Y-%m-%d %H:%M:%S}"),
        ]
    )
    loopback = [x509.DNSName(name) for name in NAMES] + [
        x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")),
        x509.IPAddress(ipaddress.ip_network("::1/128")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + CA_LIFE)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(cert_sign=True), critical=True)
        .add_extension(
            x509.NameConstraints(permitted_subtrees=loopback, excluded_subtrees=None), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def certificate(
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate], now: datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new server certificate for NAMES and ADDRESSES, signed by `ca`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName(name) for name in NAMES] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in ADDRESSES
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAMES[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(min(now + CERT_LIFE, ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def usage(cert_sign: bool) -> x509.KeyUsage:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def write(key_file: Path, cert_file: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
    """The key (readable by its owner only) and the certificate, each replacing its file whole."""
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    replace(key_file, pem, 0o600)
    replace(cert_file, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def replace(path: Path, content: bytes, mode: int) -> None:
    part = path.with_name(f".{path.name}.part")
    part.unlink(missing_ok=True)
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    os.replace(part, path)
