"""The plugin's swap helpers as a user's test suite meets them (`sandex_swaps`): Futures mode and
position mode, leverage, the index steered and the mark pinned. Positions opened by real orders are
in `test_plugin_swap_positions.py`."""

from __future__ import annotations

import pytest

from tests.support.plugin import INNER_INI, clean_env

pytestmark = pytest.mark.slow  # the inner run starts a sandex server


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    clean_env(monkeypatch)
    pytester.makeini(INNER_INI)
    return pytester


def test_swap_settings_and_prices_in_a_users_suite(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import time
        from decimal import Decimal

        import pytest
        from sandex.client import ControlError

        SWAP = "BTC-USDT-SWAP"

        def test_futures_then_hedge_mode_and_leverage(sandex_account, sandex_swaps):
            assert sandex_swaps.settings(sandex_account).acct_lv == "1"
            assert sandex_swaps.futures(sandex_account).futures
            assert sandex_swaps.position_mode(sandex_account, "long_short").pos_mode == "long_short_mode"
            lever = sandex_swaps.leverage(sandex_account, SWAP, 25, mgn_mode="isolated", pos_side="long")
            assert (lever["lever"], lever["pos_side"]) == ("25", "long")
            with pytest.raises(ControlError) as refused:
                sandex_swaps.leverage(sandex_account, SWAP, 101)
            assert refused.value.code == "59102"
            assert sandex_swaps.spot(sandex_account, demo=True).acct_lv == "1"

        def test_steer_moves_the_index(sandex_swaps, sandex_market):
            sandex_swaps.steer(SWAP, "61000")
            [market] = sandex_market.show("BTC-USDT")
            assert Decimal(market["refPx"]) == 61000

        def test_the_mark_is_pinned_then_released(sandex_swaps):
            assert sandex_swaps.mark(SWAP) > 0
            sandex_swaps.set_mark(SWAP, "70000")
            deadline = time.monotonic() + 10
            while sandex_swaps.mark(SWAP) != 70000 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert sandex_swaps.mark(SWAP) == 70000
            assert sandex_swaps.unfreeze_mark(SWAP)["markPinned"] is False
        """
    )
    inner.runpytest("-p", "no:randomly").assert_outcomes(passed=3)
