"""Fixtures shared by the integration tests of several areas (CLI, funding)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandex.config import Settings
from sandex.process import open_runtime
from tests.support.db import migrated_data_dir
from tests.support.factories import register

REGISTERED_EMAIL = "alice@example.test"  # the user `data_dir` holds (tests spell it as their EMAIL)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh data dir (SQLite) in which alice@example.test, password Correct-Horse-9, exists."""
    path = migrated_data_dir(tmp_path / "data")
    runtime = open_runtime(Settings(data_dir=path), fast_hashing=True)
    try:
        register(runtime.accounts, REGISTERED_EMAIL)
    finally:
        runtime.engine.dispose()
    return path
