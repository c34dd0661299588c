"""The simulated market's controls as tests and operators use them, and their refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import InstrumentState
from sandex.domain.matching.order import Side
from sandex.services.exchange import inbox as codec
from sandex.services.exchange.market_words import market_command
from sandex.services.simulation.board import InstrumentMarket, MarketBoard, MarketControl
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.testing.clock import ManualClock

D = Decimal


def market(answer: InstrumentMarket | Rejected) -> InstrumentMarket:
    assert isinstance(answer, InstrumentMarket), answer
    return answer


@pytest.fixture
def changes(control: MarketControl) -> list[int]:
    """One entry per change the market maker would be woken for."""
    seen: list[int] = []
    control.on_change(lambda: seen.append(1))
    return seen


def test_a_fresh_market_is_at_the_catalogue_prices_with_no_controls(control: MarketControl) -> None:
    btc = market(control.market("BTC-USDT"))
    assert (btc.ref_px, btc.state, btc.widen, btc.drained, btc.shifting, btc.frozen) == (
        D(100),
        InstrumentState.LIVE,
        D(1),
        (),
        False,
        False,
    )
    assert [m.inst_id for m in control.markets()] == ["BTC-USDT", "ETH-USDT"]


def test_set_price_moves_the_reference_and_wakes_the_market_maker(
    control: MarketControl, board: MarketBoard, changes: list[int]
) -> None:
    moved = market(control.set_price("BTC-USDT", D(95)))
    assert moved.ref_px == D(95) == board.index_px("BTC-USDT")
    assert changes == [1]
    assert board.version("BTC-USDT") == 1 and board.version("ETH-USDT") == 0


@pytest.mark.parametrize("px", ["0", "-1", "NaN", "Infinity"])
def test_set_price_refuses_prices_that_are_not_positive_and_finite(
    control: MarketControl, changes: list[int], px: str
) -> None:
    assert control.set_price("BTC-USDT", D(px)) == Rejected.of(Reason.PARAM_ERROR, field="px")
    assert market(control.market("BTC-USDT")).ref_px == D(100) and changes == []


def test_every_control_refuses_an_unknown_instrument(control: MarketControl, changes: list[int]) -> None:
    unknown = Rejected(Reason.INSTRUMENT_NOT_FOUND)
    assert control.set_price("NOPE-USDT", D(1)) == unknown
    assert control.shift("NOPE-USDT", D(1)) == unknown
    assert control.widen("NOPE-USDT", D(2)) == unknown
    assert control.drain("NOPE-USDT", Side.BUY) == unknown
    assert control.halt("NOPE-USDT") == unknown
    assert control.market("NOPE-USDT") == unknown
    assert changes == []


def test_a_shift_moves_the_price_over_time(
    control: MarketControl, board: MarketBoard, clock: ManualClock
) -> None:
    shifting = market(control.shift("BTC-USDT", D(-10), over_ms=10_000))
    assert shifting.shifting and shifting.ref_px == D(100)
    clock.advance(ms=5_000)
    board.step(5_000, clock.now_ms())
    assert board.index_px("BTC-USDT") == D("94.9")  # linear in log price: sqrt(100 * 90), to the tick
    clock.advance(ms=5_000)
    board.step(5_000, clock.now_ms())
    assert board.index_px("BTC-USDT") == D(90) and not market(control.market("BTC-USDT")).shifting


def test_an_instant_shift_moves_the_price_at_once(control: MarketControl) -> None:
    assert market(control.shift("BTC-USDT", D(50))).ref_px == D(150)


@pytest.mark.parametrize(
    ("pct", "over_ms", "field"),
    [
        ("-100", 0, "pct"),
        ("10001", 0, "pct"),
        ("NaN", 0, "pct"),
        ("5", -1, "over_ms"),
        ("5", 7 * 86_400_001, "over_ms"),
    ],
)
def test_shift_refusals_name_the_field(control: MarketControl, pct: str, over_ms: int, field: str) -> None:
    assert control.shift("BTC-USDT", D(pct), over_ms) == Rejected.of(Reason.PARAM_ERROR, field=field)
    assert not market(control.market("BTC-USDT")).shifting


def test_freeze_stops_the_random_walk_for_every_instrument(
    control: MarketControl, board: MarketBoard
) -> None:
    frozen = control.freeze(True)
    assert all(m.frozen for m in frozen) and len(frozen) == 2
    for step in range(1, 50):
        board.step(1_000, step * 1_000)
    assert board.index_px("BTC-USDT") == D(100) and board.index_px("ETH-USDT") == D(10)
    assert not any(m.frozen for m in control.freeze(False))


def test_the_walk_moves_prices_when_not_frozen(board: MarketBoard) -> None:
    for step in range(1, 200):
        board.step(1_000, step * 1_000)
    assert board.index_px("BTC-USDT") != D(100)


def test_widen_scales_the_spread_within_limits(control: MarketControl, board: MarketBoard) -> None:
    assert market(control.widen("BTC-USDT", D(3))).widen == D(3)
    assert board.controls("BTC-USDT").widen == D(3)
    for factor in ("0", "-1", "1001", "NaN"):
        assert control.widen("BTC-USDT", D(factor)) == Rejected.of(Reason.PARAM_ERROR, field="factor")
    assert board.controls("BTC-USDT").widen == D(3)


def test_drain_withdraws_sides_that_add_up_and_none_restores_them(control: MarketControl) -> None:
    assert market(control.drain("BTC-USDT", Side.BUY)).drained == (Side.BUY,)
    assert market(control.drain("BTC-USDT", Side.SELL)).drained == (Side.BUY, Side.SELL)
    assert market(control.drain("BTC-USDT", None)).drained == ()


async def test_halt_suspends_new_orders_until_resumed(
    control: MarketControl, trading: TradingService, alice: Trader, req
) -> None:
    await trading.deposit(alice.user_id, alice.environment, "BTC", D(1))
    halted = market(control.halt("BTC-USDT"))
    assert halted.state is InstrumentState.SUSPEND
    answer = await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "0.5")])
    assert isinstance(answer, list) and answer[0].rejected == Rejected(Reason.INSTRUMENT_SUSPENDED)
    assert market(control.resume("BTC-USDT")).state is InstrumentState.LIVE
    answer = await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "0.5")])
    assert isinstance(answer, list) and answer[0].ok


async def test_reset_brings_back_prices_controls_and_resumes_halted_instruments(
    control: MarketControl,
    board: MarketBoard,
    trading: TradingService,
    alice: Trader,
    req,
    changes: list[int],
) -> None:
    control.set_price("BTC-USDT", D(500))
    control.widen("ETH-USDT", D(5))
    control.halt("BTC-USDT")
    control.freeze(True)
    control.reset()
    assert [(m.ref_px, m.widen, m.state, m.frozen) for m in control.markets()] == [
        (D(100), D(1), InstrumentState.LIVE, False),
        (D(10), D(1), InstrumentState.LIVE, False),
    ]
    assert board.halted == set()
    await trading.deposit(alice.user_id, alice.environment, "BTC", D(1))
    answer = await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "0.5")])
    assert isinstance(answer, list) and answer[0].ok  # the exchange resumed it too
    assert len(changes) == 5


def test_follow_takes_time_ordered_positive_points_only(
    control: MarketControl, board: MarketBoard, clock: ManualClock
) -> None:
    assert market(control.follow("BTC-USDT", [(0, D(100)), (10_000, D(120))])).shifting
    clock.advance(ms=10_000)
    board.step(10_000, clock.now_ms())
    assert board.index_px("BTC-USDT") == D(120)
    for points in ([], [(10, D(1)), (5, D(1))], [(-1, D(1))], [(0, D(0))]):
        assert control.follow("ETH-USDT", points) == Rejected.of(Reason.PARAM_ERROR, field="points")
    assert not market(control.market("ETH-USDT")).shifting


# --- the same controls as words (the control API's and the CLI's commands) --------------------------
def run_words(control: MarketControl, args: dict[str, object]) -> list[InstrumentMarket] | Rejected:
    command = market_command(args)
    return command if isinstance(command, Rejected) else control.control(command)


def test_commands_in_words_run_the_controls(control: MarketControl) -> None:
    moved = run_words(control, {"command": "set", "inst_id": "BTC-USDT", "value": "120"})
    assert isinstance(moved, list) and market(moved[0]).ref_px == D(120)
    drained = run_words(control, {"command": "drain", "inst_id": "BTC-USDT", "side": "asks"})
    assert isinstance(drained, list) and market(drained[0]).drained == (Side.SELL,)
    shown = run_words(control, {"command": "show"})
    assert isinstance(shown, list) and len(shown) == 2


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"command": "explode"}, "command"),
        ({"command": "set", "inst_id": "BTC-USDT", "value": "abc"}, "value"),
        ({"command": "drain", "inst_id": "BTC-USDT", "side": "up"}, "side"),
        ({"command": "shift", "inst_id": "BTC-USDT", "value": "5", "over_ms": "soon"}, "over_ms"),
        ({"command": "shift", "inst_id": "BTC-USDT", "value": "5", "over_ms": True}, "over_ms"),
        ({"command": "import", "inst_id": "BTC-USDT", "points": [[0, "x"]]}, "points"),
    ],
)
def test_commands_in_words_name_what_they_got_wrong(
    control: MarketControl, args: dict[str, object], field: str
) -> None:
    assert run_words(control, args) == Rejected.of(Reason.PARAM_ERROR, field=field)
    assert market(control.market("BTC-USDT")).ref_px == D(100)


def test_an_inbox_market_row_is_applied_and_answered_for_the_cli(control: MarketControl) -> None:
    command = codec.decode("market", '{"command": "widen", "inst_id": "ETH-USDT", "value": "2"}')
    assert not isinstance(command, Rejected)
    done = codec.outcome(5, control.control(command), 9)
    assert (done.id, done.state, done.done_ms) == (5, "done", 9)
    [eth] = codec.decode_result(list[InstrumentMarket], done.result)
    assert (eth.inst_id, eth.widen, eth.state, eth.drained) == ("ETH-USDT", D(2), InstrumentState.LIVE, ())
    refused = codec.decode("market", "not json")
    assert refused == Rejected.of(Reason.PARAM_ERROR, field="payload")
    assert codec.outcome(6, refused, 9).state == "rejected"
