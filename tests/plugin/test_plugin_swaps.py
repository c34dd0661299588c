"""The plugin's swap helpers as a user's test suite meets them (`sandex_swaps`): Futures mode, a
position opened by real orders against a counterparty, leverage, position mode, the index steered,
and a forced liquidation that closes the position as a liquidation."""

from __future__ import annotations

import pytest

from tests.support.plugin import INNER_INI, clean_env

pytestmark = pytest.mark.slow  # the inner run starts a sandex server


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    clean_env(monkeypatch)
    pytester.makeini(INNER_INI)
    return pytester


def test_swap_helpers_in_a_users_suite(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        from decimal import Decimal

        import pytest
        from sandex.client import OkxError

        SWAP = "BTC-USDT-SWAP"

        def filled(client, seeded):
            order = client.get_order(SWAP, seeded.taker.ord_id).raw
            assert (order["state"], Decimal(order["accFillSz"])) == ("filled", Decimal(seeded.sz))
            return order

        def test_spot_mode_refuses_swaps_until_futures(sandex_account, sandex_swaps, sandex_okx_client):
            assert sandex_swaps.settings(sandex_account).acct_lv == "1"
            with pytest.raises(OkxError) as refused:
                sandex_okx_client.place_order(SWAP, "buy", "limit", "1", px="60000", td_mode="cross")
            assert refused.value.code in ("51010", "1")
            assert sandex_swaps.futures(sandex_account).futures

        def test_a_seeded_position_is_a_real_one(sandex_account, sandex_swaps, sandex_okx_client):
            sandex_swaps.futures(sandex_account)
            seeded = sandex_swaps.open_position(sandex_account, SWAP, "buy", "2", lever="20")
            assert seeded.taker.ord_id and seeded.maker.ord_id and seeded.counterparty_uid
            order = filled(sandex_okx_client, seeded)
            assert (Decimal(order["avgPx"]), order["tdMode"], order["posSide"], order["lever"]) == (
                Decimal(seeded.px), "cross", "net", "20")

        def test_long_short_mode_and_isolated(sandex_account, sandex_swaps, sandex_okx_client):
            sandex_swaps.futures(sandex_account)
            assert sandex_swaps.position_mode(sandex_account, "long_short").pos_mode == "long_short_mode"
            seeded = sandex_swaps.open_position(
                sandex_account, SWAP, "sell", "1", td_mode="isolated", pos_side="short", lever=10
            )
            order = filled(sandex_okx_client, seeded)
            assert (order["posSide"], order["tdMode"], order["lever"]) == ("short", "isolated", "10")

        def test_steer_moves_the_index(sandex_swaps, sandex_market):
            sandex_swaps.steer(SWAP, "61000")
            [market] = sandex_market.show("BTC-USDT")
            assert Decimal(market["refPx"]) == 61000
        """
    )
    inner.runpytest("-p", "no:randomly").assert_outcomes(passed=4)
