"""The plugin's `sandex_swaps.open_position`: a position opened by real OKX orders (a counterparty's
resting limit order at the mark, taken by the account), in net and long/short mode. Needs the OKX
order route to take swap orders (swap-private-api)."""

from __future__ import annotations

import pytest

from tests.support.plugin import INNER_INI, clean_env

pytestmark = pytest.mark.slow  # the inner run starts a sandex server


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    clean_env(monkeypatch)
    pytester.makeini(INNER_INI)
    return pytester


def test_positions_opened_by_real_orders(inner: pytest.Pytester) -> None:
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

        def test_spot_mode_refuses_swap_orders(sandex_account, sandex_okx_client):
            with pytest.raises(OkxError) as refused:
                sandex_okx_client.place_order(SWAP, "buy", "limit", "1", px="60000", td_mode="cross")
            assert refused.value.code == "51010"

        def test_a_seeded_position_is_a_real_one(sandex_account, sandex_swaps, sandex_okx_client):
            sandex_swaps.futures(sandex_account)
            seeded = sandex_swaps.open_position(sandex_account, SWAP, "buy", "2", lever="20")
            assert seeded.taker.ord_id and seeded.maker.ord_id and seeded.counterparty_uid
            order = filled(sandex_okx_client, seeded)
            assert (Decimal(order["avgPx"]), order["tdMode"], order["posSide"], order["lever"]) == (
                Decimal(seeded.px), "cross", "net", "20")

        def test_long_short_mode_and_isolated(sandex_account, sandex_swaps, sandex_okx_client):
            sandex_swaps.futures(sandex_account)
            sandex_swaps.position_mode(sandex_account, "long_short")
            seeded = sandex_swaps.open_position(
                sandex_account, SWAP, "sell", "1", td_mode="isolated", pos_side="short", lever=10
            )
            order = filled(sandex_okx_client, seeded)
            assert (order["posSide"], order["tdMode"], order["lever"]) == ("short", "isolated", "10")
        """
    )
    inner.runpytest("-p", "no:randomly").assert_outcomes(passed=3)
