"""Swap algo orders on the runner, over a pure swap exchange: mark-price stops fire on new marks
(not on trades), the order they place is a swap order, `closeFraction` closes the whole position,
`cxlOnClosePos` algos go when their position closes, attached TP/SL on swap orders."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode, PosMode, PosSide
from sandex.domain.derivatives.positions import PosKey
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ids import SequentialIds
from sandex.domain.matching.events import outcome
from sandex.domain.matching.order import Side
from sandex.domain.trading import Exchange
from sandex.domain.trading.algos import MARKET_PX, AlgoOrdType, AlgoSpec, AlgoState, AttachedAlgo, TriggerSide
from sandex.services.exchange.algo_desk import AlgoDesk
from sandex.services.exchange.algo_runner import AlgoRunner
from sandex.services.exchange.algo_swaps import BookPositions
from sandex.services.exchange.commands import PlaceAlgos
from sandex.services.exchange.records import AlgoRecord
from tests.support.swaps import btc_swap, fund, futures, order, place, seed_position, swap_exchange

D = Decimal
BTC = "BTC-USDT-SWAP"
ME, MAKER, OTHER = 1, 2, 3
LIVE = Environment.LIVE


@pytest.fixture
def x() -> Exchange:
    ex = swap_exchange()
    futures(ex, ME, MAKER, OTHER)
    for account in (ME, MAKER, OTHER):
        fund(ex, account, "1000000")
    return ex


@pytest.fixture
def runner(x: Exchange) -> AlgoRunner:
    instruments = {BTC: btc_swap()}
    return AlgoRunner(
        LIVE, x, AlgoDesk(), instruments, SequentialIds(1), {}, set(), positions=BookPositions(x, instruments)
    )


def sl(px: str, **kw: object) -> AlgoSpec:
    fields: dict[str, object] = {
        "td_mode": "cross",
        "sl_trigger_px": D(px),
        "sl_ord_px": MARKET_PX,
        "sl_trigger_px_type": "mark",
        "reduce_only": True,
    }
    fields.update(kw)
    sz = D(str(fields.pop("sz", "1")))
    return AlgoSpec(BTC, AlgoOrdType.CONDITIONAL, Side.SELL, sz, **fields)  # type: ignore[arg-type]


def place_algo(runner: AlgoRunner, spec: AlgoSpec, account: int = ME) -> AlgoRecord | Rejected:
    [ack], made = runner.place(PlaceAlgos(LIVE, account, (spec,)), 10)
    if ack.rejected is not None:
        return ack.rejected
    return made[0]


def position(x: Exchange, account: int = ME, pos_side: PosSide = PosSide.NET) -> int:
    found = x.swaps.book.get(PosKey(account, BTC, MgnMode.CROSS, pos_side))
    return 0 if found is None else found.pos


def bid(x: Exchange, px: str, sz: str = "10") -> None:
    """A resting buy of OTHER: what a triggered market sell fills against."""
    place(x, OTHER, order(BTC, Side.BUY, sz, px))


def test_a_mark_stop_loss_fires_on_the_mark_not_on_trades(x: Exchange, runner: AlgoRunner) -> None:
    seed_position(x, ME, MAKER, Side.BUY, "1", "50000")
    algo = place_algo(runner, sl("49000"))
    assert isinstance(algo, AlgoRecord)
    bid(x, "48000")
    # the last price falls through 49000 (others trade at 48000): a mark stop does not care
    traded = place(x, MAKER, order(BTC, Side.SELL, "1", "48000"))
    assert runner.settle(traded, 11).algos == []
    assert position(x) == 100  # lots: 1 contract
    done = runner.on_marks(((BTC, D(48900), D(48950)),), 12)
    [fired] = done.algos
    assert (fired.state, fired.actual_side, fired.actual_sz) == (AlgoState.EFFECTIVE, TriggerSide.SL, D(1))
    assert position(x) == 0  # its reduce-only market sell closed the position


def test_a_mark_stop_above_the_mark_is_refused_with_51304(x: Exchange, runner: AlgoRunner) -> None:
    runner.on_marks(((BTC, D(50000), D(50010)),), 1)
    got = place_algo(runner, sl("50005"))  # a sell's stop above the mark it watches
    assert isinstance(got, Rejected) and got.reason is Reason.SL_ABOVE_MARK


def test_close_fraction_closes_the_whole_position_at_trigger_time(x: Exchange, runner: AlgoRunner) -> None:
    seed_position(x, ME, MAKER, Side.BUY, "1", "50000")
    algo = place_algo(runner, sl("49000", sz="0", close_fraction=True))
    assert isinstance(algo, AlgoRecord)
    seed_position(x, ME, MAKER, Side.BUY, "2", "50000")  # the position grew after placing
    assert position(x) == 300
    bid(x, "48000")
    [fired] = runner.on_marks(((BTC, D(48900), D(48950)),), 12).algos
    assert (fired.state, fired.actual_sz) == (AlgoState.EFFECTIVE, D(3))
    assert position(x) == 0


def test_close_fraction_without_a_position_fails_with_51169(runner: AlgoRunner) -> None:
    algo = place_algo(runner, sl("49000", sz="0", close_fraction=True))
    assert isinstance(algo, AlgoRecord)
    [failed] = runner.on_marks(((BTC, D(48900), D(48950)),), 12).algos
    assert (failed.state, failed.fail_code) == (AlgoState.ORDER_FAILED, Reason.NO_POSITION_TO_CLOSE.value)


def test_one_whole_position_stop_per_position(runner: AlgoRunner) -> None:
    assert isinstance(place_algo(runner, sl("49000", sz="0", close_fraction=True)), AlgoRecord)
    again = place_algo(runner, sl("48000", sz="0", close_fraction=True))
    assert isinstance(again, Rejected) and again.reason is Reason.CLOSE_FRACTION_ONE  # 51088


def test_cxl_on_close_pos_cancels_when_the_position_closes(x: Exchange, runner: AlgoRunner) -> None:
    seed_position(x, ME, MAKER, Side.BUY, "1", "50000")
    tied = place_algo(runner, sl("45000", cxl_on_close_pos=True))
    free = place_algo(runner, sl("45000", sz="0.5"))
    assert isinstance(tied, AlgoRecord) and isinstance(free, AlgoRecord)
    place(x, MAKER, order(BTC, Side.BUY, "1", "50100"))
    closed = place(x, ME, order(BTC, Side.SELL, "1", "50100", reduce_only=True))
    assert position(x) == 0
    [canceled] = runner.settle(closed, 20).algos
    assert (canceled.algo_id, canceled.state) == (tied.algo_id, AlgoState.CANCELED)
    assert runner.desk.get(free.algo_id) is not None  # not tied to the position: stays


def test_a_position_that_only_shrinks_keeps_its_tied_stop(x: Exchange, runner: AlgoRunner) -> None:
    seed_position(x, ME, MAKER, Side.BUY, "2", "50000")
    tied = place_algo(runner, sl("45000", cxl_on_close_pos=True))
    assert isinstance(tied, AlgoRecord)
    place(x, MAKER, order(BTC, Side.BUY, "1", "50100"))
    assert runner.settle(place(x, ME, order(BTC, Side.SELL, "1", "50100", reduce_only=True)), 20).algos == []


def test_long_short_mode_stop_closes_its_side(x: Exchange, runner: AlgoRunner) -> None:
    futures(x, ME, pos_mode=PosMode.LONG_SHORT)
    seed_position(x, ME, MAKER, Side.BUY, "1", "50000", pos_side=PosSide.LONG)
    algo = place_algo(runner, sl("49000", pos_side=PosSide.LONG, reduce_only=False))
    assert isinstance(algo, AlgoRecord) and algo.pos_side is PosSide.LONG
    bid(x, "48000")
    [fired] = runner.on_marks(((BTC, D(48900), D(48950)),), 12).algos
    assert fired.state is AlgoState.EFFECTIVE
    assert position(x, pos_side=PosSide.LONG) == 0


def test_swap_algos_need_futures_mode(x: Exchange, runner: AlgoRunner) -> None:
    got = place_algo(runner, sl("49000"), account=99)  # never set: Spot mode
    assert isinstance(got, Rejected) and got.reason is Reason.SWAP_ACCOUNT_MODE  # 51010


def test_an_index_trigger_order_opens_a_position(x: Exchange, runner: AlgoRunner) -> None:
    runner.on_marks(((BTC, D(50000), D(50000)),), 1)
    spec = AlgoSpec(
        BTC,
        AlgoOrdType.TRIGGER,
        Side.BUY,
        D(1),
        td_mode="isolated",
        trigger_px=D(51000),
        ord_px=MARKET_PX,
        trigger_px_type="index",
    )
    algo = place_algo(runner, spec)
    assert isinstance(algo, AlgoRecord) and algo.placed_px == D(50000)
    place(x, MAKER, order(BTC, Side.SELL, "5", "51100", td_mode="isolated"))
    assert runner.on_marks(((BTC, D(50900), D(50990)),), 2).algos == []
    [fired] = runner.on_marks(((BTC, D(50900), D(51000)),), 3).algos
    assert fired.state is AlgoState.EFFECTIVE
    pos = x.swaps.book.get(PosKey(ME, BTC, MgnMode.ISOLATED, PosSide.NET))
    assert pos is not None and pos.pos == 100


def test_attached_stop_on_a_swap_order_is_a_reduce_only_swap_stop(x: Exchange, runner: AlgoRunner) -> None:
    item = AttachedAlgo(sl_trigger_px=D(49000), sl_ord_px=MARKET_PX, sl_trigger_px_type="mark")
    spec = order(BTC, Side.BUY, "1", "50000")
    spec = replace(spec, attach_algo_ords=(item,))
    assert runner.check_attach(ME, spec) is None
    place(x, MAKER, order(BTC, Side.SELL, "1", "50000"))
    events = place(x, ME, spec)
    done = outcome(events)  # type: ignore[arg-type]
    assert not isinstance(done, Rejected)
    [waiting] = runner.attach(ME, spec, done.ord_id, 5)
    [live] = runner.settle(events, 5).algos
    assert (live.waiting, live.td_mode, live.reduce_only, live.sl_trigger_px_type) == (
        False,
        "cross",
        True,
        "mark",
    )
    bid(x, "48000")
    [fired] = runner.on_marks(((BTC, D(48900), D(48950)),), 6).algos
    assert (fired.algo_id, fired.state) == (waiting.algo_id, AlgoState.EFFECTIVE)
    assert position(x) == 0


def test_attached_tp_sl_refused_on_a_reduce_only_order(runner: AlgoRunner) -> None:
    item = AttachedAlgo(sl_trigger_px=D(49000), sl_ord_px=MARKET_PX)
    spec = order(BTC, Side.SELL, "1", "50000", reduce_only=True)
    spec = replace(spec, attach_algo_ords=(item,))
    got = runner.check_attach(ME, spec)
    assert got is not None and got.reason is Reason.ATTACH_ON_CLOSE  # 51333


def opened_with_tp_limit(x: Exchange, runner: AlgoRunner) -> AlgoRecord:
    """ME buys 1 @ 50000 with a TP limit at 52000 and a mark SL at 49000; the order fills."""
    item = AttachedAlgo(
        tp_ord_px=D(52000),
        tp_ord_kind="limit",
        sl_trigger_px=D(49000),
        sl_ord_px=MARKET_PX,
        sl_trigger_px_type="mark",
    )
    spec = replace(order(BTC, Side.BUY, "1", "50000"), attach_algo_ords=(item,))
    assert runner.check_attach(ME, spec) is None
    place(x, MAKER, order(BTC, Side.SELL, "1", "50000"))
    events = place(x, ME, spec)
    done = outcome(events)  # type: ignore[arg-type]
    assert not isinstance(done, Rejected)
    runner.attach(ME, spec, done.ord_id, 5)
    [sl] = runner.settle(events, 5).algos
    assert sl.linked_ord_id is not None and sl.state is AlgoState.LIVE
    tp = x.engine(BTC).order(sl.linked_ord_id)  # type: ignore[union-attr]
    assert tp is not None and (tp.side, tp.px) == (Side.SELL, 520000)  # ticks of 0.1
    return sl


def test_a_filled_tp_limit_order_ends_its_stop(x: Exchange, runner: AlgoRunner) -> None:
    sl = opened_with_tp_limit(x, runner)
    [done] = runner.settle(place(x, OTHER, order(BTC, Side.BUY, "1", "52000")), 7).algos
    assert (done.algo_id, done.state, done.actual_side) == (sl.algo_id, AlgoState.EFFECTIVE, TriggerSide.TP)
    assert position(x) == 0


def test_a_fired_stop_cancels_its_tp_limit_order(x: Exchange, runner: AlgoRunner) -> None:
    sl = opened_with_tp_limit(x, runner)
    bid(x, "48000")
    settled = runner.on_marks(((BTC, D(48900), D(48950)),), 8)
    [fired] = settled.algos
    assert (fired.state, fired.actual_side) == (AlgoState.EFFECTIVE, TriggerSide.SL)
    assert x.engine(BTC).order(sl.linked_ord_id) is None  # type: ignore[arg-type, union-attr]
    assert position(x) == 0


def test_a_tp_limit_at_market_is_refused_with_51093(runner: AlgoRunner) -> None:
    item = AttachedAlgo(tp_ord_px=MARKET_PX, tp_ord_kind="limit")
    got = runner.check_attach(ME, replace(order(BTC, Side.BUY, "1", "50000"), attach_algo_ords=(item,)))
    assert got is not None and got.reason is Reason.TP_LIMIT_AT_MARKET


def test_a_trailing_stop_on_a_swap_follows_trades_and_closes_with_a_swap_order(
    x: Exchange, runner: AlgoRunner
) -> None:
    seed_position(x, ME, MAKER, Side.BUY, "1", "50000")
    spec = AlgoSpec(
        BTC,
        AlgoOrdType.MOVE_ORDER_STOP,
        Side.SELL,
        D(1),
        td_mode="cross",
        reduce_only=True,
        callback_spread=D(500),
    )
    algo = place_algo(runner, spec)
    assert isinstance(algo, AlgoRecord)
    runner.on_marks(((BTC, D(40000), D(40000)),), 11)  # marks do not move a trailing stop
    assert runner.desk.get(algo.algo_id) is not None
    place(x, OTHER, order(BTC, Side.BUY, "1", "51000"))
    assert runner.settle(place(x, MAKER, order(BTC, Side.SELL, "1", "51000")), 12).algos[
        0
    ].move_trigger_px == D(50500)
    bid(x, "50400")
    [fired] = runner.settle(place(x, MAKER, order(BTC, Side.SELL, "1", "50400")), 13).algos
    assert fired.state is AlgoState.EFFECTIVE
    assert position(x) == 0
