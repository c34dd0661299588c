"""Derivatives rows: what the sequencer writes for positions and account settings, and what the
read side computes from them with the current mark (`PositionView`, `MarginSummary`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide


class AccountSettingsRecord(NamedTuple):
    environment: Environment
    account_id: int
    acct_lv: AcctLv
    pos_mode: PosMode
    u_time: int


class LeverageRecord(NamedTuple):
    """One `account/leverage-info` row: leverage of (instrument, margin mode, side)."""

    environment: Environment
    account_id: int
    inst_id: str
    mgn_mode: MgnMode
    pos_side: PosSide  # net, or long/short for isolated in long/short mode
    lever: Decimal


class PositionRecord(NamedTuple):
    """A position's full stored state (one row per `pos_id`, rewritten whenever it changes; kept
    after it closes, for `positions-history`). Money in ledger units of the settlement currency."""

    environment: Environment
    account_id: int
    pos_id: int
    inst_id: str
    mgn_mode: MgnMode
    pos_side: PosSide
    pos: Decimal  # contracts; signed in net mode (+ long, - short), positive for long/short sides
    avg_px: Decimal  # open average price ("" on the wire when pos is 0)
    margin: int  # margin held by the position (isolated: incl. what was added; cross: at entry)
    lever: Decimal
    realized_pnl: int  # pnl + fee + funding_fee + liq_penalty since it opened (signed)
    pnl: int  # closing PnL realised so far (signed)
    fee: int  # fees paid (negative) so far
    funding_fee: int  # funding received (+) / paid (-) so far
    liq_penalty: int  # (negative) so far
    c_time: int
    u_time: int
    trade_id: int | None  # the last trade that changed it
    open_max_pos: Decimal  # the largest |pos| it reached (positions-history `openMaxPos`)
    close_total_pos: Decimal  # contracts closed so far
    close_avg_px: Decimal | None
    state: str  # "live" | "closed"
    close_type: int | None  # positions-history `type`: 1 partial close, 2 close, 3 liq., 4 partial liq.
    trigger_px: Decimal | None = None  # the mark that triggered its liquidation
    cost: int = 0  # ticks x lots of the open size (avg_px = cost / pos exactly; restores it)
    close_cost: int = 0  # ticks x lots of what was closed (close_avg_px)


class PositionStep(NamedTuple):
    """One change of a position in a commit, for pushes (`PositionsChanged`)."""

    record: PositionRecord
    event_type: str  # filled, adjust_margin, set_leverage, funding_fee, liquidation…
    trade_id: int | None = None


class CloseAlgo(NamedTuple):
    """A live whole-position TP/SL (`closeFraction` "1") of a position: one `closeOrderAlgo` item."""

    algo_id: int
    tp_trigger_px: Decimal | None
    tp_trigger_px_type: str  # "" without a TP
    sl_trigger_px: Decimal | None
    sl_trigger_px_type: str


@dataclass(frozen=True, slots=True)
class PositionView:
    """A position as `account/positions` and the WS `positions` channel show it, computed from its
    record, its instrument and the current mark/index/last prices. Decimals; None shows as ""."""

    record: PositionRecord
    inst_type: str
    ccy: str  # the margin (settlement) currency
    mark_px: Decimal | None
    idx_px: Decimal | None
    last: Decimal | None
    upl: Decimal
    upl_last_px: Decimal
    upl_ratio: Decimal
    imr: Decimal | None  # cross only ("" isolated)
    margin: Decimal | None  # isolated only ("" cross)
    mmr: Decimal
    mgn_ratio: Decimal | None
    liq_px: Decimal | None
    bk_px: Decimal | None  # bankruptcy price (not on OKX's wire; the console shows it)
    be_px: Decimal | None
    notional_usd: Decimal
    avail_pos: Decimal  # closable now (not yet held by pending reduce/close orders)
    tier: int
    max_lever: Decimal
    close_algos: tuple[CloseAlgo, ...] = ()  # `closeOrderAlgo` (swap-algos)


@dataclass(frozen=True, slots=True)
class MarginSummary:
    """`account/balance` details fields of one currency in Futures mode."""

    ccy: str
    cash_bal: Decimal
    eq: Decimal
    iso_eq: Decimal
    avail_eq: Decimal
    avail_bal: Decimal
    frozen_bal: Decimal
    ord_frozen: Decimal
    upl: Decimal
    iso_upl: Decimal
    imr: Decimal
    mmr: Decimal
    mgn_ratio: Decimal | None
    notional_lever: Decimal
    notional_usd: Decimal
