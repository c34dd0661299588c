"""Events the trading façade adds to the engine's: a fill with its fees, and the ledger postings."""

from __future__ import annotations

from typing import NamedTuple

from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.derivatives.positions import Position
from sandex.domain.ledger.postings import Posting, PostingReason
from sandex.domain.matching.events import Fill, MatchEvent


class Trade(NamedTuple):
    """A settled fill. Fees are positive ledger units charged in the currency each side received
    (OKX shows them negated: `fee` < 0 means charged)."""

    fill: Fill
    taker_fee: int
    taker_fee_ccy: str
    maker_fee: int
    maker_fee_ccy: str


class PositionFill(NamedTuple):
    """What one side of a swap fill did to one position: its open or its close part (a flip is
    both: close then open). Comes right before that part's `TRADE` posting of the account (its
    bill: type 2, `sub_type` 3 open long, 4 open short, 5 close long, 6 close short)."""

    trade_id: int
    ord_id: int
    account_id: int
    ccy: str
    sub_type: int
    lots: int
    px: int  # ticks
    pnl: int  # realised by this part (close), ledger units
    fee: int  # charged for this part (positive)
    pos_bal_chg: int  # change of the position's margin
    position: Position  # its state right after (a copy)


class PositionChanged(NamedTuple):
    """A position changed outside a fill (margin added/reduced, leverage, funding, liquidation):
    `event_type` as OKX's `balance_and_position` names it (adjust_margin, set_leverage…)."""

    position: Position
    event_type: str


class PositionBill(NamedTuple):
    """A position's bill outside a fill (funding fee, liquidation): comes right before the account's
    posting of `reason` and `ref` it describes, and gives that bill its OKX `subType`, `sz`, `px`,
    `pnl` and `posBalChg` (funding: type 8, 173 expense / 174 income; liquidation: type 5)."""

    account_id: int
    reason: PostingReason
    ref: int
    sub_type: int
    lots: int
    px: int  # ticks (funding: the mark it was settled at; liquidation: the price it closed at)
    pnl: int  # ledger units, signed (funding: the fee received + / paid -)
    fee: int
    pos_bal_chg: int  # change of the position's margin (isolated funding; liquidation releases)
    position: Position  # its state right after (a copy)


class Liquidated(NamedTuple):
    """A position was liquidated (after its order's and postings' events): `public/liquidation-orders`
    and its order's `category`."""

    account_id: int
    inst_id: str
    pos_side: PosSide
    long: bool
    lots: int  # closed (by the book and the insurance fund together)
    bk_px: int  # ticks
    bk_loss: int  # ledger units the insurance fund paid beyond the margin (≥ 0)
    ccy: str
    ts: int
    ord_id: int | None  # the liquidation order (None: the book took nothing)
    category: str  # full_liquidation | partial_liquidation


# Everything an `Exchange` command returns. `Fill` never appears: the façade replaces each by `Trade`.
Event = MatchEvent | Trade | Posting | PositionFill | PositionChanged | PositionBill | Liquidated
