"""Swap instruments built by hand (OKX's real specs) and helpers to trade them in tests.

`btc_swap()` / `eth_swap()` / `swap(...)` build `Instrument`s with a `ContractSpec` (add them to a
`Catalogue` for an `ExchangeCore`); `swap_exchange()` builds a pure `Exchange`; `futures(x, account)`
puts an account in Futures mode on it; `seed_position(...)` opens a position between an account and
a counterparty at a price. Through a command bus (unit `SyncBus`, the real `Sequencer`):
`futures_commands(...)` then `seed_commands(...)`, submitted in order.
"""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, ContractSpec, CtType, MgnMode, PosMode, PosSide, Tier
from sandex.domain.derivatives.positions import AccountSettings, Position, PosKey
from sandex.domain.ids import SequentialIds
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.amounts import to_amount
from sandex.domain.ledger.balances import Ledger
from sandex.domain.ledger.fees import FeeSchedule, FeeTier
from sandex.domain.matching.events import outcome
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading import Exchange
from sandex.domain.trading.commands import OrderSpec
from sandex.domain.trading.events import Event
from sandex.services.exchange.commands import Command, Deposit, PlaceBatch
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import SetAccountLevel, SetPositionMode

D = Decimal
USDT = "USDT"

# OKX BTC-USDT-SWAP position tiers (cross/isolated, first rows): contracts, mmr, imr, max lever
BTC_TIERS = (
    Tier(1, D("0"), D("40000"), D("0.004"), D("0.01"), D("100")),
    Tier(2, D("40000"), D("55000"), D("0.006"), D("0.0133"), D("75")),
    Tier(3, D("55000"), D("70000"), D("0.008"), D("0.02"), D("50")),
    Tier(4, D("70000"), D("85000"), D("0.01"), D("0.0266"), D("37.5")),
    Tier(5, D("85000"), D("100000"), D("0.015"), D("0.04"), D("25")),
    Tier(6, D("100000"), D("400000"), D("0.02"), D("0.05"), D("20")),
    Tier(7, D("400000"), D("700000"), D("0.03"), D("0.1"), D("10")),
)
ETH_TIERS = (
    Tier(1, D("0"), D("50000"), D("0.004"), D("0.01"), D("100")),
    Tier(2, D("50000"), D("100000"), D("0.006"), D("0.0133"), D("75")),
    Tier(3, D("100000"), D("1000000"), D("0.01"), D("0.02"), D("50")),
)


def swap(
    inst_id: str,
    *,
    ct_val: str,
    tick_sz: str,
    lot_sz: str = "0.01",
    min_sz: str = "0.01",
    ref_px: str = "100",
    max_lever: str = "100",
    tiers: tuple[Tier, ...] = BTC_TIERS,
    code: int = 9000,
) -> Instrument:
    coin, settle = inst_id.split("-")[:2]
    spec = ContractSpec(
        inst_family=f"{coin}-{settle}",
        ct_val=D(ct_val),
        ct_mult=D(1),
        ct_val_ccy=coin,
        settle_ccy=settle,
        ct_type=CtType.LINEAR,
        max_lever=D(max_lever),
        tiers=tiers,
        index_id=f"{coin}-{settle}",
    )
    return Instrument(
        inst_id,
        coin,
        settle,
        D(tick_sz),
        D(lot_sz),
        D(min_sz),
        D(ref_px),
        code,
        0,
        max_lmt_sz=D("100000000"),
        max_mkt_sz=D("1000000"),
        contract=spec,
    )


def btc_swap() -> Instrument:
    """BTC-USDT-SWAP: ctVal 0.01 BTC, tick 0.1, lot 0.01, min 0.01, lever up to 100."""
    return swap("BTC-USDT-SWAP", ct_val="0.01", tick_sz="0.1", ref_px="50000", code=9001)


def eth_swap() -> Instrument:
    """ETH-USDT-SWAP: ctVal 0.1 ETH, tick 0.01, lot 0.01."""
    return swap("ETH-USDT-SWAP", ct_val="0.1", tick_sz="0.01", ref_px="3000", tiers=ETH_TIERS, code=9002)


def units(amount: str | Decimal) -> int:
    value = to_amount(D(amount))
    assert value is not None
    return value


def swap_exchange(
    *instruments: Instrument, maker: str = "0.0002", taker: str = "0.0005", fee_account: int = 0
) -> Exchange:
    """A pure exchange with these instruments (default: BTC-USDT-SWAP) and OKX's swap Lv1 fees."""
    insts = list(instruments) or [btc_swap()]
    return Exchange(
        insts,
        Ledger(fee_account=fee_account),
        order_ids=SequentialIds(1000),
        trade_ids=SequentialIds(1),
        fees=FeeSchedule(FeeTier(D(maker), D(taker))),
    )


def futures(x: Exchange, *accounts: int, pos_mode: PosMode = PosMode.NET) -> None:
    """Put accounts in Futures mode (acctLv 2) with `pos_mode`, straight on the exchange's book."""
    for account in accounts:
        x.swaps.book.settings[account] = AccountSettings(AcctLv.FUTURES, pos_mode)


def fund(x: Exchange, account: int, amount: str, ccy: str = USDT) -> None:
    done = x.ledger.deposit(account, ccy, units(amount), ref=1)
    assert isinstance(done, list)


def order(
    inst_id: str,
    side: Side,
    sz: str,
    px: str | None = None,
    *,
    td_mode: str = "cross",
    pos_side: PosSide | None = None,
    reduce_only: bool = False,
    ord_type: OrdType | None = None,
    cl_ord_id: str = "",
) -> OrderSpec:
    kind = ord_type or (OrdType.MARKET if px is None else OrdType.LIMIT)
    return OrderSpec(
        inst_id,
        side,
        kind,
        D(sz),
        None if px is None else D(px),
        td_mode=td_mode,
        pos_side=pos_side,
        reduce_only=reduce_only,
        cl_ord_id=cl_ord_id,
    )


def place(x: Exchange, account: int, spec: OrderSpec, ts: int = 1) -> list[Event]:
    """Place and assert it was accepted."""
    events = x.place(account, spec, ts)
    done = outcome(events)  # type: ignore[arg-type]
    assert not hasattr(done, "reason"), f"refused: {done}"
    return events


def seed_position(
    x: Exchange,
    account: int,
    counterparty: int,
    side: Side,
    sz: str,
    px: str,
    *,
    inst_id: str = "BTC-USDT-SWAP",
    td_mode: str = "cross",
    pos_side: PosSide | None = None,
    cp_pos_side: PosSide | None = None,
) -> Position:
    """`account` takes `sz` contracts on `side` at `px` from `counterparty`'s resting order (both
    must be funded and in Futures mode). Returns `account`'s position afterwards."""
    other = Side.SELL if side is Side.BUY else Side.BUY
    place(x, counterparty, order(inst_id, other, sz, px, td_mode=td_mode, pos_side=cp_pos_side))
    place(x, account, order(inst_id, side, sz, px, td_mode=td_mode, pos_side=pos_side))
    key = PosKey(account, inst_id, MgnMode(td_mode), pos_side or PosSide.NET)
    pos = x.swaps.book.get(key)
    assert pos is not None
    return pos


def futures_commands(
    environment: Environment,
    account_id: int,
    user_id: int,
    usdt: str = "10000",
    pos_mode: PosMode = PosMode.NET,
) -> list[Command]:
    """What puts a trading account in Futures mode (with `pos_mode`) and funds it, as commands for
    any bus (`SyncBus.run` in unit tests, `Sequencer.submit` / `rt.trading.sequencer.submit`)."""
    out: list[Command] = [SetAccountLevel(environment, account_id, AcctLv.FUTURES)]
    if pos_mode is not PosMode.NET:
        out.append(SetPositionMode(environment, account_id, pos_mode))
    out.append(Deposit(environment, account_id, user_id, LedgerAccountKind.TRADING, USDT, units(usdt)))
    return out


def seed_commands(
    environment: Environment,
    account_id: int,
    counterparty: int,
    side: Side,
    sz: str,
    px: str,
    *,
    inst_id: str = "BTC-USDT-SWAP",
    td_mode: str = "cross",
    pos_side: PosSide | None = None,
    cp_pos_side: PosSide | None = None,
) -> list[Command]:
    """The two orders that give `account_id` a position of `sz` contracts on `side` at `px` (the
    counterparty rests first; both in Futures mode and funded, no other orders at that price)."""
    other = Side.SELL if side is Side.BUY else Side.BUY
    rest = order(inst_id, other, sz, px, td_mode=td_mode, pos_side=cp_pos_side)
    take = order(inst_id, side, sz, px, td_mode=td_mode, pos_side=pos_side)
    return [PlaceBatch(environment, counterparty, (rest,)), PlaceBatch(environment, account_id, (take,))]


def conserved(x: Exchange, ccy: str = USDT) -> bool:
    """Sum over every account (clearing, insurance and fee included) = deposits - withdrawals."""
    return x.ledger.total(ccy) == x.ledger.net_external(ccy)
