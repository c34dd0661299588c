"""An exchange rebuilt from storage (balances, pending orders, highest ids) continues exactly."""

from __future__ import annotations

from typing import Any

from sandex.domain.ids import SequentialIds
from sandex.domain.ledger import Ledger
from sandex.domain.matching import OrderAccepted, OrderAmended, OrderFilled, OrdType, Side, TgtCcy
from sandex.domain.trading import Exchange, Trade
from tests.support.venue import BTC_USDT, D, Venue


def _before(v: Venue) -> list[Any]:
    for account in (1, 2, 3):
        v.fund(account, "USDT", "5000")
        v.fund(account, "BTC", "20")
    log: list[Any] = []
    log += v.sell(1, "101", "2")
    log += v.sell(2, "101", "1")
    log += v.sell(3, "102.5", "4")
    log += v.buy(1, "99", "3")
    log += v.buy(2, "101", "1.5")  # takes from account 1's ask
    log += v.amend(1, 4, new_px=D("98.5"))
    log += v.buy(3, "99", "1", ord_type=OrdType.POST_ONLY)
    log += v.buy(3, "90", "1", ord_type=OrdType.IOC)  # never rests, yet takes a seq
    return log


def _after(v: Venue) -> list[Any]:
    log: list[Any] = []
    log += v.place(2, Side.SELL, "3.5", tgt_ccy=TgtCcy.BASE_CCY)  # sweeps the bids
    log += v.place(3, Side.BUY, "200")  # market buy for 200 USDT
    log += v.sell(1, "99", "1")
    log += v.cancel(3, cl_ord_id="", ord_id=3)
    return log


def test_rebuilt_exchange_produces_the_same_events_and_balances() -> None:
    uninterrupted = Venue(BTC_USDT)
    _before(uninterrupted)
    expected = _after(uninterrupted)

    first = Venue(BTC_USDT)
    log = _before(first)
    engine = first.x.engine("BTC-USDT")
    assert engine is not None
    # What storage has after the first life: balances, pending orders, and the log's highest ids.
    orders = engine.resting_orders()
    last_seq = max(e.order.seq for e in log if isinstance(e, OrderAccepted | OrderAmended | OrderFilled))
    next_ord = 1 + max(e.order.ord_id for e in log if isinstance(e, OrderAccepted))
    next_trade = 1 + max(e.fill.trade_id for e in log if isinstance(e, Trade))

    second = Venue(BTC_USDT)
    second.ts = first.ts
    second.ledger = Ledger()
    second.x = Exchange(
        [BTC_USDT], second.ledger, order_ids=SequentialIds(next_ord), trade_ids=SequentialIds(next_trade)
    )
    second.x.restore(reversed(orders), first.ledger.rows(), {"BTC-USDT": last_seq})
    assert second.x.reserved() == first.x.reserved()
    assert _after(second) == expected
    assert list(second.ledger.rows()) == list(uninterrupted.ledger.rows())
