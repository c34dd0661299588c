"""Trading use cases: place/amend/cancel through the sequencer, reads from committed state.

The REST transport calls this (interface stable; see `views` for the value contract):

    acks = await trading.place(trader, [OrderSpec(...)])       # list[OrderAck] | Rejected
    acks = await trading.cancel(trader, [CancelSpec(...)])
    acks = await trading.amend(trader, [AmendSpec(...)])
    order = trading.get_order(trader, "BTC-USDT", ord_id="...", cl_ord_id=None)   # OrderView | Rejected
    trading.pending_orders(trader, ...) / order_history(...) / fills(...) / bills(...)
    trading.balances(trader, ["BTC"]) / trade_fee(trader, inst_id) / max_size(...) / max_avail_size(...)
    await trading.deposit(user_id, environment, "USDT", Decimal("1000"))

Commands answer with a whole-request `Rejected` only for request-level refusals (an empty batch or
more than 20 items: 51111; a failed commit: 50026); otherwise one `OrderAck` per item, in order. A
command's acks come back only once its events are committed (group commit by the sequencer).
Reads are synchronous and hit the database, so they never show what is not yet acknowledged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS, HOUR_MS, Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import OrdState, OrdType, Side
from sandex.domain.money import ratio, whole_steps
from sandex.domain.trading.algos import FINAL_STATES, AlgoAmendSpec, AlgoCancelSpec, AlgoSpec, AlgoState
from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import (
    AlgoAck,
    AmendAlgos,
    AmendBatch,
    CancelAlgos,
    CancelBatch,
    CommandBus,
    CommandError,
    Deposit,
    DepositView,
    OrderAck,
    PlaceAlgos,
    PlaceBatch,
    SetFeeTier,
)
from sandex.services.exchange.core import ExchangeCore, check_deposit, check_fee_tier
from sandex.services.exchange.prices import UsdPrices
from sandex.services.exchange.records import AlgoRecord, LedgerAccountKind
from sandex.services.exchange.store import AlgoQuery, BillQuery, ExchangeStore, FillQuery, OrderQuery
from sandex.services.exchange.units import amount, parse_id, plain
from sandex.services.trading.views import (
    AccountBalanceView,
    BillView,
    CurrencyBalance,
    FeeView,
    FillView,
    MaxAvailView,
    MaxSizeView,
    OrderView,
    Trader,
    batch_too_large,
    bill_views,
    fill_view,
    order_view,
)

HISTORY_MS = 7 * DAY_MS  # orders-history, bills
ARCHIVE_MS = 90 * DAY_MS  # orders-history-archive, fills-history, bills-archive (3 months)
FILLS_MS = 3 * DAY_MS  # fills
UNFILLED_CANCEL_KEPT_MS = 2 * HOUR_MS  # OKX drops canceled-never-filled orders from history after 2 h
_TRADING = LedgerAccountKind.TRADING
MAX_ALGO_CANCELS = 10  # OKX: "A maximum of 10 orders can be canceled per request"


class TradingService:
    def __init__(
        self,
        core: ExchangeCore,
        store: ExchangeStore,
        bus: CommandBus,
        clock: Clock,
        catalogue: Catalogue,
        prices: UsdPrices,
        accounts: LedgerAccounts,
    ) -> None:
        self._core = core
        self._store = store
        self._bus = bus
        self._clock = clock
        self._catalogue = catalogue
        self._prices = prices
        self._accounts = accounts

    # --- commands (through the sequencer) -------------------------------------------------------
    async def place(self, trader: Trader, orders: Sequence[OrderSpec]) -> list[OrderAck] | Rejected:
        refused = _batch_refusal(orders)
        if refused is not None:
            return refused
        account = self._account(trader.user_id, trader.environment, _TRADING)
        return await self._acks(PlaceBatch(trader.environment, account, tuple(orders)))

    async def cancel(self, trader: Trader, items: Sequence[CancelSpec]) -> list[OrderAck] | Rejected:
        refused = _batch_refusal(items)
        if refused is not None:
            return refused
        account = self._account(trader.user_id, trader.environment, _TRADING)
        return await self._acks(CancelBatch(trader.environment, account, tuple(items)))

    async def amend(self, trader: Trader, items: Sequence[AmendSpec]) -> list[OrderAck] | Rejected:
        refused = _batch_refusal(items)
        if refused is not None:
            return refused
        account = self._account(trader.user_id, trader.environment, _TRADING)
        return await self._acks(AmendBatch(trader.environment, account, tuple(items)))

    async def deposit(
        self,
        user_id: int,
        environment: Environment,
        ccy: str,
        amount: Decimal,
        to: LedgerAccountKind = LedgerAccountKind.TRADING,
    ) -> DepositView | Rejected:
        """Credit external money (the operator's `sandex deposit`, the control API, tests)."""
        units = check_deposit(self._catalogue, ccy, amount, to)
        if isinstance(units, Rejected):
            return units
        account = self._account(user_id, environment, to)
        try:
            outcome = await self._bus.submit(Deposit(environment, account, user_id, to, ccy, units))
        except CommandError:
            return Rejected(Reason.SYSTEM_ERROR)
        assert isinstance(outcome, DepositView | Rejected)
        return outcome

    async def set_fee_tier(
        self, user_id: int, maker: Decimal | None, taker: Decimal | None, level: str | None = None
    ) -> FeeTier | Rejected:
        """Give a user's trading accounts (live and demo) their own maker/taker rates from their next
        fill on; all three None puts them back on the default tier. Goes through the sequencer, so
        the change is ordered with the orders around it and survives a restart."""
        tier = check_fee_tier(maker, taker, level)
        if isinstance(tier, Rejected):
            return tier
        outcome: object = None
        for environment in Environment:
            account = self._account(user_id, environment, _TRADING)
            try:
                outcome = await self._bus.submit(SetFeeTier(environment, account, tier))
            except CommandError:
                return Rejected(Reason.SYSTEM_ERROR)
        assert isinstance(outcome, FeeTier)
        return outcome

    async def _acks(self, command: PlaceBatch | CancelBatch | AmendBatch) -> list[OrderAck] | Rejected:
        try:
            outcome = await self._bus.submit(command)
        except CommandError:
            return Rejected(Reason.SYSTEM_ERROR)
        assert isinstance(outcome, list)
        return outcome

    # --- algo orders ----------------------------------------------------------------------------
    async def place_algos(self, trader: Trader, specs: Sequence[AlgoSpec]) -> list[AlgoAck] | Rejected:
        """Place algo orders (`trade/order-algo`): one `AlgoAck` per item, once committed."""
        refused = _batch_refusal(specs)
        if refused is not None:
            return refused
        account = self._account(trader.user_id, trader.environment, _TRADING)
        return await self._algo_acks(PlaceAlgos(trader.environment, account, tuple(specs)))

    async def cancel_algos(
        self, trader: Trader, items: Sequence[AlgoCancelSpec], *, advance: bool = False
    ) -> list[AlgoAck] | Rejected:
        """`cancel-algos` (at most 10, every kind) or, with `advance`, the legacy
        `cancel-advance-algos` (trailing stops only: another kind is refused per item as not found,
        51400)."""
        if not items:
            return Rejected(Reason.BODY_EMPTY)
        if len(items) > MAX_ALGO_CANCELS:
            return Rejected.of(Reason.BATCH_TOO_LARGE, limit=str(MAX_ALGO_CANCELS))
        account = self._account(trader.user_id, trader.environment, _TRADING)
        return await self._algo_acks(CancelAlgos(trader.environment, account, tuple(items), advance))

    async def amend_algos(self, trader: Trader, items: Sequence[AlgoAmendSpec]) -> list[AlgoAck] | Rejected:
        refused = _batch_refusal(items)
        if refused is not None:
            return refused
        account = self._account(trader.user_id, trader.environment, _TRADING)
        return await self._algo_acks(AmendAlgos(trader.environment, account, tuple(items)))

    async def _algo_acks(self, command: PlaceAlgos | CancelAlgos | AmendAlgos) -> list[AlgoAck] | Rejected:
        try:
            outcome = await self._bus.submit(command)
        except CommandError:
            return Rejected(Reason.SYSTEM_ERROR)
        assert isinstance(outcome, list)
        return outcome

    def get_algo(self, trader: Trader, algo_id: int | None, algo_cl_ord_id: str) -> AlgoRecord | Rejected:
        """One algo order by algoId (wins) or algoClOrdId (the newest with it); 51603 when unknown."""
        if algo_id is None and not algo_cl_ord_id:
            return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="algoId", other="algoClOrdId")
        account = self._find_account(trader, _TRADING)
        found = None if account is None else self._store.algo(account, algo_id, algo_cl_ord_id)
        return Rejected(Reason.ORDER_NOT_FOUND) if found is None else found

    def pending_algos(self, trader: Trader, query: AlgoQuery) -> list[AlgoRecord] | Rejected:
        """Live algo orders of `query.ord_types`, newest first (algoId cursors)."""
        return self._algos(trader, replace(query, states=frozenset({AlgoState.LIVE})))

    def algo_history(self, trader: Trader, query: AlgoQuery) -> list[AlgoRecord] | Rejected:
        """Finished algo orders (`query.states` among effective, canceled, order_failed; all three
        when none is given) placed in the last 3 months of the sandbox clock, newest first."""
        states = (query.states & FINAL_STATES) if query.states else FINAL_STATES
        if not states:
            return []
        since = self._clock.now_ms() - ARCHIVE_MS
        return self._algos(trader, replace(query, states=states, since=since))

    def _algos(self, trader: Trader, query: AlgoQuery) -> list[AlgoRecord] | Rejected:
        if not query.ord_types:
            return Rejected.of(Reason.PARAM_EMPTY, field="ordType")
        account = self._find_account(trader, _TRADING)
        if account is None:
            return []
        return self._store.algos(account, replace(query, limit=_limit(query.limit)))

    # --- orders ---------------------------------------------------------------------------------
    def get_order(
        self, trader: Trader, inst_id: str, *, ord_id: str | None = None, cl_ord_id: str | None = None
    ) -> OrderView | Rejected:
        """One order by ordId (wins) or clOrdId (the newest with it). 51603 when unknown."""
        if self._catalogue.instrument(inst_id) is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        if not ord_id and not cl_ord_id:
            return Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="ord_id", other="cl_ord_id")
        wanted = parse_id(ord_id) if ord_id else None
        account = self._find_account(trader, _TRADING)
        if isinstance(wanted, Rejected):
            return wanted
        found = None if account is None else self._store.order(account, inst_id, wanted, cl_ord_id or "")
        if found is None or account is None:
            return Rejected(Reason.ORDER_NOT_FOUND)
        return order_view(found, self._catalogue, self._store.attached_algos(account, [found.ord_id]))

    def pending_orders(
        self,
        trader: Trader,
        *,
        inst_id: str | None = None,
        ord_type: OrdType | None = None,
        state: OrdState | None = None,
        after: str | None = None,
        before: str | None = None,
        limit: int = 100,
    ) -> list[OrderView]:
        """Live and partially filled orders, newest first; `after`/`before` are ordId cursors."""
        query = OrderQuery(
            pending=True,
            inst_id=inst_id,
            ord_type=ord_type,
            states=None if state is None else [state],
            after=_cursor(after),
            before=_cursor(before),
            limit=_limit(limit),
        )
        return self._orders(trader, query)

    def order_history(
        self,
        trader: Trader,
        *,
        archive: bool = False,
        inst_id: str | None = None,
        ord_type: OrdType | None = None,
        state: OrdState | None = None,
        after: str | None = None,
        before: str | None = None,
        begin: int | None = None,
        end: int | None = None,
        limit: int = 100,
    ) -> list[OrderView]:
        """Filled and canceled orders created in the last 7 days (`archive`: 3 months), newest first.

        As on OKX, an order canceled without any fill leaves the history 2 hours after it ended.
        """
        now = self._clock.now_ms()
        query = OrderQuery(
            pending=False,
            inst_id=inst_id,
            ord_type=ord_type,
            states=None if state is None else [state],
            after=_cursor(after),
            before=_cursor(before),
            begin=begin,
            end=end,
            since=now - (ARCHIVE_MS if archive else HISTORY_MS),
            drop_unfilled_canceled_before=now - UNFILLED_CANCEL_KEPT_MS,
            limit=_limit(limit),
        )
        return self._orders(trader, query)

    def _orders(self, trader: Trader, query: OrderQuery) -> list[OrderView]:
        account = self._find_account(trader, _TRADING)
        if account is None:
            return []
        records = self._store.orders(account, query)
        attached: dict[int, list[AlgoRecord]] = {}
        for algo in self._store.attached_algos(account, [r.ord_id for r in records]):
            attached.setdefault(algo.parent_ord_id or 0, []).append(algo)
        return [order_view(r, self._catalogue, attached.get(r.ord_id, ())) for r in records]

    def fills(
        self,
        trader: Trader,
        *,
        history: bool = False,
        inst_id: str | None = None,
        ord_id: str | None = None,
        after: str | None = None,
        before: str | None = None,
        begin: int | None = None,
        end: int | None = None,
        limit: int = 100,
    ) -> list[FillView]:
        """The account's fills of the last 3 days (`history`: 3 months), newest first (billId cursors)."""
        account = self._find_account(trader, _TRADING)
        wanted = parse_id(ord_id) if ord_id else None
        if account is None or isinstance(wanted, Rejected):
            return []
        query = FillQuery(
            inst_id=inst_id,
            ord_id=wanted,
            after=_cursor(after),
            before=_cursor(before),
            begin=begin,
            end=end,
            since=self._clock.now_ms() - (ARCHIVE_MS if history else FILLS_MS),
            limit=_limit(limit),
        )
        return [fill_view(r) for r in self._store.fills(account, query)]

    # --- account --------------------------------------------------------------------------------
    def balances(
        self, trader: Trader, ccys: Collection[str] | None = None, *, kind: LedgerAccountKind = _TRADING
    ) -> AccountBalanceView:
        """The non-zero balances (only `ccys` when given) of the trading account, or of the funding
        account with `kind=FUNDING` (OKX `asset/balances`), valued in USD."""
        now = self._clock.now_ms()
        account = self._find_account(trader, kind)
        rows = [] if account is None else self._store.balances(account)
        details: list[CurrencyBalance] = []
        for row in rows:
            if (ccys and row.ccy not in ccys) or row.available + row.frozen == 0:
                continue
            available, frozen = _dec(row.available), _dec(row.frozen)
            price = self._prices.usd_price(row.ccy)
            total = available + frozen
            eq_usd = None if price is None else plain(total * price)
            details.append(CurrencyBalance(row.ccy, available, frozen, total, eq_usd, row.updated_ms))
        total_eq = sum((d.eq_usd for d in details if d.eq_usd is not None), Decimal(0))
        return AccountBalanceView(total_eq, now, sorted(details, key=lambda d: d.ccy))

    def bills(
        self,
        trader: Trader,
        *,
        archive: bool = False,
        ccy: str | None = None,
        reasons: Collection[PostingReason] | None = None,
        after: str | None = None,
        before: str | None = None,
        begin: int | None = None,
        end: int | None = None,
        limit: int = 100,
    ) -> list[BillView]:
        """Balance changes of the trading account, 7 days (`archive`: 3 months), newest first.

        `after`/`before` are billId cursors. Freezes for orders are not bills (OKX shows none).
        """
        account = self._find_account(trader, _TRADING)
        if account is None:
            return []
        query = BillQuery(
            ccy=ccy,
            reasons=reasons,
            after=_cursor(after),
            before=_cursor(before),
            begin=begin,
            end=end,
            since=self._clock.now_ms() - (ARCHIVE_MS if archive else HISTORY_MS),
            limit=_limit(limit),
        )
        return bill_views(self._store.bills(account, query), self._catalogue)

    def trade_fee(self, trader: Trader, inst_id: str) -> FeeView | Rejected:
        if self._catalogue.instrument(inst_id) is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        account = self._find_account(trader, _TRADING)
        tier = self._core.fee_tier(trader.environment, account)
        return FeeView(inst_id, -tier.maker, -tier.taker, tier.level, self._clock.now_ms())

    def max_avail_size(self, trader: Trader, inst_id: str) -> MaxAvailView | Rejected:
        """Spot cash: the quote currency available for buys, the base currency for sells."""
        inst = self._catalogue.instrument(inst_id)
        if inst is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        avail = self._available(trader)
        return MaxAvailView(
            inst_id, avail.get(inst.quote_ccy, Decimal(0)), avail.get(inst.base_ccy, Decimal(0))
        )

    def max_size(self, trader: Trader, inst_id: str, px: Decimal | None = None) -> MaxSizeView | Rejected:
        """Spot cash, in base currency: what the available quote buys at `px` (default: the best ask,
        else the reference price), and the available base, both rounded down to the lot size and
        at most the instrument's largest limit order (`maxLmtSz`)."""
        inst = self._catalogue.instrument(inst_id)
        if inst is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        if px is not None and px <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="px")
        price = px or self._core.best_price(trader.environment, inst_id, Side.BUY) or inst.ref_px
        avail = self._available(trader)
        quote, base = avail.get(inst.quote_ccy, Decimal(0)), avail.get(inst.base_ccy, Decimal(0))
        largest = inst.max_lmt_sz
        lots_buy = whole_steps(min(ratio(quote, price), largest), inst.lot_sz)
        lots_sell = whole_steps(min(base, largest), inst.lot_sz)
        return MaxSizeView(
            inst_id, inst.base_ccy, plain(lots_buy * inst.lot_sz), plain(lots_sell * inst.lot_sz)
        )

    def _available(self, trader: Trader) -> dict[str, Decimal]:
        account = self._find_account(trader, _TRADING)
        rows = [] if account is None else self._store.balances(account)
        return {row.ccy: _dec(row.available) for row in rows}

    # --- accounts -------------------------------------------------------------------------------
    def _account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int:
        return self._accounts.ensure(user_id, environment, kind)

    def _find_account(self, trader: Trader, kind: LedgerAccountKind) -> int | None:
        return self._accounts.find(trader.user_id, trader.environment, kind)


def _batch_refusal(items: Sequence[object]) -> Rejected | None:
    return Rejected(Reason.BODY_EMPTY) if not items else batch_too_large(len(items))


def _cursor(text: str | None) -> int | None:
    """An id cursor. Checking its syntax (51000) is the transport's job; a malformed one is ignored."""
    parsed = parse_id(text) if text else None
    return None if isinstance(parsed, Rejected) else parsed


def _limit(limit: int) -> int:
    return max(1, min(limit, 100))


def _dec(units: int) -> Decimal:
    return amount(units)
