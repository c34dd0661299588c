"""Convert use cases: currencies, pairs and their limits, firm quotes, trades, history.

    view = await convert.estimate_quote(who, QuoteRequest(...))   # QuoteView | Rejected
    done = await convert.trade(who, TradeRequest(quote_id=view.quote_id, ...))   # TradeView | Rejected
    convert.history(who, HistoryQuery(...))                        # list[TradeView], from storage

A quote is a firm price for `ttl_ms` on the sandbox clock (the control API's clock advance expires
it), kept in this process's memory (`quotes.py`) and traded at most once. A trade is settled by one
`ConvertTrade` command through the sequencer, so it is committed (history row included) before the
caller hears `code: "0"`.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import DEFAULT_UNIT_DECIMALS, Catalogue
from sandex.domain.ledger.amounts import AMOUNT_DECIMALS, to_amount
from sandex.domain.matching.order import Side
from sandex.services.convert import pricing
from sandex.services.convert.ports import ConvertStore, HistoryQuery, ReferencePrices, SystemUsers
from sandex.services.convert.quotes import Quote, QuoteBook, check_trade
from sandex.services.convert.views import (
    Converter,
    PairView,
    QuoteRequest,
    QuoteView,
    TradeRequest,
    TradeView,
    quote_id_of,
    trade_view,
)
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import CommandBus, CommandError, ConvertTrade
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import ConvertTradeRecord, LedgerAccountKind

DESK_ROLE = "convert desk"
DEFAULT_SPREAD = Decimal("0.001")  # 0.1 % off the executable price, against the user
DEFAULT_TTL_MS = 10_000  # OKX demo's quotes live 10 s
BOOK_LEVELS = 400  # how deep a quote looks into the book before falling back on the reference price
_TRADING = LedgerAccountKind.TRADING


class ConvertService:
    def __init__(
        self,
        core: ExchangeCore,
        store: ConvertStore,
        users: SystemUsers,
        bus: CommandBus,
        clock: Clock,
        catalogue: Catalogue,
        prices: ReferencePrices,
        accounts: LedgerAccounts,
        *,
        spread: Decimal = DEFAULT_SPREAD,
        ttl_ms: int = DEFAULT_TTL_MS,
    ) -> None:
        self._core = core
        self._store = store
        self._users = users
        self._bus = bus
        self._clock = clock
        self._catalogue = catalogue
        self._prices = prices
        self._accounts = accounts
        self._spread = spread
        self._ttl_ms = ttl_ms
        self._quotes = QuoteBook()
        self._next_no: int | None = None
        self._desk_user: int | None = None
        self._pending_clients: set[tuple[Environment, int, str]] = set()  # trades in flight

    # --- reads -----------------------------------------------------------------------------------
    def currencies(self) -> list[str]:
        return pricing.currencies(self._catalogue)

    def currency_pair(self, from_ccy: str, to_ccy: str) -> PairView | Rejected:
        pair = self._pair(from_ccy, to_ccy)
        if isinstance(pair, Rejected):
            return pair
        inst = pair.inst
        limits = self._limits(pair)
        return PairView(
            inst.inst_id,
            inst.base_ccy,
            limits.base_min,
            limits.base_max,
            inst.quote_ccy,
            limits.quote_min,
            limits.quote_max,
        )

    def history(self, who: Converter, query: HistoryQuery) -> list[TradeView]:
        """Committed trades, newest first (blocking: call from a worker thread)."""
        rows = self._store.convert_trades(who.environment, who.user_id, query)
        return [trade_view(r) for r in rows]

    # --- quotes ----------------------------------------------------------------------------------
    async def estimate_quote(self, who: Converter, request: QuoteRequest) -> QuoteView | Rejected:
        pair = self._pair(request.base_ccy, request.quote_ccy)
        if isinstance(pair, Rejected):
            return pair
        refused = self._check_size(pair, request.rfq_sz, request.rfq_sz_ccy)
        if refused is not None:
            return refused
        buys_base = pair.buys_inst_base(request.side)
        px = self._price(who.environment, pair, buys_base, request.rfq_sz, request.rfq_sz_ccy)
        if px is None:
            return Rejected(Reason.CONVERT_NO_PRICE)
        firm = pricing.firm_px(pair.inst, px, self._spread, buys_base)
        done = pricing.amounts(
            pair, firm, buys_base, request.rfq_sz, request.rfq_sz_ccy, self._decimals(pair)
        )
        if not (done.base_sz > 0 and done.quote_sz > 0):
            return Rejected(Reason.CONVERT_AMOUNT_INVALID)
        now = self._clock.now_ms()
        quote = Quote(await self._number(), who, pair, request, done, now, now + self._ttl_ms)
        self._quotes.add(quote, now)
        return _quote_view(quote)

    # --- trades ----------------------------------------------------------------------------------
    async def trade(self, who: Converter, request: TradeRequest) -> TradeView | Rejected:
        client = (who.environment, who.user_id, request.cl_t_req_id)
        if request.cl_t_req_id:
            if client in self._pending_clients:
                return Rejected(Reason.CONVERT_CLIENT_ID_EXISTS)
            self._pending_clients.add(client)  # before any await: a concurrent twin sees it
        try:
            return await self._trade(who, request)
        finally:
            self._pending_clients.discard(client)

    async def _trade(self, who: Converter, request: TradeRequest) -> TradeView | Rejected:
        if request.cl_t_req_id:
            args = (who.environment, who.user_id, request.cl_t_req_id)
            if await asyncio.to_thread(self._store.convert_trade_by_client, *args) is not None:
                return Rejected(Reason.CONVERT_CLIENT_ID_EXISTS)
        quote = self._quotes.find(who, request.quote_id)
        if quote is None:
            return Rejected(Reason.CONVERT_NO_QUOTE)
        refused = check_trade(quote, request, self._clock.now_ms())
        if refused is None:
            refused = self._check_size(quote.pair, request.sz, request.sz_ccy)
        if refused is not None:
            return refused
        px, buys_base = quote.amounts.px, quote.amounts.buys_base
        done = pricing.amounts(
            quote.pair, px, buys_base, request.sz, request.sz_ccy, self._decimals(quote.pair)
        )
        quote.traded = True  # before the next await: a second trade of this quote sees it
        outcome = await self._settle(who, quote, request, done)
        if isinstance(outcome, Rejected):
            quote.traded = False  # nothing moved: the quote may still be used until it expires
            return outcome
        return trade_view(outcome)

    async def _settle(
        self, who: Converter, quote: Quote, request: TradeRequest, done: pricing.Amounts
    ) -> ConvertTradeRecord | Rejected:
        inst = quote.pair.inst
        pay_ccy, get_ccy = (
            (inst.quote_ccy, inst.base_ccy) if done.buys_base else (inst.base_ccy, inst.quote_ccy)
        )
        pay, get = (done.quote_sz, done.base_sz) if done.buys_base else (done.base_sz, done.quote_sz)
        pay_units, get_units = to_amount(pay), to_amount(get)
        if not pay_units or not get_units:
            return Rejected(Reason.CONVERT_AMOUNT_INVALID)
        px, base_sz, quote_sz = done.request_terms(quote.pair)
        command = ConvertTrade(
            who.environment,
            who.user_id,
            await asyncio.to_thread(self._accounts.ensure, who.user_id, who.environment, _TRADING),
            await self._desk_account(who.environment),
            quote.no,
            pay_ccy,
            pay_units,
            get_ccy,
            get_units,
            inst.inst_id,
            request.base_ccy,
            request.quote_ccy,
            request.side,
            px,
            base_sz,
            quote_sz,
            request.cl_t_req_id,
            request.tag,
        )
        try:
            outcome = await self._bus.submit(command)
        except CommandError:
            return Rejected(Reason.SYSTEM_ERROR)
        assert isinstance(outcome, ConvertTradeRecord | Rejected)
        return outcome

    # --- internals -------------------------------------------------------------------------------
    def _pair(self, base_ccy: str, quote_ccy: str) -> pricing.Pair | Rejected:
        known = pricing.currencies(self._catalogue)
        if base_ccy not in known:
            return Rejected(Reason.CONVERT_BASE_INVALID)
        pair = pricing.find_pair(self._catalogue, base_ccy, quote_ccy) if quote_ccy != base_ccy else None
        return Rejected(Reason.CONVERT_QUOTE_INVALID) if pair is None else pair

    def _decimals(self, pair: pricing.Pair) -> tuple[int, int]:
        return self._unit_decimals(pair.inst.base_ccy), self._unit_decimals(pair.inst.quote_ccy)

    def _unit_decimals(self, ccy: str) -> int:
        currency = self._catalogue.currency(ccy)
        decimals = DEFAULT_UNIT_DECIMALS if currency is None else currency.unit_decimals
        return min(decimals, AMOUNT_DECIMALS)

    def _limits(self, pair: pricing.Pair) -> pricing.Limits:
        return pricing.limits_of(pair.inst, self._unit_decimals(pair.inst.quote_ccy))

    def _check_size(self, pair: pricing.Pair, sz: Decimal, sz_ccy: str) -> Rejected | None:
        low, high = self._limits(pair).of(pair.inst, sz_ccy)
        if sz < low:
            return Rejected(Reason.CONVERT_BELOW_MIN)
        if sz > high:
            return Rejected(Reason.CONVERT_ABOVE_MAX)
        return None

    def _price(
        self, environment: Environment, pair: pricing.Pair, buys_base: bool, sz: Decimal, sz_ccy: str
    ) -> Decimal | None:
        """What a taker would pay (buying base) or get (selling) on average for `sz` in the live book;
        the reference price when the book is too thin; None when the instrument cannot be priced."""
        reference = self._prices.reference_px(pair.inst_id)
        if reference is None:
            return None
        levels = self._levels(environment, pair, Side.BUY if buys_base else Side.SELL)
        in_base = sz_ccy == pair.inst.base_ccy
        found = pricing.executable_px(levels, sz, in_base)
        return reference if found is None else found

    def _levels(
        self, environment: Environment, pair: pricing.Pair, side: Side
    ) -> list[tuple[Decimal, Decimal]]:
        """The book side a `side` taker hits (asks for a buy), best first, as (price, size)."""
        if not self._core.loaded:
            return []
        engine = self._core.exchange(environment).engine(pair.inst_id)
        if engine is None:
            return []
        bids, asks = engine.depth(BOOK_LEVELS)
        inst = pair.inst
        return [(lv.px * inst.tick_sz, lv.lots * inst.lot_sz) for lv in (asks if side is Side.BUY else bids)]

    async def _number(self) -> int:
        """Quote numbers (a trade takes its quote's): above every trade stored, never reused."""
        if self._next_no is None:
            stored = await asyncio.to_thread(self._store.max_convert_no)
            if self._next_no is None:  # a concurrent first quote may have started counting meanwhile
                self._next_no = max(stored + 1, FIRST_NO)
        no, self._next_no = self._next_no, self._next_no + 1
        return no

    async def _desk_account(self, environment: Environment) -> int:
        """The desk's trading account: a system user's, created on first use (off the event loop)."""
        if self._desk_user is None:
            self._desk_user = await asyncio.to_thread(
                self._users.system_user, DESK_ROLE, self._clock.now_ms()
            )
        return await asyncio.to_thread(self._accounts.ensure, self._desk_user, environment, _TRADING)

    def reset(self) -> None:
        """The database was wiped or restored: forget quotes, numbers and the desk's id."""
        self._quotes = QuoteBook()
        self._next_no = None
        self._desk_user = None


FIRST_NO = 1_000_000_000_000  # quoteIds "quoter1000000000000", tradeIds "trader1000000000000"


def _quote_view(quote: Quote) -> QuoteView:
    px, base_sz, quote_sz = quote.amounts.request_terms(quote.pair)
    request = quote.request
    return QuoteView(
        quote_id_of(quote.no),
        request.cl_q_req_id,
        quote.created_ms,
        quote.expires_ms - quote.created_ms,
        request.base_ccy,
        request.quote_ccy,
        request.side,
        request.rfq_sz,
        request.rfq_sz_ccy,
        px,
        base_sz,
        quote_sz,
    )
