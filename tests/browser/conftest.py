"""Debian's Chromium driven by Playwright (never a downloaded browser), against a real threaded server.

Without /usr/bin/chromium the browser tests skip with a reason; CI sets SANDEX_REQUIRE_BROWSER=1 and
then a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from sandex.config import Settings
from sandex.testing.server import RunningServer, serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("SANDEX_REQUIRE_BROWSER") == "1"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if REQUIRE_BROWSER:
            pytest.fail(f"Chromium required (SANDEX_REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = tmp_path_factory.mktemp("console-browser") / "data"
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as running:
        yield running


@pytest.fixture(scope="session")
def artifacts(pytestconfig: pytest.Config) -> Path:
    """Screenshots for people to look at (CI keeps the directory)."""
    path = pytestconfig.rootpath / "artifacts"
    path.mkdir(exist_ok=True)
    return path
