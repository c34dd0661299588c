"""The example grid bot's own suite (examples/grid_bot) passes offline, through the plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.plugin import clean_env

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "grid_bot"

pytestmark = pytest.mark.slow


def test_the_grid_bot_suite_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    clean_env(monkeypatch)  # offline: the okx_verified test runs against sandex too
    result = pytester.runpytest_subprocess(str(EXAMPLE), "-p", "no:hypothesispytest", "-q")
    result.assert_outcomes(passed=10)
