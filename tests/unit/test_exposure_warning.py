"""`sandex serve --host` beyond loopback warns what becomes reachable; loopback stays quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandex.cli.exposure import exposure_warning
from sandex.config import Settings


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_needs_no_warning(host: str, tmp_path: Path) -> None:
    assert exposure_warning(Settings(host=host, data_dir=tmp_path)) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "sandex.lan"])  # noqa: S104 - settings
def test_any_other_host_warns_what_anyone_who_reaches_it_can_use(host: str, tmp_path: Path) -> None:
    warning = exposure_warning(Settings(host=host, data_dir=tmp_path, allowed_hosts=("sandex.lan",)))
    assert warning is not None
    for reachable in ("sign-up", "faucet", "/sandex/docs", "control API", "admin token", "sandex.lan"):
        assert reachable in warning, reachable
