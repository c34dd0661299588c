"""The market maker's ladder and the fewest commands that get its book there, never self-crossing."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sandex.domain.matching.order import Side
from sandex.domain.simulation.flow import FlowParams, next_taker
from sandex.domain.simulation.quoting import (
    Grid,
    Ladder,
    OwnOrder,
    QuoteParams,
    QuotePlan,
    ladder,
    make_grid,
    max_lots,
    min_lots,
    plan_quotes,
)
from sandex.storage.catalogue_file import load_catalogue

D = Decimal
CAT = load_catalogue()
BTC = CAT.instruments["BTC-USDT"]
GRID = Grid(step=10, lots=(5, 7, 9))


def test_the_grid_spaces_levels_by_basis_points_and_sizes_them_by_notional() -> None:
    grid = make_grid(BTC, D("100000"), QuoteParams(levels=3, step_bps=D(2), level_notional=D(2000)))
    assert grid.step == 200  # 2 bps of 100,000 = 20 USDT = 200 ticks of 0.1
    assert grid.lots[0] * BTC.lot_sz == D("0.02")
    assert grid.lots[1] > grid.lots[0]
    shib = CAT.instruments["SHIB-USDT"]
    tiny = make_grid(shib, shib.ref_px, QuoteParams())
    assert tiny.step == 1  # one tick is already 9 bps
    assert min(tiny.lots) >= min_lots(shib)


def test_the_ladder_brackets_the_reference() -> None:
    want = ladder(GRID, 1003.0)
    assert want.bids == ((1000, 5), (990, 7), (980, 9))
    assert want.asks == ((1010, 5), (1020, 7), (1030, 9))
    on_line = ladder(GRID, 1000.0)
    assert on_line.bids[0][0] == 990 and on_line.asks[0][0] == 1010
    assert ladder(GRID, 1003.0, bids=False).bids == ()


def apply(plan: QuotePlan, own: list[OwnOrder]) -> list[OwnOrder]:
    """Run a plan in order, checking the maker never crosses itself on the way."""
    book = {o.ord_id: o for o in own}
    next_id = max(book, default=0) + 1

    def check() -> None:
        bids = [o.px for o in book.values() if o.side is Side.BUY]
        asks = [o.px for o in book.values() if o.side is Side.SELL]
        assert not bids or not asks or max(bids) < min(asks), "the maker crossed its own quotes"

    for ord_id in plan.cancels:
        del book[ord_id]
    for a in plan.amends:
        o = book[a.ord_id]
        book[a.ord_id] = OwnOrder(o.ord_id, o.side, o.px if a.px is None else a.px, a.sz, o.filled)
        check()
    for p in plan.places:
        book[next_id] = OwnOrder(next_id, p.side, p.px, p.lots, 0)
        next_id += 1
        check()
    return list(book.values())


def as_ladder(own: list[OwnOrder]) -> Ladder:
    bids = sorted(((o.px, o.left) for o in own if o.side is Side.BUY), reverse=True)
    asks = sorted((o.px, o.left) for o in own if o.side is Side.SELL)
    return Ladder(tuple(bids), tuple(asks))


def test_from_nothing_everything_is_placed_and_then_nothing_changes() -> None:
    want = ladder(GRID, 1003.0)
    plan = plan_quotes(want, [])
    assert len(plan.places) == 6 and not plan.amends and not plan.cancels
    book = apply(plan, [])
    assert as_ladder(book) == want
    assert not plan_quotes(want, book)


def test_crossing_one_grid_line_moves_one_order_per_side_asks_first_when_rising() -> None:
    book = apply(plan_quotes(ladder(GRID, 1003.0), []), [])
    plan = plan_quotes(ladder(GRID, 1013.0), book)
    assert not plan.places and not plan.cancels
    assert [a.px for a in plan.amends] == [1040, 1010]  # the ask at 1010 goes up first, then a bid comes up
    after = as_ladder(apply(plan, book))
    want = ladder(GRID, 1013.0)
    assert [px for px, _ in after.bids] == [px for px, _ in want.bids]
    assert [px for px, _ in after.asks] == [px for px, _ in want.asks]


def test_a_hit_level_is_refilled_and_a_drained_side_is_withdrawn() -> None:
    book = apply(plan_quotes(ladder(GRID, 1003.0), []), [])
    hit = [OwnOrder(o.ord_id, o.side, o.px, o.sz, o.sz - 1) if o.px == 1010 else o for o in book]
    plan = plan_quotes(ladder(GRID, 1003.0), hit)
    assert len(plan.amends) == 1 and plan.amends[0].sz == 4 + 5  # filled 4 + a full level again
    drained = plan_quotes(ladder(GRID, 1003.0, bids=False), book)
    assert len(drained.cancels) == 3 and not drained.places


@settings(max_examples=150, deadline=None)
@given(
    st.floats(min_value=50, max_value=5000),
    st.floats(min_value=50, max_value=5000),
    st.lists(st.integers(min_value=0, max_value=4), max_size=6),
)
def test_any_move_ends_exactly_on_the_new_ladder_without_self_crossing(
    start: float, end: float, partial: list[int]
) -> None:
    book = apply(plan_quotes(ladder(GRID, start), []), [])
    book = [
        OwnOrder(o.ord_id, o.side, o.px, o.sz, partial[i] if i < len(partial) else 0)
        for i, o in enumerate(book)
    ]
    want = ladder(GRID, end)
    after = apply(plan_quotes(want, book), book)
    levels = as_ladder(after)
    assert [px for px, _ in levels.bids] == [px for px, _ in want.bids]
    assert [px for px, _ in levels.asks] == [px for px, _ in want.asks]
    for (_, left), (_, lots) in zip(levels.bids + levels.asks, want.bids + want.asks, strict=True):
        assert lots * D("0.5") <= left <= 2 * lots


def test_the_flow_takes_now_and_then_with_a_bounded_reach() -> None:
    rng = random.Random(11)
    grid = make_grid(BTC, BTC.ref_px, QuoteParams())
    takers = [
        next_taker(rng, FlowParams(mean_interval_ms=10_000), BTC, grid, 1_066_842, 1000) for _ in range(2000)
    ]
    made = [t for t in takers if t is not None]
    assert 120 < len(made) < 280  # about one in ten steps
    assert {t.side for t in made} == {Side.BUY, Side.SELL}
    for t in made:
        assert abs(t.px - 1_066_842) == 3 * grid.step
        assert t.lots >= min_lots(BTC)
    assert next_taker(rng, FlowParams(mean_interval_ms=0), BTC, grid, 1_066_842, 1000) is None


def test_the_market_never_quotes_or_takes_more_than_the_largest_limit_order() -> None:
    shib = CAT.instruments["SHIB-USDT"]
    # A sub-cent coin's quotes at its reference price fit its own, larger maxLmtSz...
    assert shib.max_lmt_sz == D("10000000000000")
    assert max(make_grid(shib, shib.ref_px, QuoteParams()).lots) * shib.lot_sz > D("100000000")
    # ...and where the notional asks for more than the largest limit order, that is what it gets.
    capped = replace(shib, max_lmt_sz=D("100000000"))
    grid = make_grid(capped, shib.ref_px, QuoteParams())
    assert max(grid.lots) == max_lots(capped) == 100_000_000 and min(grid.lots) >= min_lots(capped)
    rng = random.Random(5)
    flow = FlowParams(mean_interval_ms=1_000, notional=D(100_000))
    takers = [next_taker(rng, flow, capped, grid, 1112, 1000) for _ in range(50)]
    assert {t.lots for t in takers if t is not None} == {max_lots(capped)}
