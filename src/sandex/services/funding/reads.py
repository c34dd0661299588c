"""Funding reads from committed state: balances, valuation, transfers, histories, bills, addresses.

Reads never see what is not acknowledged: they go to the database, which the sequencer writes
before it answers. Deposit addresses are derived (see `domain.funding.addresses`) and remembered
in the address book the first time they are shown, so that a credit to an address finds its owner.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.clock import DAY_MS, Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.addresses import deposit_address, tag_field_of
from sandex.domain.funding.lifecycle import DEFAULT_TIMING, DepositClock, FundingTiming, confirmations
from sandex.domain.funding.model import AccountType, TransferType
from sandex.domain.funding.withdrawals import DEFAULT_LIMITS, Limits
from sandex.domain.instruments import Catalogue
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.ledger.postings import PostingReason
from sandex.services.exchange.prices import UsdPrices
from sandex.services.exchange.records import (
    DepositRecord,
    FundingBillRecord,
    LedgerAccountKind,
    TransferRecord,
    WithdrawalRecord,
)
from sandex.services.exchange.store import ExchangeStore, FundingBillQuery, FundingStore, HistoryQuery
from sandex.services.funding.ports import AddressBook, AddressRecord
from sandex.services.funding.views import (
    AddressView,
    BillKind,
    DepositView,
    Funder,
    FundingBalance,
    FundingBillView,
    HistoryFilter,
    QuotaView,
    TransferView,
    Valuation,
    WithdrawalView,
)

KIND_OF = {AccountType.FUNDING: LedgerAccountKind.FUNDING, AccountType.TRADING: LedgerAccountKind.TRADING}
VALUATION_PLACES = Decimal("1E-8")
USD = "USD"
_MAX_FETCH = 500


@dataclass(frozen=True, slots=True)
class FundingDeps:
    """What every funding use case needs, wired once by the composition root."""

    store: FundingStore
    ledgers: ExchangeStore  # ledger accounts, balances (the trading core's storage)
    addresses: AddressBook
    catalogue: Catalogue
    clock: Clock
    prices: UsdPrices
    address_secret: bytes  # derives deposit addresses; never leaves the process
    limits: Limits = DEFAULT_LIMITS
    timing: FundingTiming = DEFAULT_TIMING


class FundingReads:
    def __init__(self, deps: FundingDeps) -> None:
        self._deps = deps

    # --- balances ------------------------------------------------------------------------------
    def balances(self, who: Funder, ccys: Collection[str] | None = None) -> list[FundingBalance]:
        """The funding account's currencies with a balance above 0 (only `ccys` when given)."""
        account = self._deps.ledgers.find_account(who.user_id, who.environment, LedgerAccountKind.FUNDING)
        rows = [] if account is None else self._deps.ledgers.balances(account)
        out = [
            FundingBalance(
                r.ccy, from_amount(r.available + r.frozen), from_amount(r.available), from_amount(r.frozen)
            )
            for r in rows
            if r.available + r.frozen > 0 and (not ccys or r.ccy in ccys)
        ]
        return sorted(out, key=lambda b: b.ccy)

    def valuation(self, who: Funder, ccy: str | None = None) -> Valuation | Rejected:
        """Both accounts valued in `ccy` (default BTC, as OKX) at the reference USD prices."""
        unit = ccy or "BTC"
        unit_price = Decimal(1) if unit == USD else self._deps.prices.usd_price(unit)
        if unit_price is None or unit_price <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="ccy")
        funding = self._usd_of(who, LedgerAccountKind.FUNDING) / unit_price
        trading = self._usd_of(who, LedgerAccountKind.TRADING) / unit_price
        funding, trading = funding.quantize(VALUATION_PLACES), trading.quantize(VALUATION_PLACES)
        return Valuation(unit, funding + trading, funding, trading, self._deps.clock.now_ms())

    def _usd_of(self, who: Funder, kind: LedgerAccountKind) -> Decimal:
        account = self._deps.ledgers.find_account(who.user_id, who.environment, kind)
        total = Decimal(0)
        for row in [] if account is None else self._deps.ledgers.balances(account):
            price = self._deps.prices.usd_price(row.ccy)
            if price is not None:
                total += from_amount(row.available + row.frozen) * price
        return total

    def quota(self, who: Funder) -> QuotaView:
        since = self._deps.clock.now_ms() - DAY_MS
        used = self._deps.store.used_quota_usd(who.environment, who.user_id, since)
        return QuotaView(self._deps.limits.daily_quota_usd, used)

    # --- transfers -----------------------------------------------------------------------------
    def transfer_state(
        self, who: Funder, trans_id: str | None, client_id: str | None, kind: TransferType | None = None
    ) -> list[TransferView] | Rejected:
        """A transfer the caller took part in, by transId (wins) or clientId; `[]` when unknown."""
        if not trans_id and not client_id:
            return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="trans_id", other="client_id")
        wanted = _int_id(trans_id, "trans_id") if trans_id else None
        if isinstance(wanted, Rejected):
            return wanted
        found = self._deps.store.transfer(
            who.environment, who.user_id, wanted, None if trans_id else client_id
        )
        if found is None or (kind is not None and found.type is not kind):
            return []
        return [transfer_view(found)]

    # --- histories -----------------------------------------------------------------------------
    def deposit_history(self, who: Funder, wanted: HistoryFilter) -> list[DepositView] | Rejected:
        query = _history_query(wanted, with_from_wd=True)
        if isinstance(query, Rejected):
            return query
        now = self._deps.clock.now_ms()
        rows = self._deps.store.deposits(who.environment, who.user_id, query)
        return [deposit_view(r, now, self._deps.timing) for r in rows]

    def withdrawal_history(self, who: Funder, wanted: HistoryFilter) -> list[WithdrawalView] | Rejected:
        query = _history_query(wanted, with_from_wd=False)
        if isinstance(query, Rejected):
            return query
        rows = self._deps.store.withdrawals(who.environment, who.user_id, query)
        return [withdrawal_view(r) for r in rows]

    # --- bills ---------------------------------------------------------------------------------
    def bills(
        self,
        who: Funder,
        *,
        kind: BillKind | None = None,
        ccy: str | None = None,
        client_id: str | None = None,
        after: int | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[FundingBillView]:
        """The funding account's bills of the last month, newest first (`after`/`before`: ts cursors)."""
        account = self._deps.ledgers.find_account(who.user_id, who.environment, LedgerAccountKind.FUNDING)
        if account is None:
            return []
        reasons = None if kind is None else _REASONS_OF[kind]
        fetch = limit if reasons is None or kind not in _TRANSFER_KINDS else _MAX_FETCH
        since = self._deps.clock.now_ms() - 30 * DAY_MS
        query = FundingBillQuery(ccy, reasons, client_id, after, before, since, fetch)
        views = [bill_view(r, who.is_sub) for r in self._deps.store.funding_bills(account, query)]
        return [v for v in views if kind is None or v.kind is kind][:limit]

    # --- deposit addresses ---------------------------------------------------------------------
    def deposit_addresses(self, who: Funder, uid: str, ccy: str) -> list[AddressView] | Rejected:
        """One address per chain of `ccy` (stable), remembered for operator credits."""
        currency = self._deps.catalogue.currency(ccy)
        if currency is None:
            return Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
        env = who.environment.value
        derived = [deposit_address(self._deps.address_secret, env, uid, chain) for chain in currency.chains]
        self._deps.addresses.remember_addresses(
            [AddressRecord(who.user_id, who.environment, a.chain, a.addr, a.tag or "") for a in derived],
            self._deps.clock.now_ms(),
        )
        return [AddressView(ccy, a.chain, a.addr, a.tag, a.tag_field, AccountType.FUNDING) for a in derived]


# --- views ---------------------------------------------------------------------------------------
def transfer_view(r: TransferRecord) -> TransferView:
    return TransferView(
        str(r.trans_id),
        r.client_id,
        r.ccy,
        from_amount(r.amount),
        r.type,
        r.src,
        r.dst,
        r.sub_acct,
        r.state,
        r.ts,
    )


def withdrawal_view(r: WithdrawalRecord) -> WithdrawalView:
    return WithdrawalView(
        str(r.wd_id),
        r.client_id,
        r.ccy,
        r.chain,
        from_amount(r.amount),
        from_amount(r.fee),
        r.dest,
        r.to_addr,
        r.tag,
        tag_field_of(r.chain),
        r.addr_type,
        r.from_text,
        r.tx_id,
        r.state,
        r.created_ms,
    )


def deposit_view(r: DepositRecord, now_ms: int, timing: FundingTiming = DEFAULT_TIMING) -> DepositView:
    blocks = confirmations(DepositClock(r.created_ms, r.arrival, r.unlock), now_ms, timing)
    return DepositView(
        str(r.dep_id),
        r.ccy,
        r.chain,
        from_amount(r.amount),
        r.dep_type,
        r.from_text,
        r.to_addr,
        r.tag,
        r.tx_id,
        r.state,
        blocks,
        "" if r.from_wd_id is None else str(r.from_wd_id),
        r.created_ms,
    )


_TRANSFER_KINDS = frozenset(
    {
        BillKind.TO_SUB,
        BillKind.FROM_SUB,
        BillKind.SUB_OUT,
        BillKind.SUB_IN,
        BillKind.FROM_TRADING,
        BillKind.TO_TRADING,
    }
)
_REASONS_OF: dict[BillKind, frozenset[PostingReason]] = {
    BillKind.DEPOSIT: frozenset({PostingReason.DEPOSIT}),
    BillKind.WITHDRAWAL: frozenset({PostingReason.WITHDRAWAL}),
    BillKind.WITHDRAWAL_FEE: frozenset({PostingReason.FEE}),
    **{kind: frozenset({PostingReason.TRANSFER}) for kind in _TRANSFER_KINDS},
}


def bill_kind(r: FundingBillRecord, is_sub: bool) -> BillKind:
    if r.reason is PostingReason.DEPOSIT:
        return BillKind.DEPOSIT
    if r.reason is PostingReason.FEE:
        return BillKind.WITHDRAWAL_FEE
    if r.reason is not PostingReason.TRANSFER:
        return BillKind.WITHDRAWAL
    incoming = r.delta > 0
    if r.transfer_type in (None, TransferType.WITHIN):
        return BillKind.FROM_TRADING if incoming else BillKind.TO_TRADING
    if is_sub:
        return BillKind.SUB_IN if incoming else BillKind.SUB_OUT
    return BillKind.FROM_SUB if incoming else BillKind.TO_SUB


def bill_view(r: FundingBillRecord, is_sub: bool) -> FundingBillView:
    return FundingBillView(
        str(r.bill_id),
        r.ccy,
        r.client_id,
        from_amount(r.delta),
        from_amount(r.balance_after),
        bill_kind(r, is_sub),
        r.ts,
    )


def _int_id(text: str, name: str) -> int | Rejected:
    """An id the database can hold (BIGINT: up to 2**63-1; 19 nines is more, and 19 digits)."""
    if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) < 1 << 63:
        return int(text)
    return Rejected.of(Reason.PARAM_ERROR, field=name)


def _history_query(wanted: HistoryFilter, *, with_from_wd: bool) -> HistoryQuery | Rejected:
    record_id = _int_id(wanted.record_id, "dep_id" if with_from_wd else "wd_id") if wanted.record_id else None
    from_wd = _int_id(wanted.from_wd_id, "from_wd_id") if with_from_wd and wanted.from_wd_id else None
    for parsed in (record_id, from_wd):
        if isinstance(parsed, Rejected):
            return parsed
    assert not isinstance(record_id, Rejected) and not isinstance(from_wd, Rejected)
    return HistoryQuery(
        wanted.ccy,
        record_id,
        None if with_from_wd else wanted.client_id,
        wanted.tx_id,
        wanted.kind,
        wanted.state,
        from_wd,
        wanted.after,
        wanted.before,
        wanted.limit,
    )


def ledger_kind(account: AccountType) -> LedgerAccountKind:
    return KIND_OF[account]
