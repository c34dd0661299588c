"""Swaps in the simulated market: they follow their index, and their marks obey the controls."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.services.exchange.commands import FreezeMark, SetMark, SetPrice, ShiftMark
from sandex.services.exchange.market_words import market_command
from sandex.services.simulation.board import InstrumentMarket, MarketBoard, MarketControl
from sandex.storage.catalogue_file import load_catalogue
from sandex.testing.clock import ManualClock

D = Decimal
SWAP, INDEX = "BTC-USDT-SWAP", "BTC-USDT"
CATALOGUE: Catalogue = load_catalogue()


def _board(seed: int = 7) -> MarketBoard:
    return MarketBoard(CATALOGUE, volatility=0.5, streams=lambda name: random.Random(f"{seed}:{name}"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_700_000_000_000)


@pytest.fixture
def swaps(clock: ManualClock) -> MarketControl:
    return MarketControl(_board(), CATALOGUE, None, clock)


def _step(control: MarketControl, clock: ManualClock, n: int = 1) -> list[tuple[str, Decimal, Decimal]]:
    marks: list[tuple[str, Decimal, Decimal]] = []
    for _ in range(n):
        clock.advance(ms=1000)
        control.board.step(1000, clock.now_ms())
        marks = control.board.update_marks({}, clock.now_ms())
    return marks


def _market(answer: list[InstrumentMarket] | Rejected) -> InstrumentMarket:
    assert isinstance(answer, list), answer
    return answer[0]


def test_a_swap_trades_close_to_its_index(swaps: MarketControl, clock: ManualClock) -> None:
    board = swaps.board
    for _ in range(200):
        _step(swaps, clock)
        index, ref = board.index_px(INDEX), board.path(SWAP).px
        assert index is not None and abs(ref / index - 1) < D("0.002")
    assert board.index_px(SWAP) == board.index_px(INDEX)  # a swap's index is its spot pair's price


def test_without_a_book_every_swap_is_marked_at_its_index(swaps: MarketControl, clock: ManualClock) -> None:
    marks = _step(swaps, clock)
    assert {m[0] for m in marks} == set(swaps.board.swaps.specs)
    by_id = {inst_id: (mark, index) for inst_id, mark, index in marks}
    mark, index = by_id[SWAP]
    assert mark == index  # no two-sided book: no basis
    assert swaps.board.mark_px(SWAP) == mark and swaps.board.mark_px(INDEX) is None


def test_the_mark_follows_the_book_mid_smoothed(swaps: MarketControl, clock: ManualClock) -> None:
    swaps.control(SetPrice(INDEX, D(100_000)))
    board = swaps.board
    board.frozen = True
    board.update_marks({SWAP: D(100_060)}, clock.now_ms())
    assert board.mark_px(SWAP) == D(100_060)  # the first sample starts the average
    board.update_marks({SWAP: D(100_000)}, clock.now_ms())
    assert board.mark_px(SWAP) == D(100_059)


def test_setting_the_index_moves_the_swap_and_its_mark(swaps: MarketControl, clock: ManualClock) -> None:
    swaps.control(SetPrice(INDEX, D(90_000)))
    marks = {m[0]: m for m in _step(swaps, clock)}
    assert abs(swaps.board.path(SWAP).px / D(90_000) - 1) < D("0.002")
    assert abs(marks[SWAP][1] / D(90_000) - 1) < D("0.0001")


def test_set_shift_and_unfreeze_the_mark(swaps: MarketControl, clock: ManualClock) -> None:
    held = _market(swaps.control(SetMark(SWAP, D(80_000))))
    assert held.mark_pinned and held.index_px is not None
    _step(swaps, clock, 3)
    assert swaps.board.mark_px(SWAP) == D(80_000)
    _market(swaps.control(ShiftMark(SWAP, D(-10), 10_000)))
    _step(swaps, clock, 5)
    halfway = swaps.board.mark_px(SWAP)
    assert halfway is not None and D(72_000) < halfway < D(80_000)
    _step(swaps, clock, 6)
    assert swaps.board.mark_px(SWAP) == D(72_000)
    free = _market(swaps.control(FreezeMark(SWAP, False)))
    assert not free.mark_pinned
    _, mark, index = next(m for m in _step(swaps, clock) if m[0] == SWAP)
    assert mark == index


def test_freezing_the_mark_holds_it_while_the_index_moves(swaps: MarketControl, clock: ManualClock) -> None:
    _step(swaps, clock)
    before = swaps.board.mark_px(SWAP)
    swaps.control(FreezeMark(SWAP, True))
    swaps.control(SetPrice(INDEX, D(50_000)))
    _step(swaps, clock, 2)
    assert swaps.board.mark_px(SWAP) == before


def test_a_swaps_own_price_is_its_premium_not_its_index(swaps: MarketControl, clock: ManualClock) -> None:
    swaps.control(SetPrice(INDEX, D(100_000)))
    swaps.board.frozen = True  # no noise: the premium alone
    _step(swaps, clock)
    swaps.control(SetPrice(SWAP, D(101_000)))
    _step(swaps, clock)
    assert swaps.board.index_px(INDEX) == D(100_000)
    assert swaps.board.path(SWAP).px == D(101_000)


def test_mark_controls_are_refused_on_spot_pairs_and_unknown_ids(swaps: MarketControl) -> None:
    refused = swaps.control(SetMark(INDEX, D(1)))
    assert isinstance(refused, Rejected) and refused.reason is Reason.PARAM_ERROR
    unknown = swaps.control(SetMark("NOPE-USDT-SWAP", D(1)))
    assert isinstance(unknown, Rejected) and unknown.reason is Reason.INSTRUMENT_NOT_FOUND
    bad = swaps.control(SetMark(SWAP, D(-1)))
    assert isinstance(bad, Rejected) and bad.params["field"] == "px"


def test_mark_words_of_the_control_api() -> None:
    assert market_command({"command": "set-mark", "inst_id": SWAP, "value": "9"}) == SetMark(SWAP, D(9))
    shift = market_command({"command": "shift-mark", "inst_id": SWAP, "value": "-5", "over_ms": 60_000})
    assert shift == ShiftMark(SWAP, D(-5), 60_000)
    assert market_command({"command": "unfreeze-mark", "inst_id": SWAP}) == FreezeMark(SWAP, False)


def test_a_seed_replays_the_same_swap_market(clock: ManualClock) -> None:
    runs = []
    for _ in range(2):
        control = MarketControl(_board(3), CATALOGUE, None, ManualClock(clock.now_ms()))
        runs.append([control.board.path(SWAP).px for _ in range(50) if _step(control, clock) is not None])
    assert runs[0] == runs[1]
