"""`sandex serve` as a newcomer runs it: a real process answering within seconds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _sandex(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandex", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_serve_answers_public_endpoints_once_ready(tmp_path: Path) -> None:
    port = _free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandex", "serve", "--port", str(port), "--data-dir", str(tmp_path / "d")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        while time.monotonic() - started < 60:  # readiness, not a duration: CI is a loaded 2-core box
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/api/v5/public/time", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert body is not None and body["code"] == "0", "server never answered"
        instruments = httpx.get(
            f"http://127.0.0.1:{port}/api/v5/public/instruments?instType=SPOT", timeout=5
        ).json()["data"]
        assert {"BTC-USDT", "ETH-USDT", "SOL-USDT", "DOGE-USDT"} <= {i["instId"] for i in instruments}
        assert (tmp_path / "d" / "sandex.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_help_lists_the_contract_flags(tmp_path: Path) -> None:
    result = _sandex("serve", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for flag in ("--host", "--port", "--data-dir", "--database-url"):
        assert flag in result.stdout


def test_serve_with_a_broken_catalogue_fails_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "cat.json"
    broken.write_text("{not json")
    result = _sandex("serve", "--catalogue", str(broken), "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().startswith("error: cannot start:")
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_bad_flag_value(tmp_path: Path) -> None:
    result = _sandex("serve", "--rate-limits", "fast", "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert result.returncode != 0 and "rate_limits" in result.stderr
