"""What an order or a fill on a swap shows beyond a spot one (OKX's order and fill objects:
`posSide`, `lever`, `pnl`, `category`, `reduceOnly`; `fillPnl`, `fillMarkPx`, `fillIdxPx`).
`OrderView.swap` / `FillView.swap` carry them; None on spot."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.derivatives.contracts import InstType, PosSide


@dataclass(frozen=True, slots=True)
class SwapOrderPart:
    inst_type: InstType
    pos_side: PosSide
    lever: Decimal
    pnl: Decimal  # closing PnL its fills realised so far (settlement currency)
    category: str  # normal | full_liquidation | partial_liquidation
    reduce_only: bool


@dataclass(frozen=True, slots=True)
class SwapFillPart:
    inst_type: InstType
    pos_side: PosSide
    closes: bool  # the fill reduced a position (bill/fill subType 5/6, else 3/4)
    fill_pnl: Decimal
    fill_mark_px: Decimal | None
    fill_idx_px: Decimal | None


@dataclass(frozen=True, slots=True)
class SwapBillPart:
    """A bill about a swap position (OKX type 2 subType 3-6 fills, 6 margin 160/161, 8 funding
    173/174, 5 liquidation 100-105): its subType, size and price, PnL and the position's margin change."""

    sub_type: int
    mgn_mode: str  # cross | isolated
    sz: Decimal | None  # contracts (fills and liquidations)
    px: Decimal | None
    pnl: Decimal
    pos_bal_chg: Decimal
    pos_bal: Decimal | None = None  # the position's margin after it (isolated), when known
