"""The convert service on the in-memory exchange: firm quotes (book, reference, spread, TTL on the
sandbox clock), trades settled through the bus, and every refusal (nothing moves on a refusal)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import Side
from sandex.services.convert.ports import HistoryQuery
from sandex.services.convert.service import ConvertService
from sandex.services.convert.views import Converter, QuoteRequest, QuoteView, TradeRequest, TradeView
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.testing.clock import ManualClock

D = Decimal
pytestmark = pytest.mark.usefixtures("funded")
_TRADING = LedgerAccountKind.TRADING
BUY_1_BTC = QuoteRequest("BTC", "USDT", Side.BUY, D(1), "BTC")


def quoted(answer: QuoteView | Rejected) -> QuoteView:
    assert isinstance(answer, QuoteView), answer
    return answer


def traded(answer: TradeView | Rejected) -> TradeView:
    assert isinstance(answer, TradeView), answer
    return answer


def order_for(quote: QuoteView, **change: Any) -> TradeRequest:
    request = TradeRequest(
        quote.quote_id, quote.base_ccy, quote.quote_ccy, quote.side, quote.rfq_sz, quote.rfq_sz_ccy
    )
    return replace(request, **change)


def available(core: ExchangeCore, who: Converter | Trader, ccy: str, ledger_accounts: Any) -> Decimal:
    account = ledger_accounts.find(who.user_id, who.environment, _TRADING)
    units = 0 if account is None else core.exchange(who.environment).ledger.available(account, ccy)
    return D(units).scaleb(-18)


async def test_a_quote_is_priced_off_the_book_with_the_spread(
    convert: ConvertService, trading: TradingService, ann: Converter, bob: Trader, req: Any
) -> None:
    assert quoted(await convert.estimate_quote(ann, BUY_1_BTC)).cnvt_px == D("100.1")  # reference 100
    await trading.place(bob, [req.limit("BTC-USDT", "sell", "90", "2")])
    quote = quoted(await convert.estimate_quote(ann, BUY_1_BTC))
    assert (quote.cnvt_px, quote.base_sz, quote.quote_sz) == (D("90.09"), D(1), D("90.09"))
    selling = quoted(await convert.estimate_quote(ann, replace(BUY_1_BTC, side=Side.SELL)))
    assert selling.cnvt_px == D("99.9")  # no bids: the reference, less the spread


async def test_a_trade_moves_exactly_the_quoted_amounts_and_keeps_the_ledger_whole(
    convert: ConvertService,
    core: ExchangeCore,
    ann: Converter,
    desk: Converter,
    ledger_accounts: Any,
    convert_store: Any,
) -> None:
    quote = quoted(await convert.estimate_quote(ann, QuoteRequest("USDT", "BTC", Side.SELL, D(250), "USDT")))
    assert (quote.cnvt_px, quote.quote_sz) == (
        D("0.00999000999001"),
        D("2.49750249"),
    )  # 250 / 100.1, rounded down
    done = traded(await convert.trade(ann, order_for(quote, cl_t_req_id="t1")))
    assert (done.inst_id, done.base_sz, done.quote_sz, done.cl_t_req_id) == (
        "BTC-USDT",
        D(250),
        quote.quote_sz,
        "t1",
    )
    assert available(core, ann, "USDT", ledger_accounts) == 750
    assert available(core, ann, "BTC", ledger_accounts) == quote.quote_sz
    assert available(core, desk, "USDT", ledger_accounts) == 250
    assert available(core, desk, "BTC", ledger_accounts) == 0  # it was credited exactly what it paid
    ledger = core.exchange(ann.environment).ledger
    assert all(ledger.total(ccy) == ledger.net_external(ccy) for ccy in ("USDT", "BTC"))
    assert [t.trade_id for t in convert.history(ann, HistoryQuery())] == [done.trade_id]
    assert convert_store.rows[0].trade_no == int(done.trade_id.removeprefix("trader"))


async def test_the_desk_pays_from_what_it_holds_before_it_is_topped_up(
    convert: ConvertService, core: ExchangeCore, ann: Converter, desk: Converter, ledger_accounts: Any
) -> None:
    into_btc = quoted(
        await convert.estimate_quote(ann, QuoteRequest("BTC", "USDT", Side.BUY, D(100), "USDT"))
    )
    traded(await convert.trade(ann, order_for(into_btc)))
    back = quoted(
        await convert.estimate_quote(ann, QuoteRequest("BTC", "USDT", Side.SELL, into_btc.base_sz, "BTC"))
    )
    traded(await convert.trade(ann, order_for(back)))
    assert available(core, desk, "USDT", ledger_accounts) == 100 - back.quote_sz  # no new USDT minted
    assert available(core, ann, "USDT", ledger_accounts) == 900 + back.quote_sz < 1000  # the spread, twice


async def test_a_quote_lives_ttl_ms_on_the_sandbox_clock(
    convert: ConvertService, ann: Converter, clock: ManualClock
) -> None:
    late = quoted(await convert.estimate_quote(ann, BUY_1_BTC))
    in_time = quoted(await convert.estimate_quote(ann, BUY_1_BTC))
    assert late.ttl_ms == 10_000 and late.quote_time == clock.now_ms()
    clock.advance(ms=9_999)
    traded(await convert.trade(ann, order_for(in_time)))
    clock.advance(ms=1)
    assert await convert.trade(ann, order_for(late)) == Rejected(Reason.CONVERT_QUOTE_EXPIRED)


async def test_every_refusal_has_its_code_and_moves_nothing(
    convert: ConvertService, core: ExchangeCore, ann: Converter, ledger_accounts: Any, prices: Any
) -> None:
    quote = quoted(await convert.estimate_quote(ann, QuoteRequest("BTC", "USDT", Side.BUY, D(100), "USDT")))
    for change, reason, params in (
        ({"quote_id": "quoter1"}, Reason.CONVERT_NO_QUOTE, {}),
        ({"base_ccy": "ETH"}, Reason.CONVERT_QUOTE_MISMATCH, {"param": "baseCcy"}),
        ({"side": Side.SELL}, Reason.CONVERT_QUOTE_MISMATCH, {"param": "side"}),
        ({"sz_ccy": "BTC", "sz": D(1)}, Reason.CONVERT_QUOTE_MISMATCH, {"param": "szCcy"}),
        ({"sz": D("100.01")}, Reason.CONVERT_ABOVE_QUOTE, {}),
        ({"sz": D("0.5")}, Reason.CONVERT_BELOW_MIN, {}),  # quote minimum: 0.01 BTC at 100 = 1 USDT
    ):
        assert await convert.trade(ann, order_for(quote, **change)) == Rejected(reason, params), change
    too_big = quoted(
        await convert.estimate_quote(ann, QuoteRequest("BTC", "USDT", Side.BUY, D(1001), "USDT"))
    )
    assert await convert.trade(ann, order_for(too_big)) == Rejected(Reason.CONVERT_INSUFFICIENT)
    assert available(core, ann, "USDT", ledger_accounts) == 1000  # nothing moved
    traded(await convert.trade(ann, order_for(quote, cl_t_req_id="once")))
    assert await convert.trade(ann, order_for(quote)) == Rejected(Reason.CONVERT_QUOTE_TRADED)
    again = quoted(await convert.estimate_quote(ann, QuoteRequest("BTC", "USDT", Side.BUY, D(10), "USDT")))
    assert await convert.trade(ann, order_for(again, cl_t_req_id="once")) == Rejected(
        Reason.CONVERT_CLIENT_ID_EXISTS
    )
    prices.px["BTC-USDT"] = None
    assert await convert.estimate_quote(ann, BUY_1_BTC) == Rejected(Reason.CONVERT_NO_PRICE)
    for request, reason in (
        (replace(BUY_1_BTC, rfq_sz=D("0.001")), Reason.CONVERT_BELOW_MIN),
        (replace(BUY_1_BTC, rfq_sz=D(10**7)), Reason.CONVERT_ABOVE_MAX),
        (replace(BUY_1_BTC, base_ccy="DOGE"), Reason.CONVERT_BASE_INVALID),
        (replace(BUY_1_BTC, quote_ccy="ETH"), Reason.CONVERT_QUOTE_INVALID),
    ):
        assert await convert.estimate_quote(ann, request) == Rejected(reason), request


async def test_a_refused_trade_gives_the_quote_back(
    convert: ConvertService, trading: TradingService, ann: Converter, core: ExchangeCore, ledger_accounts: Any
) -> None:
    quote = quoted(await convert.estimate_quote(ann, QuoteRequest("BTC", "USDT", Side.BUY, D(1500), "USDT")))
    assert await convert.trade(ann, order_for(quote)) == Rejected(Reason.CONVERT_INSUFFICIENT)
    await trading.deposit(ann.user_id, ann.environment, "USDT", D(500))
    traded(await convert.trade(ann, order_for(quote)))
    assert available(core, ann, "USDT", ledger_accounts) == 0


async def test_quotes_are_their_owners_and_answer_to_their_client_id(
    convert: ConvertService, ann: Converter, bob: Trader
) -> None:
    quote = quoted(
        await convert.estimate_quote(
            ann, replace(BUY_1_BTC, rfq_sz=D(2), rfq_sz_ccy="USDT", cl_q_req_id="c1")
        )
    )
    ben = Converter(bob.user_id, bob.environment)
    assert await convert.trade(ben, order_for(quote)) == Rejected(Reason.CONVERT_NO_QUOTE)
    traded(await convert.trade(ann, order_for(quote, quote_id="c1")))  # ccxt trades with the clQReqId


async def test_quote_numbers_continue_above_the_stored_trades(
    convert: ConvertService, convert_store: Any, ann: Converter
) -> None:
    traded(await convert.trade(ann, order_for(quoted(await convert.estimate_quote(ann, BUY_1_BTC)))))
    convert.reset()  # as after a restore: numbers are read from storage again
    fresh = quoted(await convert.estimate_quote(ann, BUY_1_BTC))
    assert int(fresh.quote_id.removeprefix("quoter")) == convert_store.max_convert_no() + 1
    assert await convert.trade(ann, order_for(fresh, quote_id="quoter1")) == Rejected(Reason.CONVERT_NO_QUOTE)
