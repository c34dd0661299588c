"""Fixtures for the exchange-core tests: a runtime with its sequencer running, on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandex.process import Runtime
from tests.support.apps import open_rig_runtime


@pytest.fixture
async def rt(tmp_path: Path) -> AsyncIterator[Runtime]:
    """SQLite in a temp dir (the embedded default); tests that must hold on both backends use `rt_any`."""
    runtime = open_rig_runtime(tmp_path / "data")
    await runtime.trading.sequencer.start()
    try:
        yield runtime
    finally:
        await runtime.trading.sequencer.stop()
        runtime.engine.dispose()


@pytest.fixture
async def rt_any(tmp_path: Path, migrated_database_url: str) -> AsyncIterator[Runtime]:
    """The same on SQLite and on PostgreSQL."""
    runtime = open_rig_runtime(tmp_path / "data", migrated_database_url)
    await runtime.trading.sequencer.start()
    try:
        yield runtime
    finally:
        await runtime.trading.sequencer.stop()
        runtime.engine.dispose()
