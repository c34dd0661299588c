"""`sandex serve --tls`: a local CA in the data dir, a server certificate it signs, `wss://` clients."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import socket
import ssl
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from typer.testing import CliRunner
from websockets.sync.client import connect

from sandex.cli.main import app as cli
from sandex.runtime.tls import ensure_tls


def _names(path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(n.value) for n in alt}


def test_the_ca_and_a_server_certificate_are_created_once(tmp_path: Path) -> None:
    files = ensure_tls(tmp_path)
    for key in (files.key, files.ca_cert.with_name("ca-key.pem")):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.ca_cert.parent.stat().st_mode) == 0o700
    assert _names(files.cert) == {"localhost", "127.0.0.1", "::1"}
    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(files.cert.read_bytes())
    server.verify_directly_issued_by(ca)
    assert server.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=300)
    before = (files.ca_cert.read_bytes(), files.cert.read_bytes())
    again = ensure_tls(tmp_path)
    assert (again.ca_cert.read_bytes(), again.cert.read_bytes()) == before


def test_a_new_host_reissues_the_server_certificate_under_the_same_ca(tmp_path: Path) -> None:
    first = ensure_tls(tmp_path)
    ca = first.ca_cert.read_bytes()
    second = ensure_tls(tmp_path, ["sandex.internal", "10.1.2.3", "0.0.0.0"])  # noqa: S104
    assert second.ca_cert.read_bytes() == ca
    assert _names(second.cert) == {"localhost", "127.0.0.1", "::1", "sandex.internal", "10.1.2.3"}
    cert = x509.load_pem_x509_certificate(second.cert.read_bytes())
    alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("10.1.2.3") in alt.get_values_for_type(x509.IPAddress)


def test_cli_prints_the_ca_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["tls", "ca-path", "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == (tmp_path / "d" / "tls" / "ca.pem").resolve() and path.exists()
    assert "BEGIN CERTIFICATE" in path.read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_tls_answers_https_and_wss_for_clients_trusting_the_ca(tmp_path: Path) -> None:
    port, data = _free_port(), tmp_path / "d"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandex", "serve", "--tls", "--port", str(port), "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore", "SANDEX_MARKET": "false"},
    )
    try:
        context = _wait_for_ca(data / "tls" / "ca.pem")
        body = None
        deadline = time.monotonic() + 20
        while body is None and time.monotonic() < deadline:
            try:
                body = httpx.get(
                    f"https://127.0.0.1:{port}/api/v5/public/time", verify=context, timeout=1
                ).json()
            except httpx.TransportError:
                time.sleep(0.1)
        assert body is not None and body["code"] == "0", "no https answer"
        with connect(f"wss://127.0.0.1:{port}/ws/v5/public", ssl=context) as ws:
            ws.send("ping")
            assert ws.recv(timeout=5) == "pong"
            ws.send(json.dumps({"op": "subscribe", "args": [{"channel": "books", "instId": "BTC-USDT"}]}))
            assert json.loads(ws.recv(timeout=5))["event"] == "subscribe"
        with pytest.raises(httpx.ConnectError):  # a client that does not trust the CA refuses the server
            httpx.get(f"https://127.0.0.1:{port}/api/v5/public/time", timeout=2)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _wait_for_ca(path: Path) -> ssl.SSLContext:
    """The CA once the server has written all of it (a half-written PEM does not load)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return ssl.create_default_context(cafile=str(path))
        except (FileNotFoundError, ssl.SSLError):
            assert time.monotonic() < deadline, "no CA written"
            time.sleep(0.05)
