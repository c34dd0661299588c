"""Algo orders against the built-in market: a price move made with the market controls fires a
user's stop loss through the market maker's trades, and its order reads back like any order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdState, Side
from sandex.domain.trading.algos import MARKET_PX, AlgoOrdType, AlgoSpec, AlgoState
from sandex.services.exchange.records import AlgoRecord
from sandex.services.trading.views import OrderView
from tests.support.apps import rig
from tests.support.exchange import BTC, D, assert_conserved, fund, new_trader

STEPS = 40  # market steps at most (the flow trades most steps): a bound, not a wait


async def test_a_price_drop_made_through_the_market_fires_a_stop_loss_once(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=21) as m:
        await m.step(2)
        service = m.rt.trading.service
        ref = m.rt.market.board.path(BTC).px
        trader = new_trader(m.rt, "freqtrade@example.test")
        await fund(m.rt, trader, "BTC", "1")
        stop = (ref * Decimal("0.95")).quantize(Decimal("0.1"))
        spec = AlgoSpec(
            BTC, AlgoOrdType.CONDITIONAL, Side.SELL, D("0.1"), sl_trigger_px=stop, sl_ord_px=MARKET_PX
        )
        [ack] = await service.place_algos(trader, [spec])  # type: ignore[misc]
        assert ack.ok, ack
        algo_id = int(ack.algo_id)
        await m.step(3)
        live = service.get_algo(trader, algo_id, "")
        assert isinstance(live, AlgoRecord) and live.state is AlgoState.LIVE  # the market moves, not that far
        done = m.rt.market.control.set_price(BTC, (ref * Decimal("0.8")).quantize(Decimal("0.1")))
        assert not isinstance(done, Rejected)
        for _ in range(STEPS):
            await m.step()
            found = service.get_algo(trader, algo_id, "")
            if isinstance(found, AlgoRecord) and found.state is not AlgoState.LIVE:
                break
        assert isinstance(found, AlgoRecord) and found.state is AlgoState.EFFECTIVE, found
        order = service.get_order(trader, BTC, ord_id=str(found.ord_id))
        assert isinstance(order, OrderView)
        assert (order.algo_id, order.source, order.state, order.acc_fill_sz) == (
            str(algo_id),
            "7",
            OrdState.FILLED,
            D("0.1"),
        )
        await m.step(3)
        assert [o.ord_id for o in service.order_history(trader)] == [order.ord_id]  # fired once
        assert_conserved(m.rt)
