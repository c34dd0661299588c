"""An in-memory exchange for the service tests: a store, a synchronous command bus, the services.

`MemoryStore` implements `ExchangeStore`, `FundingStore` and `MarketStore` over dicts, with the
filters, cursors and ordering of the SQL repositories (`sandex.storage.repositories`), so a read
after a command sees exactly what the database would. `SyncBus` does what `runtime/sequencer.py`
does for one command, minus threads and batching: apply it to the `ExchangeCore`, build the
change set, write it (proving the lease), tell listeners (market data), answer.

Everything is a fixture. Order requests are built in ONE place (`Requests`, fixture `req`): the
request types are about to change, and only that class then needs adapting.

`SANDEX_UNIT_STORE=sqlite` runs the same tests on the real repositories (a migrated SQLite file,
~20x slower): the check that this fake still behaves like storage.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.funding.lifecycle import FundingTiming
from sandex.domain.funding.model import FINAL_WITHDRAWAL_STATES, DepositState, WithdrawalState
from sandex.domain.funding.withdrawals import AllowedAddress, Limits
from sandex.domain.instruments import Catalogue, Chain, Currency, Instrument
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.marketdata.bars import MINUTE
from sandex.domain.marketdata.candles import CandleValues
from sandex.domain.matching.order import PENDING_STATES, OrdState, OrdType, Side, StpMode, TgtCcy
from sandex.domain.trading.algos import AlgoState
from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec
from sandex.services.accounts.service import AccountsService
from sandex.services.accounts.views import UserView
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import (
    Command,
    CommandError,
)
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.events import OrdersChanged, OrderUpdate, TradesHappened
from sandex.services.exchange.funding import FundingState
from sandex.services.exchange.funding_fees import FundingRateRecord
from sandex.services.exchange.liquidations import LiquidationRecord
from sandex.services.exchange.prices import CatalogueUsdPrices
from sandex.services.exchange.records import (
    AlgoRecord,
    BalanceRecord,
    ChangeSet,
    DepositRecord,
    FeeTierRecord,
    FillRecord,
    FundingBillRecord,
    FundingSnapshot,
    IdMaxima,
    InboxItem,
    InboxOutcome,
    LedgerAccount,
    LedgerAccountKind,
    OrderRecord,
    PostingRecord,
    StoredState,
    TradeRecord,
    TransferRecord,
    WithdrawalRecord,
)
from sandex.services.exchange.store import (
    AlgoQuery,
    BillQuery,
    FillQuery,
    FundingBillQuery,
    HistoryQuery,
    LeaseLostError,
    OrderQuery,
    PositionQuery,
)
from sandex.services.exchange.swap_records import AccountSettingsRecord, LeverageRecord, PositionRecord
from sandex.services.funding.ports import AddressRecord, AllowListRecord
from sandex.services.funding.reads import FundingDeps
from sandex.services.funding.service import FundingService
from sandex.services.funding.views import Funder
from sandex.services.marketdata.ports import CandleQuery, ReplayTrade, StoredCandle, SyntheticTape, TradeQuery
from sandex.services.marketdata.service import MarketData
from sandex.services.marketdata.venue import CoreVenue
from sandex.services.simulation.board import MarketBoard, MarketControl
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.testing.clock import ManualClock

D = Decimal
T = TypeVar("T")
LIVE, DEMO = Environment.LIVE, Environment.DEMO
START_MS = 1_700_000_000_000  # 2023-11-14T22:13:20Z
OWNER = "unit-tests"  # the lease holder the bus writes as
TIMING = FundingTiming(block_ms=1_000, review_ms=5_000, broadcast_ms=5_000)
LIMITS = Limits(max_wd=D(1_000_000), daily_quota_usd=D(10_000))
ALICE, BOB, CAROL = 11, 12, 13  # user ids (CAROL is BOB's sub-account)


# --- the catalogue -------------------------------------------------------------------------------
def _instrument(inst_id: str, tick: str, lot: str, ref: str, code: int) -> Instrument:
    base, quote = inst_id.split("-")
    return Instrument(inst_id, base, quote, D(tick), D(lot), D(lot), D(ref), code, 0)


def _chain(name: str, min_wd: str, fee: str, decimals: int, confirmations: int, tag: bool = False) -> Chain:
    return Chain(name, tag, D("0.000001"), D(min_wd), D(fee), decimals, confirmations)


CATALOGUE = Catalogue(
    [
        _instrument("BTC-USDT", "0.1", "0.01", "100", 1),  # a BTC worth 100 USDT keeps the sums readable
        _instrument("ETH-USDT", "0.01", "0.001", "10", 2),
    ],
    [
        Currency(
            "USDT",
            "Tether",
            (_chain("USDT-TRC20", "1", "1", 6, 2), _chain("USDT-TON", "1", "0.5", 6, 1, True)),
        ),
        Currency("BTC", "Bitcoin", (_chain("BTC-Bitcoin", "0.001", "0.0001", 8, 2),)),
        Currency("ETH", "Ethereum", (_chain("ETH-ERC20", "0.01", "0.001", 6, 3),)),
    ],
)


# --- the store -----------------------------------------------------------------------------------
def _page(
    rows: Iterable[T],
    key: Callable[[T], Any],
    after: int | None,
    before: int | None,
    limit: int,
    cursor: Callable[[T], int] | None = None,
) -> list[T]:
    """The repositories' paging: sorted by `key` newest first; `after` keeps older rows, `before`
    newer ones (the nearest, still newest first), comparing `cursor` (default: the key)."""
    at = cursor or key
    chosen = [r for r in rows if (after is None or at(r) < after) and (before is None or at(r) > before)]
    nearest_newer = before is not None and after is None
    chosen.sort(key=key, reverse=not nearest_newer)
    chosen = chosen[:limit]
    return chosen[::-1] if nearest_newer else chosen


def _window(value: int, since: int | None, begin: int | None, end: int | None) -> bool:
    return all(bound is None or value >= bound for bound in (since, begin)) and (end is None or value <= end)


_NOT_BILLS = frozenset({PostingReason.FREEZE, PostingReason.UNFREEZE})
_FUNDING_BILLS = frozenset(
    {PostingReason.DEPOSIT, PostingReason.WITHDRAWAL, PostingReason.TRANSFER, PostingReason.FEE}
)


class MemoryStore:
    """One in-memory database: `ExchangeStore`, `FundingStore` and `MarketStore` at once (trades are
    written by the exchange and read by market data, as in the real schema)."""

    def __init__(self) -> None:
        self.accounts_by_id: dict[int, LedgerAccount] = {}
        self.orders_by_id: dict[int, OrderRecord] = {}
        self.fill_rows: dict[tuple[int, int], FillRecord] = {}  # (trade id, order id)
        self.trade_rows: dict[int, TradeRecord] = {}
        self.posting_rows: dict[int, PostingRecord] = {}
        self.balance_rows: dict[tuple[int, str], BalanceRecord] = {}
        self.fee_tier_rows: dict[int, FeeTierRecord] = {}
        self.algo_rows: dict[int, AlgoRecord] = {}
        self.position_rows: dict[int, PositionRecord] = {}
        self.settings_rows: dict[int, AccountSettingsRecord] = {}
        self.leverage_rows: dict[tuple[int, str, MgnMode, PosSide], LeverageRecord] = {}
        self.funding_rate_rows: dict[tuple[str, int], FundingRateRecord] = {}  # (inst_id, funding time)
        self.liquidation_rows: list[LiquidationRecord] = []
        self.transfer_rows: dict[int, TransferRecord] = {}
        self.withdrawal_rows: dict[int, WithdrawalRecord] = {}
        self.deposit_rows: dict[int, DepositRecord] = {}
        self.inbox_items: dict[int, InboxItem] = {}
        self.inbox_outcomes: dict[int, InboxOutcome] = {}
        self.candle_rows: dict[tuple[Environment, str, str, int], CandleValues] = {}
        self.marks: dict[Environment, int] = {}
        self.system_users: dict[str, int] = {}
        self.lease = ("", 0)
        self.commits = 0  # the lease's commit count
        for environment in Environment:  # the migration creates one fee account per environment
            self._new_account(None, environment, LedgerAccountKind.FEE)

    # --- accounts ------------------------------------------------------------------------------
    def _new_account(self, user_id: int | None, environment: Environment, kind: LedgerAccountKind) -> int:
        account_id = len(self.accounts_by_id) + 1
        self.accounts_by_id[account_id] = LedgerAccount(account_id, user_id, environment, kind)
        return account_id

    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int:
        found = self.find_account(user_id, environment, kind)
        return found if found is not None else self._new_account(user_id, environment, kind)

    def find_account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None:
        wanted = (user_id, environment, kind)
        return next(
            (a.id for a in self.accounts_by_id.values() if (a.user_id, a.environment, a.kind) == wanted), None
        )

    def fee_account(self, environment: Environment) -> int:
        return self.system_account(environment, LedgerAccountKind.FEE)

    def system_account(self, environment: Environment, kind: LedgerAccountKind) -> int:
        mine = [
            a.id
            for a in self.accounts_by_id.values()
            if a.user_id is None and a.environment is environment and a.kind is kind
        ]
        return min(mine) if mine else self._new_account(None, environment, kind)

    def accounts(self, ids: Collection[int]) -> list[LedgerAccount]:
        return [self.accounts_by_id[i] for i in ids if i in self.accounts_by_id]

    # --- the writer ----------------------------------------------------------------------------
    def load_state(self, environment: Environment) -> StoredState:
        pending = [
            o
            for o in self.orders_by_id.values()
            if o.environment is environment and o.state in PENDING_STATES
        ]
        mine = {a.id for a in self.accounts_by_id.values() if a.environment is environment}
        last_seqs: dict[str, int] = {}
        for o in pending:
            last_seqs[o.inst_id] = max(last_seqs.get(o.inst_id, 0), o.seq)
        tiers = {r.account_id: r.tier for r in self.fee_tier_rows.values() if r.account_id in mine and r.tier}
        balances = [b for b in self.balance_rows.values() if b.account_id in mine]
        algos = [
            a for a in self.algo_rows.values() if a.environment is environment and a.state is AlgoState.LIVE
        ]
        positions = [
            p for p in self.position_rows.values() if p.environment is environment and p.state == "live"
        ]
        settings = [r for r in self.settings_rows.values() if r.environment is environment]
        levers = [r for r in self.leverage_rows.values() if r.environment is environment]
        return StoredState(pending, balances, last_seqs, tiers, algos, positions, settings, levers)

    def id_maxima(self) -> IdMaxima:
        deposits = [p.ref for p in self.posting_rows.values() if p.reason is PostingReason.DEPOSIT]
        return IdMaxima(
            max(self.orders_by_id, default=0),
            max(self.trade_rows, default=0),
            max(self.posting_rows, default=0),
            max(deposits, default=0),
            max(self.algo_rows, default=0),
            max(self.position_rows, default=0),
        )

    def funding_settled(self) -> dict[str, FundingRateRecord]:
        return {r.inst_id: r for _, r in sorted(self.funding_rate_rows.items())}

    def write(self, changes: ChangeSet, lease_owner: str, now_ms: int) -> None:
        if self.lease[0] != lease_owner:
            raise LeaseLostError(f"{lease_owner} no longer holds the sequencer lease")
        self.lease = (lease_owner, now_ms)
        self.commits += 1
        self.orders_by_id.update((o.ord_id, o) for o in changes.orders)
        self.fill_rows.update(((f.trade_id, f.ord_id), f) for f in changes.fills)
        self.trade_rows.update((t.trade_id, t) for t in changes.trades)
        self.posting_rows.update((p.bill_id, p) for p in changes.postings)
        self.balance_rows.update(((b.account_id, b.ccy), b) for b in changes.balances)
        self.algo_rows.update((a.algo_id, a) for a in changes.algos)
        self.position_rows.update((p.pos_id, p) for p in changes.positions)
        self.settings_rows.update((r.account_id, r) for r in changes.settings)
        self.funding_rate_rows.update(((r.inst_id, r.funding_time), r) for r in changes.funding_rates)
        self.liquidation_rows.extend(changes.liquidations)
        self.leverage_rows.update(
            ((r.account_id, r.inst_id, r.mgn_mode, r.pos_side), r) for r in changes.leverages
        )
        funding = changes.funding
        self.transfer_rows.update((t.trans_id, t) for t in funding.transfers)
        self.withdrawal_rows.update((w.wd_id, w) for w in funding.withdrawals)
        self.deposit_rows.update((d.dep_id, d) for d in funding.deposits)
        for tier in changes.fee_tiers:
            if tier.tier is None:
                self.fee_tier_rows.pop(tier.account_id, None)
            else:
                self.fee_tier_rows[tier.account_id] = tier
        for outcome in changes.inbox:
            self.inbox_outcomes.setdefault(outcome.id, outcome)  # only a pending item changes

    def acquire_lease(self, owner: str, now_ms: int, stale_ms: int) -> bool:
        holder, beat = self.lease
        if holder in (owner, "") or beat < now_ms - stale_ms:
            self.lease = (owner, now_ms)
            return True
        return False

    def heartbeat(self, owner: str, now_ms: int) -> bool:
        if self.lease[0] != owner:
            return False
        self.lease = (owner, now_ms)
        return True

    def commit_seq(self) -> int:
        return self.commits

    def bump_commit_seq(self, owner: str) -> int:
        self.commits += 1
        return self.commits

    def release_lease(self, owner: str) -> None:
        if self.lease[0] == owner:
            self.lease = ("", 0)

    def checkpoint(self, *, truncate: bool = False) -> tuple[int, int] | None:
        return None

    def lease_holder(self) -> tuple[str, int]:
        return self.lease

    # --- the inbox -----------------------------------------------------------------------------
    def add_inbox(self, kind: str, payload: str, now_ms: int) -> int:
        item_id = len(self.inbox_items) + 1
        self.inbox_items[item_id] = InboxItem(item_id, kind, payload, now_ms)
        return item_id

    def pending_inbox(self, limit: int, kinds: Collection[str] | None = None) -> list[InboxItem]:
        pending = [
            i
            for i in self.inbox_items.values()
            if i.id not in self.inbox_outcomes and (kinds is None or i.kind in kinds)
        ]
        return sorted(pending, key=lambda i: i.id)[:limit]

    def inbox_outcome(self, item_id: int) -> InboxOutcome | None:
        return self.inbox_outcomes.get(item_id)

    # --- swaps ---------------------------------------------------------------------------------
    def positions(
        self, account_id: int, inst_ids: Collection[str] | None = None, pos_ids: Collection[int] | None = None
    ) -> list[PositionRecord]:
        return [
            p
            for p in sorted(self.position_rows.values(), key=lambda p: p.pos_id)
            if p.account_id == account_id
            and p.state == "live"
            and (inst_ids is None or p.inst_id in inst_ids)
            and (pos_ids is None or p.pos_id in pos_ids)
        ]

    def positions_history(self, account_id: int, query: PositionQuery) -> list[PositionRecord]:
        rows = [
            p
            for p in self.position_rows.values()
            if p.account_id == account_id
            and p.close_type is not None
            and (not query.inst_id or p.inst_id == query.inst_id)
        ]
        return sorted(rows, key=lambda p: (p.u_time, p.pos_id), reverse=True)[: query.limit]

    def account_settings(self, environment: Environment, account_id: int) -> AccountSettingsRecord:
        found = self.settings_rows.get(account_id)
        return found or AccountSettingsRecord(environment, account_id, AcctLv.SPOT, PosMode.NET, 0)

    def leverages(
        self, account_id: int, inst_ids: Collection[str], mgn_mode: MgnMode | None = None
    ) -> list[LeverageRecord]:
        return [
            r
            for r in self.leverage_rows.values()
            if r.account_id == account_id
            and r.inst_id in inst_ids
            and (mgn_mode is None or r.mgn_mode is mgn_mode)
        ]

    def open_interest(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, Decimal]:
        out = {inst_id: Decimal(0) for inst_id in inst_ids}
        for p in self.position_rows.values():
            live = p.environment is environment and p.state == "live" and p.inst_id in out
            if live and (p.pos_side is PosSide.LONG or (p.pos_side is PosSide.NET and p.pos > 0)):
                out[p.inst_id] += abs(p.pos)
        return out

    # --- exchange reads ------------------------------------------------------------------------
    def order(self, account_id: int, inst_id: str, ord_id: int | None, cl_ord_id: str) -> OrderRecord | None:
        found = [
            o
            for o in self.orders_by_id.values()
            if o.account_id == account_id
            and o.inst_id == inst_id
            and (o.ord_id == ord_id if ord_id is not None else o.cl_ord_id == cl_ord_id)
        ]
        return max(found, key=lambda o: o.ord_id, default=None)

    def algo(self, account_id: int, algo_id: int | None, algo_cl_ord_id: str) -> AlgoRecord | None:
        found = [
            a
            for a in self.algo_rows.values()
            if a.account_id == account_id
            and not a.waiting
            and (a.algo_id == algo_id if algo_id is not None else a.algo_cl_ord_id == algo_cl_ord_id)
        ]
        return max(found, key=lambda a: a.algo_id, default=None)

    def algos(self, account_id: int, query: AlgoQuery) -> list[AlgoRecord]:
        def wanted(a: AlgoRecord) -> bool:
            return (
                a.account_id == account_id
                and not a.waiting
                and a.state in query.states
                and a.ord_type in query.ord_types
                and (not query.inst_id or a.inst_id == query.inst_id)
                and (query.algo_id is None or a.algo_id == query.algo_id)
                and (not query.algo_cl_ord_id or a.algo_cl_ord_id == query.algo_cl_ord_id)
                and (query.since is None or a.c_time >= query.since)
                and (query.inst_type is None or a.inst_id.endswith("-SWAP") == (query.inst_type == "SWAP"))
            )

        rows = filter(wanted, self.algo_rows.values())
        return _page(rows, lambda a: a.algo_id, query.after, query.before, query.limit)

    def attached_algos(self, account_id: int, ord_ids: Collection[int]) -> list[AlgoRecord]:
        wanted = set(ord_ids)
        found = [
            a for a in self.algo_rows.values() if a.account_id == account_id and a.parent_ord_id in wanted
        ]
        return sorted(found, key=lambda a: a.algo_id)

    def last_prices(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for trade in sorted(self.trade_rows.values(), key=lambda t: t.trade_id):
            if trade.environment is environment and trade.inst_id in inst_ids:
                out[trade.inst_id] = trade.px
        return out

    def orders(self, account_id: int, query: OrderQuery) -> list[OrderRecord]:
        states = set(PENDING_STATES) if query.pending else {OrdState.FILLED, OrdState.CANCELED}
        if query.states is not None:
            states &= set(query.states)
        drop = query.drop_unfilled_canceled_before

        def wanted(o: OrderRecord) -> bool:
            return (
                o.account_id == account_id
                and o.state in states
                and (not query.inst_id or o.inst_id == query.inst_id)
                and (query.ord_type is None or o.ord_type is query.ord_type)
                and _window(o.c_time, query.since, query.begin, query.end)
                and not (
                    drop is not None
                    and o.state is OrdState.CANCELED
                    and o.last_trade_id is None
                    and o.u_time < drop
                )
            )

        rows = filter(wanted, self.orders_by_id.values())
        return _page(rows, lambda o: o.ord_id, query.after, query.before, query.limit)

    def fills(self, account_id: int, query: FillQuery) -> list[FillRecord]:
        rows = (
            f
            for f in self.fill_rows.values()
            if f.account_id == account_id
            and (not query.inst_id or f.inst_id == query.inst_id)
            and (query.ord_id is None or f.ord_id == query.ord_id)
            and _window(f.ts, query.since, query.begin, query.end)
        )
        return _page(rows, lambda f: f.bill_id, query.after, query.before, query.limit)

    def bills(self, account_id: int, query: BillQuery) -> list[PostingRecord]:
        reasons = (
            set(PostingReason) - _NOT_BILLS if query.reasons is None else set(query.reasons) - _NOT_BILLS
        )
        rows = (
            p
            for p in self.posting_rows.values()
            if p.account_id == account_id
            and p.reason in reasons
            and (not query.ccy or p.ccy == query.ccy)
            and _window(p.ts, query.since, query.begin, query.end)
        )
        return _page(rows, lambda p: p.bill_id, query.after, query.before, query.limit)

    def balances(self, account_id: int) -> list[BalanceRecord]:
        return [b for b in self.balance_rows.values() if b.account_id == account_id]

    # --- funding reads -------------------------------------------------------------------------
    def load_funding(self, since_ms: int) -> FundingSnapshot:
        withdrawals, deposits = self.withdrawal_rows.values(), self.deposit_rows.values()
        return FundingSnapshot(
            [w for w in withdrawals if w.state not in FINAL_WITHDRAWAL_STATES],
            [w for w in withdrawals if w.created_ms >= since_ms],
            [d for d in deposits if d.state is not DepositState.SUCCESS],
            [t for t in self.transfer_rows.values() if t.client_id],
            [w for w in withdrawals if w.client_id],
            max(self.transfer_rows, default=0),
            max(self.withdrawal_rows, default=0),
            max(self.deposit_rows, default=0),
        )

    def transfer(
        self, environment: Environment, user_id: int, trans_id: int | None, client_id: str | None
    ) -> TransferRecord | None:
        if trans_id is not None:
            found = [
                t
                for t in self.transfer_rows.values()
                if t.trans_id == trans_id and user_id in (t.user_id, t.src_user, t.dst_user)
            ]
        else:
            found = [
                t
                for t in self.transfer_rows.values()
                if t.user_id == user_id and t.client_id == (client_id or "")
            ]
        found = [t for t in found if t.environment is environment]
        return max(found, key=lambda t: t.trans_id, default=None)

    def withdrawal(self, environment: Environment, user_id: int, wd_id: int) -> WithdrawalRecord | None:
        found = self.withdrawal_rows.get(wd_id)
        ok = found is not None and found.user_id == user_id and found.environment is environment
        return found if ok else None

    def withdrawals(
        self, environment: Environment, user_id: int, query: HistoryQuery
    ) -> list[WithdrawalRecord]:
        rows = [
            w
            for w in self.withdrawal_rows.values()
            if w.user_id == user_id
            and w.environment is environment
            and _history_match(query, w.ccy, w.wd_id, w.tx_id, w.dest.value, w.state.value)
            and (not query.client_id or w.client_id == query.client_id)
        ]
        return _page(
            rows, lambda w: (w.created_ms, w.wd_id), query.after, query.before, query.limit, _created
        )

    def deposits(self, environment: Environment, user_id: int, query: HistoryQuery) -> list[DepositRecord]:
        rows = [
            d
            for d in self.deposit_rows.values()
            if d.user_id == user_id
            and d.environment is environment
            and _history_match(query, d.ccy, d.dep_id, d.tx_id, d.dep_type.value, d.state.value)
            and (query.from_wd_id is None or d.from_wd_id == query.from_wd_id)
        ]
        return _page(
            rows, lambda d: (d.created_ms, d.dep_id), query.after, query.before, query.limit, _created
        )

    def used_quota_usd(self, environment: Environment, user_id: int, since_ms: int) -> Decimal:
        not_counted = {WithdrawalState.CANCELED, WithdrawalState.FAILED}
        return sum(
            (
                w.usd_value
                for w in self.withdrawal_rows.values()
                if w.user_id == user_id
                and w.environment is environment
                and w.created_ms >= since_ms
                and w.state not in not_counted
            ),
            Decimal(0),
        )

    def funding_bills(self, account_id: int, query: FundingBillQuery) -> list[FundingBillRecord]:
        reasons = _FUNDING_BILLS if query.reasons is None else set(query.reasons)
        out: list[FundingBillRecord] = []
        for p in self.posting_rows.values():
            if p.account_id != account_id or p.reason not in reasons:
                continue
            transfer = self.transfer_rows.get(p.ref) if p.reason is PostingReason.TRANSFER else None
            by_wd = p.reason in (PostingReason.WITHDRAWAL, PostingReason.FEE)
            withdrawal = self.withdrawal_rows.get(p.ref) if by_wd else None
            client_id = transfer.client_id if transfer else withdrawal.client_id if withdrawal else ""
            if (query.ccy and p.ccy != query.ccy) or (query.client_id and client_id != query.client_id):
                continue
            if query.since is not None and p.ts < query.since:
                continue
            out.append(
                FundingBillRecord(
                    p.bill_id,
                    p.ccy,
                    p.delta_available + p.delta_frozen,
                    p.available_after + p.frozen_after,
                    p.reason,
                    p.ref,
                    client_id,
                    None if transfer is None else transfer.type,
                    p.ts,
                )
            )
        return _page(out, lambda b: (b.ts, b.bill_id), query.after, query.before, query.limit, lambda b: b.ts)

    # --- market data ---------------------------------------------------------------------------
    def save_candles(self, rows: Sequence[StoredCandle], marks: Mapping[Environment, int]) -> None:
        for row in rows:
            self.candle_rows[(row.environment, row.inst_id, row.bar, row.values.ts)] = row.values
        self.marks.update(marks)

    def candles(self, query: CandleQuery) -> list[CandleValues]:
        rows = [
            v
            for (env, inst_id, bar, ts), v in self.candle_rows.items()
            if (env, inst_id, bar) == (query.environment, query.inst_id, query.bar)
            and (query.after is None or ts < query.after)
            and (query.before is None or ts > query.before)
            and (query.since is None or ts >= query.since)
        ]
        return sorted(rows, key=lambda v: v.ts, reverse=True)[: query.limit]

    def candles_at(self, environment: Environment, bar: str, ts: int) -> dict[str, CandleValues]:
        return {k[1]: v for k, v in self.candle_rows.items() if (k[0], k[2], k[3]) == (environment, bar, ts)}

    def minutes_since(self, environment: Environment, since: int) -> dict[str, list[CandleValues]]:
        out: dict[str, list[CandleValues]] = {}
        for (env, inst_id, bar, ts), v in sorted(self.candle_rows.items(), key=lambda kv: kv[0][3]):
            if env is environment and bar == MINUTE.name and ts >= since:
                out.setdefault(inst_id, []).append(v)
        return out

    def candle_mark(self, environment: Environment) -> int:
        return self.marks.get(environment, 0)

    def has_history(self, environment: Environment, inst_id: str) -> bool:
        minutes = any(
            (env, inst, bar) == (environment, inst_id, MINUTE.name) for env, inst, bar, _ in self.candle_rows
        )
        trades = any(t.environment is environment and t.inst_id == inst_id for t in self.trade_rows.values())
        return minutes or trades

    def lowest_trade_id(self) -> int | None:
        return min(self.trade_rows, default=None)

    def save_history(self, history: SyntheticTape) -> None:
        envs = history.environments
        for i, (inst_id, t) in enumerate(history.trades):
            for k, env in enumerate(envs):
                trade_id = history.first_id + i * len(envs) + k
                self.trade_rows[trade_id] = TradeRecord(trade_id, env, inst_id, t.px, t.sz, t.side, t.ts)
        for inst_id, bar, candle in history.candles:
            for env in envs:
                self.candle_rows[(env, inst_id, bar, candle.ts)] = candle.values()
        self.marks.update(history.marks)

    def trades(self, query: TradeQuery) -> list[TradeRecord]:
        rows = [
            t
            for t in self.trade_rows.values()
            if t.environment is query.environment
            and t.inst_id == query.inst_id
            and (query.after_id is None or t.trade_id < query.after_id)
            and (query.before_id is None or t.trade_id > query.before_id)
            and (query.after_ts is None or t.ts < query.after_ts)
            and (query.since_ts is None or t.ts >= query.since_ts)
        ]
        return sorted(rows, key=lambda t: t.trade_id, reverse=True)[: query.limit]

    def trades_after(
        self, environment: Environment, inst_id: str, trade_id: int, limit: int
    ) -> list[ReplayTrade]:
        rows = [
            t
            for t in self.trade_rows.values()
            if t.environment is environment and t.inst_id == inst_id and t.trade_id > trade_id
        ]
        return [
            (t.trade_id, t.inst_id, t.ts, t.px, t.sz) for t in sorted(rows, key=lambda t: t.trade_id)[:limit]
        ]

    def last_trades(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, TradeRecord]:
        out: dict[str, TradeRecord] = {}
        for t in sorted(self.trade_rows.values(), key=lambda t: t.trade_id):
            if t.environment is environment and t.inst_id in inst_ids:
                out[t.inst_id] = t
        return out

    def system_user(self, role: str, now_ms: int) -> int:
        return self.system_users.setdefault(role, 900 + len(self.system_users))


def _created(record: WithdrawalRecord | DepositRecord) -> int:
    return record.created_ms  # history cursors are timestamps


def _history_match(q: HistoryQuery, ccy: str, record_id: int, tx_id: str, kind: str, state: str) -> bool:
    return (
        (not q.ccy or ccy == q.ccy)
        and (q.record_id is None or record_id == q.record_id)
        and (not q.tx_id or tx_id == q.tx_id)
        and (not q.kind or kind == q.kind)
        and (not q.state or state == q.state)
    )


# --- the bus -------------------------------------------------------------------------------------
class SyncBus:
    """`CommandBus` (and `FundingBus`) in process: each command is its own group commit, as the
    sequencer writes it (lease proven), published to `listeners`, then answered."""

    def __init__(self, core: ExchangeCore, store: MemoryStore, clock: ManualClock) -> None:
        self.core = core
        self.store = store
        self.clock = clock
        self.listeners: list[Callable[[ChangeSet], None]] = []
        self.commits: list[ChangeSet] = []  # every change set written, in order
        store.acquire_lease(OWNER, clock.now_ms(), 0)

    def run(self, command: Command) -> object:
        ts = self.clock.now_ms()
        applied = self.core.apply(command, ts)
        changes = self.core.changes([applied], order_events=True)
        if changes:
            try:
                self.store.write(changes, OWNER, ts)
            except Exception as exc:  # as the sequencer: rebuild before anyone hears back, then fail
                self.core.load()
                raise CommandError(str(exc)) from exc
        self.commits.append(changes)
        for listener in self.listeners:
            listener(changes)
        return applied.result

    async def submit(self, command: Command) -> object:
        return self.run(command)

    @property
    def last(self) -> ChangeSet:
        return self.commits[-1]


@dataclass(frozen=True)
class Restarted:
    """A new process on the same database: its own exchange core and funding state, loaded."""

    core: ExchangeCore
    funding: FundingState


def restarted(store: MemoryStore, clock: ManualClock) -> Restarted:
    funding = FundingState(store, CATALOGUE, clock, TIMING)
    core = ExchangeCore(CATALOGUE, store, funding=funding)
    core.load()
    return Restarted(core, funding)


# --- accounts and deposit addresses (the funding service's lookups) ------------------------------
class FakeAccounts:
    """The four lookups `FundingService` makes of `AccountsService`."""

    def __init__(self, users: Iterable[UserView]) -> None:
        self.users = {u.id: u for u in users}

    def get_user(self, user_id: int) -> UserView | None:
        return self.users.get(user_id)

    def get_user_by_email(self, email: str) -> UserView | None:
        return next((u for u in self.users.values() if u.email == email), None)

    def get_user_by_uid(self, uid: str) -> UserView | None:
        return next((u for u in self.users.values() if u.uid == uid), None)

    def get_subaccount(self, master_id: int, name: str) -> UserView | None:
        return next((u for u in self.users.values() if u.master_id == master_id and u.sub_name == name), None)


def _user(
    user_id: int, email: str | None, sub_name: str | None = None, master: int | None = None
) -> UserView:
    return UserView(
        user_id, f"1000000000000{user_id}", email, sub_name, master, "", UserStatus.ACTIVE, False, 0
    )


USERS = (
    _user(ALICE, "alice@example.test"),
    _user(BOB, "bob@example.test"),
    _user(CAROL, None, "carolsub", BOB),
)


@dataclass
class MemoryAddressBook:
    addresses: list[AddressRecord] = field(default_factory=list)
    allowed: dict[int, list[AllowListRecord]] = field(default_factory=dict)

    def remember_addresses(self, records: Sequence[AddressRecord], now_ms: int) -> None:
        self.addresses.extend(r for r in records if r not in self.addresses)

    def find_address(self, environment: Environment, chain: str, addr: str, tag: str) -> AddressRecord | None:
        wanted = (environment, chain, addr, tag)
        return next((a for a in self.addresses if (a.environment, a.chain, a.addr, a.tag) == wanted), None)

    def allow_list(self, user_id: int) -> list[AllowListRecord]:
        return list(self.allowed.get(user_id, []))

    def add_allowed(self, user_id: int, entry: AllowedAddress, now_ms: int) -> AllowListRecord | None:
        mine = self.allowed.setdefault(user_id, [])
        if any(r.entry.matches(entry.chain, entry.addr, entry.tag) for r in mine):
            return None
        record = AllowListRecord(sum(map(len, self.allowed.values())) + 1, user_id, entry, now_ms)
        mine.append(record)
        return record

    def remove_allowed(self, user_id: int, entry_id: int) -> bool:
        mine = self.allowed.get(user_id, [])
        kept = [r for r in mine if r.id != entry_id]
        self.allowed[user_id] = kept
        return len(kept) != len(mine)


# --- order requests: the one place that builds them ----------------------------------------------
class Requests:
    @staticmethod
    def limit(inst_id: str, side: str, px: str, sz: str, **extra: Any) -> OrderSpec:
        """A limit order; `ord_type="post_only"|"ioc"|"fok"` for the others with a price."""
        ord_type = OrdType(extra.pop("ord_type", "limit"))
        stp = extra.pop("stp_mode", None)
        if stp is not None:
            extra["stp_mode"] = StpMode(stp)
        return OrderSpec(inst_id, Side(side), ord_type, D(sz), D(px), **extra)

    @staticmethod
    def market(inst_id: str, side: str, sz: str, tgt_ccy: str | None = None, **extra: Any) -> OrderSpec:
        tgt = None if tgt_ccy is None else TgtCcy(tgt_ccy)
        return OrderSpec(inst_id, Side(side), OrdType.MARKET, D(sz), None, tgt, **extra)

    @staticmethod
    def cancel(inst_id: str, ord_id: str | int | None = None, cl_ord_id: str = "") -> CancelSpec:
        return CancelSpec(inst_id, None if ord_id is None else int(ord_id), cl_ord_id)

    @staticmethod
    def amend(
        inst_id: str,
        ord_id: str | int | None = None,
        *,
        cl_ord_id: str = "",
        new_sz: str | None = None,
        new_px: str | None = None,
        cxl_on_fail: bool = False,
        req_id: str = "",
    ) -> AmendSpec:
        return AmendSpec(
            inst_id,
            None if ord_id is None else int(ord_id),
            cl_ord_id,
            None if new_sz is None else D(new_sz),
            None if new_px is None else D(new_px),
            cxl_on_fail,
            req_id,
        )


# --- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_MS)


@pytest.fixture
def catalogue() -> Catalogue:
    return CATALOGUE


class SqliteStore:
    """The real repositories on a migrated SQLite file, as one object (SANDEX_UNIT_STORE=sqlite)."""

    def __init__(self, path: Path) -> None:
        from sandex.storage.db import create_db_engine, migrate, session_factory
        from sandex.storage.orm.accounts import UserRow
        from sandex.storage.repositories.exchange import SqlExchangeStore
        from sandex.storage.repositories.funding import SqlFundingStore
        from sandex.storage.repositories.marketdata import SqlMarketStore

        engine = create_db_engine(f"sqlite:///{path}")
        migrate(engine)
        sessions = session_factory(engine)
        with sessions.begin() as s:  # the users the ledger accounts and funding rows belong to
            for user in USERS:
                s.add(
                    UserRow(
                        id=user.id,
                        uid=user.uid,
                        email=user.email,
                        sub_name=user.sub_name,
                        master_id=user.master_id,
                        created_ms=0,
                    )
                )
        self._parts = (SqlExchangeStore(sessions), SqlFundingStore(sessions), SqlMarketStore(sessions))

    def __getattr__(self, name: str) -> Any:
        for part in self._parts:
            if hasattr(part, name):
                return getattr(part, name)
        raise AttributeError(name)


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    if os.environ.get("SANDEX_UNIT_STORE") == "sqlite":
        return cast(MemoryStore, SqliteStore(tmp_path / "unit.db"))
    return MemoryStore()


@pytest.fixture
def funding_state(store: MemoryStore, clock: ManualClock) -> FundingState:
    return FundingState(store, CATALOGUE, clock, TIMING)


@pytest.fixture
def core(store: MemoryStore, funding_state: FundingState) -> ExchangeCore:
    core = ExchangeCore(CATALOGUE, store, funding=funding_state)
    core.load()
    return core


@pytest.fixture
def bus(core: ExchangeCore, store: MemoryStore, clock: ManualClock) -> SyncBus:
    return SyncBus(core, store, clock)


@pytest.fixture
def run(bus: SyncBus) -> Callable[[Command], object]:
    """Apply one command and commit it (synchronously): what the sequencer answers."""
    return bus.run


@pytest.fixture
def commits(bus: SyncBus) -> list[ChangeSet]:
    """Every change set committed so far, in order (`commits[-1]`: the last command's)."""
    return bus.commits


@pytest.fixture
def restart(store: MemoryStore, clock: ManualClock) -> Callable[[], Restarted]:
    """A new exchange core and funding state loaded from the store, as after a process restart."""
    return lambda: restarted(store, clock)


@pytest.fixture
def timing() -> FundingTiming:
    return TIMING


@pytest.fixture
def users() -> dict[str, UserView]:
    """alice and bob (masters, with emails) and carolsub (bob's sub-account)."""
    return {"alice": USERS[0], "bob": USERS[1], "carolsub": USERS[2]}


@pytest.fixture
def req() -> type[Requests]:
    return Requests


@pytest.fixture
def ledger_accounts(store: MemoryStore, clock: ManualClock) -> LedgerAccounts:
    """The one directory of ledger-account ids that trading and funding share (as in the app)."""
    return LedgerAccounts(store, clock)


@pytest.fixture
def trading(
    core: ExchangeCore, store: MemoryStore, bus: SyncBus, clock: ManualClock, ledger_accounts: LedgerAccounts
) -> TradingService:
    prices = CatalogueUsdPrices(CATALOGUE)
    return TradingService(core, store, bus, clock, CATALOGUE, prices, ledger_accounts)


@pytest.fixture
def alice() -> Trader:
    return Trader(ALICE, LIVE)


@pytest.fixture
def bob() -> Trader:
    return Trader(BOB, LIVE)


@pytest.fixture
def address_book() -> MemoryAddressBook:
    return MemoryAddressBook()


@pytest.fixture
def funding(
    store: MemoryStore,
    address_book: MemoryAddressBook,
    clock: ManualClock,
    funding_state: FundingState,
    bus: SyncBus,
    ledger_accounts: LedgerAccounts,
) -> FundingService:
    deps = FundingDeps(
        store, store, address_book, CATALOGUE, clock, CatalogueUsdPrices(CATALOGUE), b"unit", LIMITS, TIMING
    )
    accounts = cast(AccountsService, FakeAccounts(USERS))
    return FundingService(deps, funding_state, bus, accounts, ledger_accounts)


@pytest.fixture
def alice_funder() -> Funder:
    return Funder(ALICE, LIVE)


@pytest.fixture
def board() -> MarketBoard:
    return MarketBoard(CATALOGUE, volatility=1.0, streams=lambda name: random.Random(name))


@pytest.fixture
def control(board: MarketBoard, core: ExchangeCore, clock: ManualClock) -> MarketControl:
    return MarketControl(board, CATALOGUE, CoreVenue(core, CATALOGUE, clock), clock)


@pytest.fixture
def market(
    store: MemoryStore, core: ExchangeCore, board: MarketBoard, bus: SyncBus, clock: ManualClock
) -> MarketData:
    """Market data fed like the hub feeds it: every commit's trades and order changes."""
    data = MarketData(CATALOGUE, store, CoreVenue(core, CATALOGUE, clock), board, clock)
    data.load()

    def publish(changes: ChangeSet) -> None:
        for environment in Environment:
            trades = [t for t in changes.trades if t.environment is environment]
            if trades:
                data.on_trades(TradesHappened(environment, trades))
            updates = [OrderUpdate(0, o) for o in changes.orders if o.environment is environment]
            if updates:
                data.on_orders(OrdersChanged(environment, updates))

    bus.listeners.append(publish)
    return data
