"""Algo orders in the exchange core: a trigger commits with the trade that caused it, and live
algo orders (with a trailing stop's extreme, and TP/SL waiting on their order) survive a restart."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.amounts import to_amount
from sandex.domain.matching.order import OrdState, Side
from sandex.domain.trading.algos import MARKET_PX, AlgoOrdType, AlgoSpec, AlgoState, AttachedAlgo
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.commands import AlgoAck, Command, Deposit, OrderAck, PlaceAlgos, PlaceBatch
from sandex.services.exchange.records import ChangeSet, LedgerAccountKind
from sandex.testing.clock import ManualClock

D = Decimal
LIVE = Environment.LIVE
SELLER, BUYER, OTHER = 3, 4, 5  # ledger accounts (see conftest)
USERS = {3: 11, 4: 12, 5: 13}
Run = Callable[[Command], object]


def fund(run: Run, account: int, ccy: str, amount: str) -> None:
    units = to_amount(D(amount))
    assert units is not None
    run(Deposit(LIVE, account, USERS[account], LedgerAccountKind.TRADING, ccy, units))


def place(run: Run, account: int, *items: OrderSpec) -> list[OrderAck]:
    acks = run(PlaceBatch(LIVE, account, items))
    assert isinstance(acks, list) and all(a.ok for a in acks), acks
    return acks


def place_algo(run: Run, account: int, spec: AlgoSpec) -> int:
    [ack] = run(PlaceAlgos(LIVE, account, (spec,)))  # type: ignore[misc]
    assert isinstance(ack, AlgoAck) and ack.ok, ack
    return int(ack.algo_id)


def stop(trigger: str, sz: str = "1") -> AlgoSpec:
    return AlgoSpec(
        "BTC-USDT", AlgoOrdType.CONDITIONAL, Side.SELL, D(sz), sl_trigger_px=D(trigger), sl_ord_px=MARKET_PX
    )


def funded(run: Run) -> None:
    fund(run, SELLER, "BTC", "10")
    fund(run, BUYER, "USDT", "10000")
    fund(run, OTHER, "BTC", "10")


def trade(run: Run, req, px: str, sz: str = "0.1") -> None:
    place(run, BUYER, req.limit("BTC-USDT", "buy", px, sz))
    place(run, OTHER, req.limit("BTC-USDT", "sell", px, sz))


def test_the_trigger_its_order_and_the_trade_that_caused_it_commit_together(
    run: Run, req, commits: list[ChangeSet]
) -> None:
    funded(run)
    algo_id = place_algo(run, SELLER, stop("90"))
    place(run, BUYER, req.limit("BTC-USDT", "buy", "80", "5"))
    trade(run, req, "90")
    last = commits[-1]
    [fired] = last.algos
    assert (fired.algo_id, fired.state) == (algo_id, AlgoState.EFFECTIVE)
    order = next(o for o in last.orders if o.ord_id == fired.ord_id)
    assert (order.algo_id, order.source, order.state) == (algo_id, "7", OrdState.FILLED)
    assert {t.px for t in last.trades} == {D(90), D(80)}  # the cause, and the stop's own sale


def test_one_stop_selling_down_fires_the_next_in_the_same_command(
    run: Run, req, commits: list[ChangeSet]
) -> None:
    funded(run)
    first = place_algo(run, SELLER, stop("90"))
    second = place_algo(run, OTHER, stop("85"))
    place(run, BUYER, req.limit("BTC-USDT", "buy", "84", "5"))
    trade(run, req, "90")
    assert {(a.algo_id, a.state) for a in commits[-1].algos} == {
        (first, AlgoState.EFFECTIVE),
        (second, AlgoState.EFFECTIVE),
    }


def test_a_live_stop_survives_a_restart_and_fires_exactly_once(
    run: Run, req, store, restart, clock: ManualClock
) -> None:
    funded(run)
    algo_id = place_algo(run, SELLER, stop("90"))
    place(run, BUYER, req.limit("BTC-USDT", "buy", "80", "5"))
    again = restart().core
    ts = clock.now_ms()
    applied = [
        again.apply(PlaceBatch(LIVE, BUYER, (req.limit("BTC-USDT", "buy", "90", "0.1"),)), ts),
        again.apply(PlaceBatch(LIVE, OTHER, (req.limit("BTC-USDT", "sell", "90", "0.1"),)), ts),
        again.apply(PlaceBatch(LIVE, BUYER, (req.limit("BTC-USDT", "buy", "85", "0.1"),)), ts),
        again.apply(PlaceBatch(LIVE, OTHER, (req.limit("BTC-USDT", "sell", "85", "0.1"),)), ts),
    ]
    changes = again.changes(applied)
    assert [(a.algo_id, a.state) for a in changes.algos] == [(algo_id, AlgoState.EFFECTIVE)]
    assert sum(1 for o in changes.orders if o.algo_id == algo_id) == 1


def test_the_last_price_survives_a_restart_for_placement_checks(
    run: Run, req, restart, clock: ManualClock
) -> None:
    funded(run)
    trade(run, req, "50")
    again = restart().core
    applied = again.apply(PlaceAlgos(LIVE, SELLER, (stop("60"),)), clock.now_ms())
    [ack] = applied.result  # type: ignore[misc]
    assert not ack.ok  # a sell stop at 60 is above the last price, 50 (51280)


def test_a_trailing_stop_keeps_its_high_across_a_restart(run: Run, req, restart, clock: ManualClock) -> None:
    funded(run)
    spec = AlgoSpec("BTC-USDT", AlgoOrdType.MOVE_ORDER_STOP, Side.SELL, D(1), callback_spread=D(5))
    algo_id = place_algo(run, SELLER, spec)
    place(run, BUYER, req.limit("BTC-USDT", "buy", "50", "5"))
    trade(run, req, "110")
    again = restart().core
    ts = clock.now_ms()
    applied = [
        again.apply(PlaceBatch(LIVE, BUYER, (req.limit("BTC-USDT", "buy", "105", "0.1"),)), ts),
        again.apply(PlaceBatch(LIVE, OTHER, (req.limit("BTC-USDT", "sell", "105", "0.1"),)), ts),
    ]
    [fired] = again.changes(applied).algos
    assert (fired.algo_id, fired.state, fired.extreme_px) == (algo_id, AlgoState.EFFECTIVE, D(110))


def test_tp_sl_waiting_on_an_order_survive_a_restart(run: Run, req, restart, clock: ManualClock) -> None:
    funded(run)
    sl = AttachedAlgo("w1", sl_trigger_px=D(80), sl_ord_px=MARKET_PX)
    [buy] = place(run, BUYER, req.limit("BTC-USDT", "buy", "100", "1", attach_algo_ords=(sl,)))
    again = restart().core
    applied = again.apply(
        PlaceBatch(LIVE, OTHER, (req.limit("BTC-USDT", "sell", "100", "1"),)), clock.now_ms()
    )
    [armed] = again.changes([applied]).algos
    assert (armed.parent_ord_id, armed.waiting, armed.state, armed.sz) == (
        int(buy.ord_id),
        False,
        AlgoState.LIVE,
        D(1),
    )
