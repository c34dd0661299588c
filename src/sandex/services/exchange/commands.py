"""Funding commands: what the funding service submits to the sequencer, and what applying one gives.

Every command names its environment: the sequencer applies it to that environment's ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.funding.model import AccountType, AddrType, Dest, TransferType
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.ledger.postings import Posting
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import AlgoAmendSpec, AlgoCancelSpec, AlgoSpec
from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec
from sandex.domain.trading.events import Event
from sandex.services.exchange.records import AlgoRecord, FundingChanges, LedgerAccountKind
from sandex.services.exchange.swap_commands import SwapCommand
from sandex.services.exchange.swap_records import AccountSettingsRecord, LeverageRecord

TRANSFER_ID_BASE = 1_000_000_000  # transIds: 10 digits, like OKX's
WITHDRAWAL_ID_BASE = 20_000_000  # wdIds: 8 digits (deposit ids are 10,000,000+, trade ids 100,000,000+)


# --- commands ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Transfer:
    environment: Environment
    user_id: int  # whose key asked
    type: TransferType
    ccy: str
    units: int
    src_user: int
    src: AccountType
    src_account: int
    dst_user: int
    dst: AccountType
    dst_account: int
    sub_acct: str = ""
    client_id: str = ""


@dataclass(frozen=True, slots=True)
class Withdraw:
    environment: Environment
    user_id: int
    account_id: int  # the user's funding account
    ccy: str
    chain: str  # "" for internal
    units: int
    fee_units: int
    dest: Dest
    to_addr: str
    tag: str
    addr_type: AddrType
    usd_value: Decimal
    quota_usd: Decimal
    from_text: str
    receiver_id: int | None = None  # internal: the receiving user
    receiver_account: int | None = None  # internal: the receiver's funding account
    client_id: str = ""


@dataclass(frozen=True, slots=True)
class CancelWithdrawal:
    environment: Environment
    user_id: int
    wd_id: int


@dataclass(frozen=True, slots=True)
class FailWithdrawal:
    """The operator's (or a test's) simulated chain rejection."""

    environment: Environment
    wd_id: int


@dataclass(frozen=True, slots=True)
class ChainDeposit:
    environment: Environment
    user_id: int
    account_id: int
    ccy: str
    chain: str
    units: int
    to_addr: str
    tag: str
    arrival: int
    unlock: int
    tx_id: str = ""  # "" = make one up


@dataclass(frozen=True, slots=True)
class AdvanceFunding:
    """Move every open withdrawal and deposit of `environment` to where the clock says it is."""

    environment: Environment


FundingCommand = Transfer | Withdraw | CancelWithdrawal | FailWithdrawal | ChainDeposit | AdvanceFunding
FUNDING_COMMANDS = (Transfer, Withdraw, CancelWithdrawal, FailWithdrawal, ChainDeposit, AdvanceFunding)


@dataclass(slots=True)
class FundingApplied:
    result: object  # TransferRecord | WithdrawalRecord | DepositRecord | int (advanced) | Rejected
    postings: list[Posting] = field(default_factory=list)
    rows: FundingChanges = field(default_factory=FundingChanges)


def tx_hash(*parts: object) -> str:
    """A made-up but stable transaction hash."""
    return "0x" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OrderAck:
    """One item of a place/cancel/amend answer (OKX `data[i]` with `sCode`/`sMsg`).

    `rejected` None means sCode "0". `ord_id` is "" when a placement was refused; for cancel/amend
    it echoes the order's id (the requested one when it was given). `ts` is the sequencer's time.
    """

    ord_id: str
    cl_ord_id: str
    tag: str
    ts: int
    rejected: Rejected | None = None
    req_id: str = ""  # amend only

    @property
    def ok(self) -> bool:
        return self.rejected is None


@dataclass(frozen=True, slots=True)
class AlgoAck:
    """One item of an algo place/cancel/amend answer (`algoId`, `algoClOrdId`, `sCode`/`sMsg`)."""

    algo_id: str
    algo_cl_ord_id: str
    tag: str
    ts: int
    rejected: Rejected | None = None
    req_id: str = ""  # amend only

    @property
    def ok(self) -> bool:
        return self.rejected is None


@dataclass(frozen=True, slots=True)
class DepositView:
    dep_id: str
    user_id: int
    environment: Environment
    ccy: str
    amount: Decimal
    account: LedgerAccountKind
    available: Decimal  # the account's available balance of `ccy` right after the deposit
    ts: int


class CommandError(Exception):
    """The command's batch could not be committed (or no sequencer runs): nothing was acknowledged."""


class CommandBus(Protocol):
    async def submit(self, command: Command) -> object:
        """Apply `command` in order with every other; returns once its events are committed."""
        ...


@dataclass(frozen=True, slots=True)
class PlaceBatch:
    environment: Environment
    account_id: int
    items: tuple[OrderSpec, ...]


@dataclass(frozen=True, slots=True)
class CancelBatch:
    environment: Environment
    account_id: int
    items: tuple[CancelSpec, ...]


@dataclass(frozen=True, slots=True)
class AmendBatch:
    environment: Environment
    account_id: int
    items: tuple[AmendSpec, ...]


@dataclass(frozen=True, slots=True)
class PlaceAlgos:
    environment: Environment
    account_id: int
    items: tuple[AlgoSpec, ...]


@dataclass(frozen=True, slots=True)
class CancelAlgos:
    environment: Environment
    account_id: int
    items: tuple[AlgoCancelSpec, ...]
    advance: bool = False  # legacy `cancel-advance-algos`: trailing stops only (cancel-algos: all)


@dataclass(frozen=True, slots=True)
class AmendAlgos:
    environment: Environment
    account_id: int
    items: tuple[AlgoAmendSpec, ...]


AlgoCommand = PlaceAlgos | CancelAlgos | AmendAlgos
ALGO_COMMANDS = (PlaceAlgos, CancelAlgos, AmendAlgos)


@dataclass(frozen=True, slots=True)
class Deposit:
    environment: Environment
    account_id: int
    user_id: int
    kind: LedgerAccountKind
    ccy: str
    amount: int  # ledger units


@dataclass(frozen=True, slots=True)
class SetFeeTier:
    """Give an account its own maker/taker rates (None: back on the default), from its next fill on."""

    environment: Environment
    account_id: int
    tier: FeeTier | None


@dataclass(frozen=True, slots=True)
class SimulateChainDeposit:
    """A chain deposit to the user's own address (`sandex deposit --chain`): checked and accepted
    here, then run by the funding service as a `ChainDeposit` of its own (a server's port)."""

    environment: Environment
    user_id: int
    ccy: str
    chain: str
    amount: Decimal
    tx_id: str  # chosen by the sender, to find the deposit afterwards


@dataclass(frozen=True, slots=True)
class ConvertTrade:
    """Settle a firm convert quote (`services/convert`): the user's trading account pays `pay_units`
    of `pay_ccy` to the convert desk's account and receives `get_units` of `get_ccy` from it, in
    one commit. The desk is topped up by a deposit when it holds less than it pays out."""

    environment: Environment
    user_id: int
    account_id: int  # the user's trading account
    desk_account: int
    trade_no: int
    pay_ccy: str
    pay_units: int
    get_ccy: str
    get_units: int
    inst_id: str
    base_ccy: str  # the quote's terms, for the trade's record
    quote_ccy: str
    side: Side
    fill_px: Decimal
    base_sz: Decimal
    quote_sz: Decimal
    cl_t_req_id: str = ""
    tag: str = ""


# --- market controls: the simulated market of a server (both environments share it) --------------
@dataclass(frozen=True, slots=True)
class SetPrice:
    inst_id: str
    px: Decimal


@dataclass(frozen=True, slots=True)
class ShiftPrice:
    inst_id: str
    pct: Decimal
    over_ms: int = 0  # 0: at once


@dataclass(frozen=True, slots=True)
class FollowPrices:
    inst_id: str
    points: tuple[tuple[int, Decimal], ...]  # (ms from now, price), in time order


@dataclass(frozen=True, slots=True)
class FreezeMarket:
    frozen: bool  # False: unfreeze


@dataclass(frozen=True, slots=True)
class WidenSpread:
    inst_id: str
    factor: Decimal


@dataclass(frozen=True, slots=True)
class DrainQuotes:
    inst_id: str
    side: Side | None  # None: both sides back


@dataclass(frozen=True, slots=True)
class HaltInstrument:
    inst_id: str


@dataclass(frozen=True, slots=True)
class ResumeInstrument:
    inst_id: str


@dataclass(frozen=True, slots=True)
class ShowMarket:
    inst_id: str = ""  # "": every instrument


@dataclass(frozen=True, slots=True)
class SetMark:
    """Hold a swap's mark price at `px` (until `FreezeMark(inst_id, False)` or a reset)."""

    inst_id: str
    px: Decimal


@dataclass(frozen=True, slots=True)
class ShiftMark:
    """Move a swap's mark by `pct` percent, linearly over `over_ms` (0: at once); it then holds."""

    inst_id: str
    pct: Decimal
    over_ms: int = 0


@dataclass(frozen=True, slots=True)
class FreezeMark:
    """Hold a swap's mark where it is (False: the mark follows index and basis again)."""

    inst_id: str
    frozen: bool


MarketCommand = (
    SetPrice
    | ShiftPrice
    | FollowPrices
    | FreezeMarket
    | WidenSpread
    | DrainQuotes
    | HaltInstrument
    | ResumeInstrument
    | ShowMarket
    | SetMark
    | ShiftMark
    | FreezeMark
)
MARKET_COMMANDS = (
    SetPrice,
    ShiftPrice,
    FollowPrices,
    FreezeMarket,
    WidenSpread,
    DrainQuotes,
    HaltInstrument,
    ResumeInstrument,
    ShowMarket,
    SetMark,
    ShiftMark,
    FreezeMark,
)
# Applied through a port only a running server wires (`services/exchange/ports.py`).
SERVER_COMMANDS = (*MARKET_COMMANDS, SimulateChainDeposit)

# Every command the writer applies, whoever sends it (a service through `CommandBus`, or another
# process through the inbox: `services/exchange/inbox.py`).
Command = (
    PlaceBatch
    | CancelBatch
    | AmendBatch
    | AlgoCommand
    | Deposit
    | SetFeeTier
    | FundingCommand
    | SimulateChainDeposit
    | MarketCommand
    | ConvertTrade
    | SwapCommand
)


@dataclass(slots=True)
class Applied:
    """A command after it ran on the exchange: its answer and the events to persist."""

    command: Command
    result: object  # list[OrderAck] | DepositView | FeeTier | Rejected | a port's answer (or FundingApplied)
    events: list[Event]
    ts: int
    funding: FundingChanges | None = None  # funding rows to write with the events
    algos: list[AlgoRecord] = field(default_factory=list)  # algo orders it placed or changed, in order
    swap_rows: list[AccountSettingsRecord | LeverageRecord] = field(default_factory=list)
    # market-wide commands (no environment): their events per environment (`events` stays empty)
    env_events: dict[Environment, list[Event]] = field(default_factory=dict)
