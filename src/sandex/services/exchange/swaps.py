"""Swap settings and position commands inside the sequencer (`ExchangeCore.apply` routes them here).

Each returns its answer, the events it caused (postings, order steps, `PositionChanged`) and the
settings rows to write. Refusals change nothing. OKX's rules: every swap setting needs Futures mode
(51010); account level and position mode only change without positions or pending swap orders
(59000); leverage not with pending orders on that instrument and margin mode (59101 isolated,
59107 cross), and with an open position its margin is re-locked at the new leverage (59103 when
the account cannot add what that needs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.derivatives.positions import AccountSettings, Position, PosKey, lever_side
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.postings import Posting, PostingReason
from sandex.domain.matching.events import outcome
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading import Exchange
from sandex.domain.trading.commands import CancelSpec, OrderSpec
from sandex.domain.trading.events import Event, PositionChanged
from sandex.domain.trading.swap_listing import SwapListing, margin_of
from sandex.services.exchange import swap_hooks
from sandex.services.exchange.swap_commands import (
    AdjustMargin,
    ClosePosition,
    ForceLiquidation,
    LeverageSet,
    MarginAdjusted,
    PositionClosed,
    SetAccountLevel,
    SetLeverage,
    SetPositionMode,
    SettleFundingFee,
    SwapCommand,
    UpdateMarks,
)
from sandex.services.exchange.swap_records import AccountSettingsRecord, LeverageRecord
from sandex.services.exchange.units import amount

_MARGIN = PostingReason.MARGIN
MIN_LEVER = Decimal(1)
SwapRow = AccountSettingsRecord | LeverageRecord


@dataclass(slots=True)
class SwapOutcome:
    result: object
    events: list[Event] = field(default_factory=list)
    rows: list[SwapRow] = field(default_factory=list)


def apply_swap(
    x: Exchange, environment: Environment, cmd: SwapCommand, ts: int, has_algos: Callable[[int], bool]
) -> SwapOutcome:
    """One environment's swap command (`UpdateMarks`/`SettleFundingFee` go to `apply_market_wide`)."""
    if isinstance(cmd, SetAccountLevel):
        return _set_account_level(x, environment, cmd, ts)
    if isinstance(cmd, ForceLiquidation):
        done = swap_hooks.force_liquidation(x, cmd, ts)
        return SwapOutcome(done) if isinstance(done, Rejected) else SwapOutcome(None, done)
    assert not isinstance(cmd, UpdateMarks | SettleFundingFee), "market-wide: apply_market_wide"
    if x.swaps.book.settings_of(cmd.account_id).acct_lv is not AcctLv.FUTURES:
        return SwapOutcome(Rejected(Reason.SWAP_ACCOUNT_MODE))
    if isinstance(cmd, SetPositionMode):
        return _set_position_mode(x, environment, cmd, ts, has_algos)
    if isinstance(cmd, SetLeverage):
        return _set_leverage(x, environment, cmd, ts)
    if isinstance(cmd, AdjustMargin):
        return _adjust_margin(x, cmd, ts)
    return _close_position(x, cmd, ts)


def apply_market_wide(
    exchanges: Mapping[Environment, Exchange],
    cmd: UpdateMarks | SettleFundingFee,
    ts: int,
    instruments: Mapping[str, Instrument],
) -> tuple[object, dict[Environment, list[Event]]]:
    """(answer, events per environment) of a command for both environments."""
    events: dict[Environment, list[Event]] = {}
    if isinstance(cmd, UpdateMarks):
        marked = _marks_in_ticks(cmd, instruments)
        if isinstance(marked, Rejected):
            return marked, {}
        inst_ids = tuple(inst_id for inst_id, _, _ in marked)
        for environment, x in exchanges.items():
            for inst_id, ticks, index in marked:
                x.swaps.set_mark(inst_id, ticks, index)
            events[environment] = swap_hooks.on_marks(x, environment, inst_ids, ts)
        return len(marked), events
    for environment, x in exchanges.items():
        done = swap_hooks.settle_funding(x, environment, cmd, ts)
        if isinstance(done, Rejected):
            return done, {}  # nothing applied yet: the hook refuses before it changes anything
        events[environment] = done
    return None, events


def _marks_in_ticks(
    cmd: UpdateMarks, instruments: Mapping[str, Instrument]
) -> list[tuple[str, int, Decimal]] | Rejected:
    out: list[tuple[str, int, Decimal]] = []
    for inst_id, mark, index in cmd.marks:
        inst = instruments.get(inst_id)
        if inst is None or inst.contract is None or not mark.is_finite() or mark <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="marks")
        ticks = int((mark / inst.tick_sz).to_integral_value(ROUND_HALF_EVEN))
        out.append((inst_id, max(ticks, 1), index))
    return out


# --- settings ----------------------------------------------------------------------------------
def _busy(x: Exchange, account_id: int) -> bool:
    """Whether the account holds swap positions or pending swap orders."""
    if x.swaps.book.of_account(account_id):
        return True
    return any(type(x.listing(o.inst_id)) is SwapListing for o in x.pending_orders(account_id))


def _settings_row(
    environment: Environment, account_id: int, s: AccountSettings, ts: int
) -> AccountSettingsRecord:
    return AccountSettingsRecord(environment, account_id, s.acct_lv, s.pos_mode, ts)


def _set_account_level(x: Exchange, environment: Environment, cmd: SetAccountLevel, ts: int) -> SwapOutcome:
    if cmd.acct_lv not in (AcctLv.SPOT, AcctLv.FUTURES):
        return SwapOutcome(Rejected.of(Reason.SWAP_ACCOUNT_LEVEL_UNSUPPORTED, acct_lv=cmd.acct_lv.value))
    book = x.swaps.book
    now = book.settings_of(cmd.account_id)
    if now.acct_lv is not cmd.acct_lv and _busy(x, cmd.account_id):
        return SwapOutcome(Rejected(Reason.SWAP_SETTINGS_BLOCKED))
    new = now._replace(acct_lv=cmd.acct_lv)
    book.settings[cmd.account_id] = new
    row = _settings_row(environment, cmd.account_id, new, ts)
    return SwapOutcome(row, rows=[row])


def _set_position_mode(
    x: Exchange, environment: Environment, cmd: SetPositionMode, ts: int, has_algos: Callable[[int], bool]
) -> SwapOutcome:
    book = x.swaps.book
    now = book.settings_of(cmd.account_id)
    if now.pos_mode is not cmd.pos_mode and (_busy(x, cmd.account_id) or has_algos(cmd.account_id)):
        return SwapOutcome(Rejected(Reason.SWAP_SETTINGS_BLOCKED))
    new = now._replace(pos_mode=cmd.pos_mode)
    book.settings[cmd.account_id] = new
    row = _settings_row(environment, cmd.account_id, new, ts)
    return SwapOutcome(row, rows=[row])


def _lever_sides(cmd: SetLeverage, pos_mode: PosMode) -> list[PosSide]:
    """The sides a leverage setting applies to: both for isolated long/short without posSide."""
    if cmd.mgn_mode is MgnMode.ISOLATED and pos_mode is PosMode.LONG_SHORT:
        return (
            [cmd.pos_side] if cmd.pos_side in (PosSide.LONG, PosSide.SHORT) else [PosSide.LONG, PosSide.SHORT]
        )
    return [PosSide.NET]


def _set_leverage(x: Exchange, environment: Environment, cmd: SetLeverage, ts: int) -> SwapOutcome:
    m = x.listing(cmd.inst_id)
    if type(m) is not SwapListing:
        return SwapOutcome(Rejected(Reason.INSTRUMENT_NOT_FOUND))
    if not cmd.lever.is_finite() or cmd.lever < MIN_LEVER:
        return SwapOutcome(Rejected.of(Reason.SWAP_LEVER_TOO_LOW, min="1"))
    if cmd.lever > m.spec.max_lever:
        return SwapOutcome(Rejected(Reason.SWAP_LEVER_TOO_HIGH))
    book = x.swaps.book
    pos_mode = book.settings_of(cmd.account_id).pos_mode
    sides = _lever_sides(cmd, pos_mode)
    for order in m.engine.pending_orders(cmd.account_id):
        terms = m.terms.get(order.ord_id)
        if terms is None or terms.mgn_mode is not cmd.mgn_mode:
            continue
        if lever_side(terms.mgn_mode, terms.pos_side, pos_mode) in sides:
            isolated = cmd.mgn_mode is MgnMode.ISOLATED
            return SwapOutcome(
                Rejected(Reason.SWAP_LEVER_ISOLATED_ORDERS if isolated else Reason.SWAP_LEVER_CROSS_ORDERS)
            )
    positions = [
        p
        for p in book.of_account(cmd.account_id, cmd.inst_id)
        if p.mgn_mode is cmd.mgn_mode and lever_side(p.mgn_mode, p.pos_side, pos_mode) in sides
    ]
    changes = [(p, margin_of(p.cost * m.per_notional, cmd.lever) - p.margin) for p in positions]
    need = sum(delta for _, delta in changes if delta > 0)
    if need and need > x.ledger.available(cmd.account_id, m.settle_ccy):
        return SwapOutcome(Rejected(Reason.SWAP_LEVER_MARGIN_SHORT))
    events: list[Event] = []
    for pos, delta in sorted(changes, key=lambda c: c[1]):  # releases first: credits before debits
        events.extend(move_margin(x, m.settle_ccy, pos, delta, ts))
        pos.lever = cmd.lever
        events.append(PositionChanged(pos.copy(), "set_leverage"))
    rows: list[SwapRow] = []
    for side in sides:
        book.levers[(cmd.account_id, cmd.inst_id, cmd.mgn_mode, side)] = cmd.lever
        rows.append(LeverageRecord(environment, cmd.account_id, cmd.inst_id, cmd.mgn_mode, side, cmd.lever))
    shown = sides[0] if len(sides) == 1 else PosSide.NET
    return SwapOutcome(LeverageSet(cmd.inst_id, cmd.mgn_mode, shown, cmd.lever), events, rows)


def move_margin(x: Exchange, ccy: str, pos: Position, delta: int, ts: int) -> list[Event]:
    """`delta` > 0: the account adds margin to `pos` (into clearing); < 0: clearing gives it back.
    Applied to the ledger; the postings (reason MARGIN, ref pos_id) are returned as events."""
    if not delta:
        return []
    pos.margin += delta
    pos.u_time = ts
    return list(
        x.ledger.post(
            [
                Posting(pos.account_id, ccy, -delta, 0, _MARGIN, pos.pos_id),
                Posting(x.clearing_account, ccy, delta, 0, _MARGIN, pos.pos_id),
            ]
        )
    )


# --- positions ---------------------------------------------------------------------------------
def _adjust_margin(x: Exchange, cmd: AdjustMargin, ts: int) -> SwapOutcome:
    m = x.listing(cmd.inst_id)
    pos_side = cmd.pos_side or PosSide.NET
    pos = (
        None
        if type(m) is not SwapListing
        else x.swaps.book.get(PosKey(cmd.account_id, cmd.inst_id, MgnMode.ISOLATED, pos_side))
    )
    if pos is None or type(m) is not SwapListing or pos.pos == 0:
        return SwapOutcome(Rejected(Reason.SWAP_MARGIN_NO_POSITION))
    if cmd.amount <= 0:
        return SwapOutcome(Rejected.of(Reason.PARAM_ERROR, field="amt"))
    ccy = m.settle_ccy
    if cmd.add and x.ledger.available(cmd.account_id, ccy) < cmd.amount:
        return SwapOutcome(Rejected.of(Reason.SWAP_MARGIN_INSUFFICIENT, ccy=ccy))
    if not cmd.add and cmd.amount > pos.margin - margin_of(pos.cost * m.per_notional, pos.lever):
        return SwapOutcome(Rejected(Reason.SWAP_MARGIN_OVER_LIMIT))
    events = move_margin(x, ccy, pos, cmd.amount if cmd.add else -cmd.amount, ts)
    events.append(PositionChanged(pos.copy(), "adjust_margin"))
    notional = Decimal(pos.cost * m.per_notional)
    real_lever = (notional / Decimal(pos.margin)).quantize(Decimal("0.01")) if pos.margin else pos.lever
    return SwapOutcome(
        MarginAdjusted(cmd.inst_id, pos_side, cmd.add, amount(cmd.amount), real_lever, ccy), events
    )


def _close_position(x: Exchange, cmd: ClosePosition, ts: int) -> SwapOutcome:
    m = x.listing(cmd.inst_id)
    pos_side = cmd.pos_side or PosSide.NET
    key = PosKey(cmd.account_id, cmd.inst_id, cmd.mgn_mode, pos_side)
    pos = None if type(m) is not SwapListing else x.swaps.book.get(key)
    if pos is None or type(m) is not SwapListing or pos.pos == 0:
        return SwapOutcome(Rejected(Reason.SWAP_POSITION_NOT_FOUND))
    closing = [
        o
        for o in m.engine.pending_orders(cmd.account_id)
        if (t := m.terms.get(o.ord_id)) is not None
        and t.closing
        and t.mgn_mode is cmd.mgn_mode
        and t.pos_side is pos_side
    ]
    if closing and not cmd.auto_cxl:
        return SwapOutcome(Rejected(Reason.SWAP_PENDING_CLOSE_ORDERS))
    events: list[Event] = []
    for o in closing:
        events.extend(x.cancel(cmd.account_id, CancelSpec(cmd.inst_id, o.ord_id), ts))
    lots = pos.size
    side = Side.SELL if pos.long else Side.BUY
    spec = OrderSpec(
        cmd.inst_id,
        side,
        OrdType.MARKET,
        lots * m.inst.lot_sz,
        cl_ord_id=cmd.cl_ord_id,
        tag=cmd.tag,
        td_mode=cmd.mgn_mode.value,
        pos_side=None if pos_side is PosSide.NET else pos_side,
        reduce_only=True,
    )
    placed = x.place(cmd.account_id, spec, ts)
    done = outcome(placed)
    if isinstance(done, Rejected):
        return SwapOutcome(done, events)  # the close orders it canceled stay canceled
    events.extend(placed)
    return SwapOutcome(PositionClosed(cmd.inst_id, pos_side, cmd.cl_ord_id, cmd.tag, done.ord_id), events)
