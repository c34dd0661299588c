"""The data dir is its owner's alone: 0700, every file sandex makes in it 0600, whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandex.app import create_app
from sandex.config import Settings
from sandex.process import open_runtime
from sandex.runtime.tls import ensure_tls


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)  # the usual one: left alone, files come out 0644 and directories 0755
    try:
        yield
    finally:
        os.umask(old)


def modes(data_dir: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    for path in data_dir.rglob("*"):
        found[str(path.relative_to(data_dir))] = stat.S_IMODE(path.stat().st_mode)
    return found


async def serve_once(settings: Settings, email: str = "m@example.test") -> None:
    """Start with TLS files, write through the WAL (so -wal and -shm exist), stop."""
    ensure_tls(settings.data_dir, ["127.0.0.1"])
    runtime = open_runtime(settings, fast_hashing=True)
    app = create_app(settings, runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            headers = {"Authorization": f"Bearer {runtime.admin_token}"}
            created = await http.post("/sandex/v1/users", json={"email": email}, headers=headers)
            assert created.status_code == 201
            found = modes(settings.data_dir)
            assert {"sandex.db-wal", "sandex.db-shm"} <= set(found)  # checked while the server runs
            assert_private(found)


def assert_private(found: dict[str, int]) -> None:
    expected = {"admin-token", "master-keys.json", "sandex.db", "tls", "tls/ca.pem", "tls/server-key.pem"}
    assert expected <= set(found)
    wrong = {name: oct(mode) for name, mode in found.items() if mode != (0o700 if _is_dir(name) else 0o600)}
    assert wrong == {}


def _is_dir(name: str) -> bool:
    return name in (".", "tls")


@pytest.mark.usefixtures("umask_022")
async def test_a_fresh_data_dir_is_private_under_umask_022(tmp_path: Path) -> None:
    await serve_once(Settings(data_dir=tmp_path / "data", rate_limits="off", market=False))


@pytest.mark.usefixtures("umask_022")
async def test_a_data_dir_left_open_by_an_older_sandex_is_closed_on_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", rate_limits="off", market=False)
    await serve_once(settings)
    for path in [settings.data_dir, *settings.data_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # as older versions left them
    await serve_once(settings, "again@example.test")
    assert_private(modes(settings.data_dir))
