"""Derivatives commands the sequencer applies (the swap-core part wires them into `Command` and
`ExchangeCore.apply`). Each names its environment except the market-wide ones (`UpdateMarks`,
`SettleFundingFee`): those apply to both environments, as the simulated market is shared."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide


@dataclass(frozen=True, slots=True)
class SetAccountLevel:
    """`account/set-account-level` and the console's/control API's first choice. Refused (59000
    family) while the account holds positions or pending derivatives orders."""

    environment: Environment
    account_id: int
    acct_lv: AcctLv


@dataclass(frozen=True, slots=True)
class SetPositionMode:
    """`account/set-position-mode`: 59000 with open positions or pending derivatives orders/algos."""

    environment: Environment
    account_id: int
    pos_mode: PosMode


@dataclass(frozen=True, slots=True)
class SetLeverage:
    """`account/set-leverage` for one swap instrument. `pos_side` only for isolated in long/short
    mode (None: both sides / net). Result: a `LeverageSet`."""

    environment: Environment
    account_id: int
    inst_id: str
    mgn_mode: MgnMode
    pos_side: PosSide | None
    lever: Decimal


@dataclass(frozen=True, slots=True)
class LeverageSet:
    inst_id: str
    mgn_mode: MgnMode
    pos_side: PosSide  # "net" when not per side
    lever: Decimal


@dataclass(frozen=True, slots=True)
class AdjustMargin:
    """`account/position/margin-balance`: add to or take from an isolated position's margin."""

    environment: Environment
    account_id: int
    inst_id: str
    pos_side: PosSide
    add: bool  # False: reduce
    amount: int  # ledger units of the settlement currency


@dataclass(frozen=True, slots=True)
class MarginAdjusted:
    inst_id: str
    pos_side: PosSide
    add: bool
    amount: Decimal
    lever: Decimal  # the position's real leverage after the change
    ccy: str


@dataclass(frozen=True, slots=True)
class ClosePosition:
    """`trade/close-position`: a market order for the whole position (reduce-only)."""

    environment: Environment
    account_id: int
    inst_id: str
    mgn_mode: MgnMode
    pos_side: PosSide
    auto_cxl: bool = False  # cancel the position's pending close orders first (else 51115… refusal)
    cl_ord_id: str = ""
    tag: str = ""


@dataclass(frozen=True, slots=True)
class PositionClosed:
    """`trade/close-position`'s answer."""

    inst_id: str
    pos_side: PosSide
    cl_ord_id: str
    tag: str
    ord_id: int  # the market order that closed it


@dataclass(frozen=True, slots=True)
class UpdateMarks:
    """The market's new mark prices (and the index each follows), at most once per market step:
    positions are marked, margin checked, and what breaches is liquidated in the same commit."""

    marks: tuple[tuple[str, Decimal, Decimal], ...]  # (swap inst_id, mark px, index px)


@dataclass(frozen=True, slots=True)
class SettleFundingFee:
    """Book one funding settlement of `inst_id` at `rate` for every open position in both
    environments (bill type 8: 173 expense / 174 income), at `funding_time` (ms)."""

    inst_id: str
    rate: Decimal
    funding_time: int


@dataclass(frozen=True, slots=True)
class ForceLiquidation:
    """Control API: liquidate an account's position (or every position of it) now, as if its
    margin ratio had breached."""

    environment: Environment
    account_id: int
    inst_id: str = ""  # "": every position of the account


SwapCommand = (
    SetAccountLevel
    | SetPositionMode
    | SetLeverage
    | AdjustMargin
    | ClosePosition
    | UpdateMarks
    | SettleFundingFee
    | ForceLiquidation
)
SWAP_COMMANDS = (
    SetAccountLevel,
    SetPositionMode,
    SetLeverage,
    AdjustMargin,
    ClosePosition,
    UpdateMarks,
    SettleFundingFee,
    ForceLiquidation,
)
MARKET_WIDE_SWAP_COMMANDS = (UpdateMarks, SettleFundingFee)  # no `environment`: both
