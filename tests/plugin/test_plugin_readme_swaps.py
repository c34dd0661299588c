"""The README's swap example runs as written: Futures mode, a position opened by real orders,
ccxt reads it, the mark is walked through its liquidation price and the position is liquidated."""

from __future__ import annotations

import pytest

from tests.support.plugin import INNER_INI, clean_env

pytestmark = pytest.mark.slow  # the inner run starts a sandex server

README_EXAMPLE = """
import time


def test_a_long_is_liquidated_when_the_mark_falls(sandex_account, sandex_swaps, sandex_ccxt):
    sandex_swaps.futures(sandex_account)                      # acctLv 2: swaps trade now
    sandex_swaps.open_position(sandex_account, "BTC-USDT-SWAP", "buy", "1", td_mode="isolated", lever="50")
    [position] = sandex_ccxt.fetch_positions(["BTC/USDT:USDT"])
    assert (position["contracts"], position["side"], position["marginMode"]) == (1, "long", "isolated")
    sandex_swaps.set_mark("BTC-USDT-SWAP", int(position["liquidationPrice"] * 0.99))  # through liqPx
    deadline = time.monotonic() + 60                          # liquidated on the next mark (about 1 s)
    while sandex_ccxt.fetch_positions(["BTC/USDT:USDT"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sandex_ccxt.fetch_positions(["BTC/USDT:USDT"]) == []
"""


def test_the_readme_swap_example_runs_as_written(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_env(monkeypatch)
    pytester.makeini(INNER_INI)
    pytester.makepyfile(README_EXAMPLE)
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)
