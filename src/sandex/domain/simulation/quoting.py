"""The market maker's book: a ladder of quotes on a price grid around the reference price.

Levels sit on a grid: multiples of `step` ticks. The best bid is the highest grid price strictly
below the reference and the best ask the lowest strictly above, so when the reference drifts by
less than a grid step nothing needs to change, and when it crosses a grid line one order per
side moves (the farthest level becomes the new nearest). That keeps the maker cheap: it acts only
when the reference crosses a line or a quote was hit.

`plan_quotes` turns (wanted ladder, the maker's open orders) into the fewest commands: orders
already at a wanted price stay (refilled by an amend when less than `refresh_below` of them is
left), orders at unwanted prices are moved to missing prices, the rest are cancelled or placed.
The side moving away from the other goes first, so the maker never crosses its own quotes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import Side

_BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class QuoteParams:
    levels: int = 10  # per side
    step_bps: Decimal = Decimal(2)  # grid step (and so the spread), at least one tick
    level_notional: Decimal = Decimal(2000)  # quote currency at the best level
    growth: Decimal = Decimal("0.5")  # level k holds (1 + growth * k) times the best level
    refresh_below: Decimal = Decimal("0.5")  # refill a level once less than this share is left


@dataclass(frozen=True, slots=True)
class Grid:
    step: int  # ticks between two levels
    lots: tuple[int, ...]  # size of level k, in lots


@dataclass(frozen=True, slots=True)
class Ladder:
    """The book the maker wants: (price ticks, lots) per side, best first."""

    bids: tuple[tuple[int, int], ...] = ()
    asks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class OwnOrder:
    ord_id: int
    side: Side
    px: int  # ticks
    sz: int  # lots, including what has filled
    filled: int  # lots

    @property
    def left(self) -> int:
        return self.sz - self.filled


@dataclass(frozen=True, slots=True)
class Amend:
    ord_id: int
    px: int | None  # new price in ticks, None to keep
    sz: int  # new total size in lots (includes what already filled)


@dataclass(frozen=True, slots=True)
class Place:
    side: Side
    px: int
    lots: int


@dataclass(slots=True)
class QuotePlan:
    """Commands in the order to run them: cancels, then amends, then places."""

    cancels: list[int] = field(default_factory=list)
    amends: list[Amend] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cancels or self.amends or self.places)


def unit_value(inst: Instrument) -> Decimal:
    """What one unit of size is worth in the base coin: 1 on a spot pair, one contract's
    `ct_val * ct_mult` on a swap (so sizes from a notional are as large in value on both)."""
    spec = inst.contract
    return Decimal(1) if spec is None else spec.ct_val * spec.ct_mult


def min_lots(inst: Instrument) -> int:
    return max(1, int((inst.min_sz / inst.lot_sz).to_integral_value(ROUND_CEILING)))


def max_lots(inst: Instrument) -> int:
    """The largest limit order the exchange accepts (`maxLmtSz`), in lots: the market's own orders
    obey the same rule as everyone's, however low a price is steered."""
    return max(min_lots(inst), int(inst.max_lmt_sz // inst.lot_sz))


def make_grid(inst: Instrument, ref_px: Decimal, params: QuoteParams, widen: Decimal = Decimal(1)) -> Grid:
    """The grid for `inst` around `ref_px`: step from `step_bps` times `widen`, sizes from notional."""
    step = max(1, round(ref_px * params.step_bps * widen / _BPS / inst.tick_sz))
    floor, ceiling = min_lots(inst), max_lots(inst)
    lots = []
    for k in range(params.levels):
        notional = params.level_notional * (1 + params.growth * k)
        want = (notional / (ref_px * inst.lot_sz * unit_value(inst))).to_integral_value(ROUND_CEILING)
        lots.append(min(ceiling, max(floor, int(want))))
    return Grid(step, tuple(lots))


def ladder(grid: Grid, ref_ticks: float, *, bids: bool = True, asks: bool = True) -> Ladder:
    """The wanted quotes for a reference price of `ref_ticks` (a side can be switched off)."""
    units = ref_ticks / grid.step
    best_bid, best_ask = math.ceil(units) - 1, math.floor(units) + 1
    step, lots = grid.step, grid.lots
    bid_side = tuple(((best_bid - k) * step, n) for k, n in enumerate(lots) if best_bid - k > 0)
    ask_side = tuple(((best_ask + k) * step, n) for k, n in enumerate(lots))
    return Ladder(bid_side if bids else (), ask_side if asks else ())


def plan_quotes(want: Ladder, own: Sequence[OwnOrder], refresh_below: Decimal = Decimal("0.5")) -> QuotePlan:
    plan = QuotePlan()
    bid_orders = [o for o in own if o.side is Side.BUY]
    ask_orders = [o for o in own if o.side is Side.SELL]
    bid_plan = _plan_side(Side.BUY, want.bids, bid_orders, refresh_below)
    ask_plan = _plan_side(Side.SELL, want.asks, ask_orders, refresh_below)
    asks_first = _moving_up(want, bid_orders, ask_orders)
    for side_plan in (ask_plan, bid_plan) if asks_first else (bid_plan, ask_plan):
        plan.cancels.extend(side_plan.cancels)
        plan.amends.extend(side_plan.amends)
        plan.places.extend(side_plan.places)
    return plan


def _plan_side(
    side: Side, want: tuple[tuple[int, int], ...], orders: list[OwnOrder], refresh_below: Decimal
) -> QuotePlan:
    wanted = dict(want)
    out = QuotePlan()
    surplus: list[OwnOrder] = []
    covered: set[int] = set()
    for order in sorted(orders, key=lambda o: o.ord_id):
        lots = wanted.get(order.px)
        if lots is None or order.px in covered:
            surplus.append(order)
            continue
        covered.add(order.px)
        if order.left < lots * refresh_below or order.left > 2 * lots:
            out.amends.append(Amend(order.ord_id, None, order.filled + lots))
    missing = [(px, lots) for px, lots in want if px not in covered]
    for order, (px, lots) in zip(surplus, missing, strict=False):
        out.amends.append(Amend(order.ord_id, px, order.filled + lots))
    out.cancels.extend(o.ord_id for o in surplus[len(missing) :])
    out.places.extend(Place(side, px, lots) for px, lots in missing[len(surplus) :])
    return out


def _moving_up(want: Ladder, bids: list[OwnOrder], asks: list[OwnOrder]) -> bool:
    """Whether the quotes move up (asks must then move first, out of the way of the bids)."""
    if want.asks and asks:
        return want.asks[0][0] > min(o.px for o in asks)
    if want.bids and bids:
        return want.bids[0][0] > max(o.px for o in bids)
    return True
