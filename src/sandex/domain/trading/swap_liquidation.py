"""Liquidating swap positions whose margin no longer covers maintenance (pure, one environment).

On new marks: an isolated position is liquidated when margin + upl ≤ mm + liquidation fee; an
account's cross positions of one settlement currency when cash (available + frozen) + their
margins + their upl ≤ Σ (mm + liquidation fee) (`domain/derivatives/liquidation.py`).

Liquidating: the account's pending orders that could add to it are canceled (isolated: on that
swap; cross: on every swap of the currency); its close orders stay, but do not hold back a market
IOC order in the account's name that closes the position against the book (`category`
full_liquidation, or partial_liquidation for tier 3 and up, which closes down two tiers); its
fills' bills become type 5 (104/105 long/short, 100/101 partial). What the book does not take,
the insurance fund takes over at the bankruptcy price (it then holds that position). Close orders
beyond what is then left are canceled (cancelSource 17). After a full liquidation what is left of
an isolated margin goes to the insurance fund, and a cross account pays the liquidation fee
(taker rate on the value) to it, as far as its cash goes; either shows as the position's
`liq_penalty`. The position ends with positions-history type 3 (4 partial) and `trigger_px` =
the mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sandex.domain.derivatives.contracts import MgnMode, PosSide
from sandex.domain.derivatives.liquidation import (
    Risk,
    bankruptcy_ticks,
    isolated_risk,
    partial_close_lots,
    position_value,
    requirement,
    upl,
)
from sandex.domain.derivatives.positions import Position, PosKey
from sandex.domain.errors import Rejected
from sandex.domain.ledger.postings import Posting, PostingReason
from sandex.domain.matching.events import outcome
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import CancelSpec, OrderSpec
from sandex.domain.trading.events import Event, Liquidated, PositionBill, PositionChanged, PositionFill
from sandex.domain.trading.exchange import Exchange
from sandex.domain.trading.swap_listing import SwapListing

FULL, PARTIAL = "full_liquidation", "partial_liquidation"
LIQ_LONG, LIQ_SHORT = 104, 105  # bills type 5
PARTIAL_LONG, PARTIAL_SHORT = 100, 101
CLOSE_LIQUIDATION, CLOSE_PARTIAL = 3, 4  # positions-history `type`
_LIQ = PostingReason.LIQUIDATION


@dataclass(slots=True)
class LiquidationRun:
    events: list[Event] = field(default_factory=list)
    liquidated: list[Liquidated] = field(default_factory=list)


def liquidate_breaches(x: Exchange, inst_ids: Iterable[str], ts: int) -> LiquidationRun:
    """Liquidate what the marks of `inst_ids` (already in `x.swaps.marks`) put under water.

    Liquidation orders fill resting orders, whose positions may be under water at once (a bid
    left far above the mark): the checks repeat until a round liquidates nothing new. A position
    (or cross account) is liquidated once per run: the rest of a partial liquidation waits for
    the next mark."""
    run = LiquidationRun()
    marked = set(inst_ids)
    done: set[int] = set()  # pos_ids of isolated positions liquidated in this run
    done_cross: set[tuple[int, str]] = set()
    while True:
        count = len(run.liquidated)
        for pos in _positions(x, lambda p: _isolated_in(marked, p) and p.pos_id not in done):
            risk = position_risk(x, pos)
            if risk is not None and risk.breached:
                done.add(pos.pos_id)
                liquidate_position(x, pos, ts, run)
        accounts = {(p.account_id, _listing(x, p).settle_ccy) for p in _positions(x, _cross_in(marked))}
        for account_id, ccy in sorted(accounts - done_cross):
            risk = cross_risk(x, account_id, ccy)
            if risk is not None and risk.breached:
                done_cross.add((account_id, ccy))
                liquidate_cross(x, account_id, ccy, ts, run)
        if len(run.liquidated) == count:
            return run


def force_liquidate(x: Exchange, account_id: int, inst_id: str, ts: int) -> LiquidationRun:
    """Liquidate the account's positions (of `inst_id`, or all of them) now, breached or not."""
    run = LiquidationRun()
    for pos in _positions(x, lambda p: p.account_id == account_id and inst_id in ("", p.inst_id)):
        if x.swaps.marks.get(pos.inst_id) is not None:
            liquidate_position(x, pos, ts, run)
    return run


# --- risk ----------------------------------------------------------------------------------------
def position_risk(x: Exchange, pos: Position) -> Risk | None:
    """An isolated position's margin against its maintenance margin and liquidation fee."""
    m, marks = _listing(x, pos), x.swaps.marks.get(pos.inst_id)
    if marks is None or pos.size == 0:
        return None
    signed = pos.size if pos.long else -pos.size
    mmr = m.spec.tier_for(pos.size * m.inst.lot_sz).mmr
    fee = x.fees.tier_for(pos.account_id).taker
    return isolated_risk(pos.margin, signed, pos.cost, marks.mark, m.per_notional, mmr, fee)


def cross_risk(x: Exchange, account_id: int, ccy: str) -> Risk | None:
    """The account's cross positions of `ccy` against their cash, margins and upl."""
    held = [p for p in x.swaps.book.of_account(account_id) if p.mgn_mode is MgnMode.CROSS and p.size]
    held = [p for p in held if _listing(x, p).settle_ccy == ccy]
    if not held or any(x.swaps.marks.get(p.inst_id) is None for p in held):
        return None
    balance = x.ledger.balance(account_id, ccy)
    equity, required = balance.available + balance.frozen, 0
    fee = x.fees.tier_for(account_id).taker
    for p in held:
        m, mark = _listing(x, p), x.swaps.marks[p.inst_id].mark
        signed = p.size if p.long else -p.size
        equity += p.margin + upl(signed, p.cost, mark, m.per_notional)
        mmr = m.spec.tier_for(p.size * m.inst.lot_sz).mmr
        required += requirement(position_value(p.size, mark, m.per_notional), mmr, fee)
    return Risk(equity, required)


# --- liquidating -----------------------------------------------------------------------------------
def liquidate_cross(x: Exchange, account_id: int, ccy: str, ts: int, run: LiquidationRun) -> None:
    _cancel_orders(x, account_id, lambda m: m.settle_ccy == ccy, ts, run)
    held = [p for p in x.swaps.book.of_account(account_id) if p.mgn_mode is MgnMode.CROSS]
    for pos in sorted(held, key=lambda p: p.pos_id):
        if _listing(x, pos).settle_ccy == ccy and pos.size:
            liquidate_position(x, pos, ts, run, cancel=False)


def liquidate_position(
    x: Exchange, pos: Position, ts: int, run: LiquidationRun, *, cancel: bool = True
) -> None:
    m = _listing(x, pos)
    if cancel:
        _cancel_orders(x, pos.account_id, lambda other: other.inst.inst_id == pos.inst_id, ts, run)
    mark = x.swaps.marks[pos.inst_id].mark
    partial = partial_close_lots(m.spec, pos.size, m.inst.lot_sz)
    lots, long, category = partial or pos.size, pos.long, PARTIAL if partial else FULL
    size_before, cash_before = pos.size, x.ledger.available(pos.account_id, m.settle_ccy)
    bk = _bankruptcy(x, pos, m)
    ord_id = _market_close(x, pos, m, lots, category, ts, run)
    left = lots - (size_before - pos.size)
    bk_loss = 0
    if left > 0 and pos.size:
        bk_loss = _take_over(x, pos, m, left, bk, ts, run)
        run.events.extend(x.trim_closes(pos.key, ts))  # its close orders beyond the rest go
    if category is FULL:
        gained = x.ledger.available(pos.account_id, m.settle_ccy) - cash_before
        _penalty(x, pos, m, lots, gained, ts, run)
    pos.close_type = CLOSE_PARTIAL if partial else CLOSE_LIQUIDATION
    pos.trigger_px = mark
    pos.u_time = ts
    run.events.append(PositionChanged(pos.copy(), "liquidation"))
    ccy = m.settle_ccy
    done = Liquidated(
        pos.account_id, pos.inst_id, pos.pos_side, long, lots, bk, bk_loss, ccy, ts, ord_id, category
    )
    run.liquidated.append(done)
    run.events.append(done)


def _market_close(
    x: Exchange, pos: Position, m: SwapListing, lots: int, category: str, ts: int, run: LiquidationRun
) -> int | None:
    """The liquidation order against the book; its fills' bills become type 5. Its id, if placed."""
    side = Side.SELL if pos.long else Side.BUY
    net = pos.pos_side is PosSide.NET
    spec = OrderSpec(
        pos.inst_id,
        side,
        OrdType.MARKET,
        lots * m.inst.lot_sz,
        td_mode=pos.mgn_mode.value,
        pos_side=None if net else pos.pos_side,
        reduce_only=net,
    )
    events = x.place_liquidation(pos.account_id, spec, ts)
    done = outcome(events)
    if isinstance(done, Rejected):
        return None
    ord_id = done.ord_id
    long_sub, short_sub = (PARTIAL_LONG, PARTIAL_SHORT) if category is PARTIAL else (LIQ_LONG, LIQ_SHORT)
    for i, ev in enumerate(events):
        if isinstance(ev, PositionFill) and ev.ord_id == ord_id:  # 5: close long, 6: close short
            events[i] = ev._replace(sub_type=long_sub if ev.sub_type == 5 else short_sub)
    run.events.extend(events)
    return ord_id


def _take_over(
    x: Exchange, pos: Position, m: SwapListing, lots: int, bk: int, ts: int, run: LiquidationRun
) -> int:
    """The insurance fund takes `lots` of `pos` at the bankruptcy price `bk`; what it paid beyond
    the position's margin (the bankruptcy loss)."""
    pn, ccy, size, long = m.per_notional, m.settle_ccy, pos.size, pos.long
    cost = pos.cost if lots == size else pos.cost * lots // size
    released = pos.margin if lots == size else pos.margin * lots // size
    pnl = (lots * bk - cost) * pn if long else (cost - lots * bk) * pn
    payout = released + pnl  # the account's due; a loss beyond it: cross cash, then the fund
    paid = 0
    if payout < 0 and pos.mgn_mode is MgnMode.CROSS:
        paid = min(-payout, max(x.ledger.available(pos.account_id, ccy), 0))
    covered = max(-payout, 0) - paid
    pos.pos -= lots if pos.pos > 0 else -lots
    pos.cost -= cost
    pos.margin -= released
    pos.pnl += pnl
    pos.close_lots += lots
    pos.close_cost += lots * bk
    sub = LIQ_LONG if long else LIQ_SHORT
    run.events.append(
        PositionBill(pos.account_id, _LIQ, pos.pos_id, sub, lots, bk, pnl, 0, -released, pos.copy())
    )
    postings = [
        Posting(pos.account_id, ccy, payout if payout >= 0 else -paid, 0, _LIQ, pos.pos_id),
        Posting(x.clearing_account, ccy, -payout, 0, _LIQ, pos.pos_id),
    ]
    if covered:
        postings.append(Posting(x.insurance_account, ccy, -covered, 0, _LIQ, pos.pos_id))
    run.events.extend(x.ledger.post(postings))
    if pos.pos == 0:
        x.swaps.book.close(pos)
    _insurance_position(x, pos.inst_id, long, lots, bk, ts)
    return covered


def _insurance_position(x: Exchange, inst_id: str, long: bool, lots: int, bk: int, ts: int) -> None:
    """The insurance fund now holds what it took over (cross, net, no margin: it backs itself)."""
    key = PosKey(x.insurance_account, inst_id, MgnMode.CROSS, PosSide.NET)
    held = x.swaps.book.get(key) or x.swaps.book.open(key, Decimal(1), ts)
    held.pos += lots if long else -lots
    held.cost += lots * bk  # (a sandbox simplification: its own opposite side is not netted)
    held.open_max_pos = max(held.open_max_pos, held.size)
    held.u_time = ts


def _penalty(
    x: Exchange, pos: Position, m: SwapListing, lots: int, gained: int, ts: int, run: LiquidationRun
) -> None:
    """After a full liquidation: what closing an isolated position paid the account (its margin
    left) goes to the insurance fund; a cross account pays the liquidation fee (taker rate on the
    value at mark), as far as its cash goes."""
    ccy = m.settle_ccy
    have = max(x.ledger.available(pos.account_id, ccy), 0)
    if pos.mgn_mode is MgnMode.ISOLATED:
        want = min(have, gained)
    else:
        value = position_value(lots, x.swaps.marks[pos.inst_id].mark, m.per_notional)
        want = min(have, requirement(value, Decimal(0), x.fees.tier_for(pos.account_id).taker))
    if want <= 0:
        return
    pos.liq_penalty -= want
    postings = [
        Posting(pos.account_id, ccy, -want, 0, _LIQ, pos.pos_id),
        Posting(x.insurance_account, ccy, want, 0, _LIQ, pos.pos_id),
    ]
    run.events.extend(x.ledger.post(postings))


# --- helpers ---------------------------------------------------------------------------------------
def _bankruptcy(x: Exchange, pos: Position, m: SwapListing) -> int:
    """Isolated: where its margin is used up; cross: its margin plus the account's cash."""
    backing = pos.margin
    if pos.mgn_mode is MgnMode.CROSS:
        backing += max(x.ledger.available(pos.account_id, m.settle_ccy), 0)
    signed = pos.size if pos.long else -pos.size
    return bankruptcy_ticks(signed, pos.cost, backing, m.per_notional)


def _cancel_orders(x: Exchange, account_id: int, which, ts: int, run: LiquidationRun) -> None:  # type: ignore[no-untyped-def]
    for order in x.pending_orders(account_id):
        m = x.listing(order.inst_id)
        if type(m) is SwapListing and which(m):
            terms = m.terms.get(order.ord_id)
            if terms is None or not terms.closing:
                run.events.extend(x.cancel(account_id, CancelSpec(order.inst_id, order.ord_id), ts))


def _listing(x: Exchange, pos: Position) -> SwapListing:
    m = x.listing(pos.inst_id)
    assert type(m) is SwapListing, f"{pos.inst_id} is not a swap"
    return m


def _positions(x: Exchange, keep) -> list[Position]:  # type: ignore[no-untyped-def]
    found = [p for p in x.swaps.book.positions.values() if p.account_id != x.insurance_account and keep(p)]
    return sorted(found, key=lambda p: p.pos_id)


def _isolated_in(marked: set[str], p: Position) -> bool:
    return p.inst_id in marked and p.mgn_mode is MgnMode.ISOLATED


def _cross_in(marked: set[str]):  # type: ignore[no-untyped-def]
    return lambda p: p.inst_id in marked and p.mgn_mode is MgnMode.CROSS
