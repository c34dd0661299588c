"""A local certificate authority for `sandex serve --tls`: `https://` and `wss://` on 127.0.0.1.

Some clients only speak TLS (python-okx's WebSocket client always passes an SSL context, which the
`websockets` library refuses for `ws://`). On first use sandex creates, in `<data dir>/tls/`:

* `ca.pem` (+ `ca-key.pem`, 0600): a CA that exists only on this machine, valid 10 years. Trust it
  in the client (e.g. `SSL_CERT_FILE=<data dir>/tls/ca.pem`, see the README); `sandex tls ca-path`
  prints where it is.
* `server.pem` (+ `server-key.pem`, 0600): the server certificate, signed by that CA, for
  `localhost`, `127.0.0.1`, `::1` and the host sandex serves on. It is re-issued when it is close to
  expiry or does not name a requested host; the CA stays, so clients keep trusting it.

Keys are EC P-256. Nothing here is meant for the internet: the CA key sits next to the certificate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TLS_DIR = "tls"
CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY = "ca.pem", "ca-key.pem", "server.pem", "server-key.pem"
CA_DAYS = 3650
SERVER_DAYS = 397  # the longest validity browsers accept for a server certificate
RENEW_BEFORE = dt.timedelta(days=30)
DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
_WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names of "every interface", not binds

Name = x509.DNSName | x509.IPAddress


@dataclass(frozen=True, slots=True)
class TlsFiles:
    ca_cert: Path  # what clients must trust
    cert: Path  # the server certificate (uvicorn `ssl_certfile`)
    key: Path  # its private key (uvicorn `ssl_keyfile`)


def tls_dir(data_dir: Path) -> Path:
    return data_dir / TLS_DIR


def ensure_tls(data_dir: Path, hosts: Iterable[str] = ()) -> TlsFiles:
    """The CA and a server certificate valid now for `hosts` (plus localhost), creating what is missing."""
    directory = tls_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _tighten(directory)
    now = dt.datetime.now(dt.UTC)
    ca_cert, ca_key = _ensure_ca(directory, now)
    wanted = _names([*DEFAULT_HOSTS, *hosts])
    files = TlsFiles(directory / CA_CERT, directory / SERVER_CERT, directory / SERVER_KEY)
    if not _server_fits(files.cert, ca_cert, wanted, now):
        _issue_server(files, ca_cert, ca_key, wanted, now)
    return files


# --- the CA --------------------------------------------------------------------------------------
def _ensure_ca(directory: Path, now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path, key_path = directory / CA_CERT, directory / CA_KEY
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey) and cert.not_valid_after_utc - RENEW_BEFORE > now:
            return cert, key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "sandex local CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sandex"),
        ]
    )
    public = key.public_key()
    cert = (
        _builder(name, name, public, now, CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


# --- the server certificate ----------------------------------------------------------------------
def _server_fits(path: Path, ca_cert: x509.Certificate, wanted: Sequence[Name], now: dt.datetime) -> bool:
    """The existing server certificate is signed by this CA, valid a while yet, and names every host."""
    if not path.exists() or not path.with_name(SERVER_KEY).exists():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    if cert.issuer != ca_cert.subject or cert.not_valid_after_utc - RENEW_BEFORE <= now:
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return set(wanted) <= set(names)


def _issue_server(
    files: TlsFiles,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    wanted: Sequence[Name],
    now: dt.datetime,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sandex local server")])
    public = key.public_key()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        _builder(subject, ca_cert.subject, public, now, SERVER_DAYS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(list(wanted)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(files.key, _pem_key(key))
    _write_private(files.cert, cert.public_bytes(serialization.Encoding.PEM))


# --- helpers -------------------------------------------------------------------------------------
def _builder(
    subject: x509.Name, issuer: x509.Name, public: ec.EllipticCurvePublicKey, now: dt.datetime, days: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # tolerate a client clock slightly behind
        .not_valid_after(now + dt.timedelta(days=days))
    )


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _names(hosts: Iterable[str]) -> list[Name]:
    """Subject alternative names for hosts: IP addresses as IPs, the rest as DNS names (no wildcards)."""
    names: list[Name] = []
    for host in hosts:
        host = host.strip().strip("[]")
        if host in _WILDCARD_BINDS:
            continue
        try:
            name: Name = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            name = x509.DNSName(host.lower())
        if name not in names:
            names.append(name)
    return names


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _tighten(directory: Path) -> None:
    """Owner-only, also what an older sandex wrote 0644 (the certificates): the data dir is private."""
    directory.chmod(0o700)
    for name in (CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY):
        with contextlib.suppress(FileNotFoundError):
            (directory / name).chmod(0o600)


def _write_private(path: Path, data: bytes) -> None:
    """Written 0600 from the start (never world-readable, not even for an instant), then renamed."""
    temp = path.with_name(path.name + ".tmp")
    temp.unlink(missing_ok=True)  # an old leftover could carry wider permissions
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)
