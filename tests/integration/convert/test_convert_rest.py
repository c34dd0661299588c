"""Convert over signed REST on an app with no market maker: quotes priced off the live book (and the
reference price when it is thin), settlement that conserves every currency, bills, the demo/live
split, parameter refusals, a halted instrument, and OKX's 1-per-5-s budgets."""

from __future__ import annotations

import json
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.services.convert.ports import HistoryQuery
from sandex.storage.repositories.convert import SqlConvertStore
from tests.support.apps import Sandbox, sandbox
from tests.support.exchange import assert_conserved
from tests.support.rest import Trader, trader

D = Decimal
QUOTE, TRADE = "asset/convert/estimate-quote", "asset/convert/trade"


def buy_btc(sz: str, ccy: str = "BTC", **extra: str) -> dict[str, str]:
    return {"baseCcy": "BTC", "quoteCcy": "USDT", "side": "buy", "rfqSz": sz, "rfqSzCcy": ccy, **extra}


def trade_of(quote: dict[str, str], **extra: str) -> dict[str, str]:
    fields = ("quoteId", "baseCcy", "quoteCcy", "side")
    return {**{k: quote[k] for k in fields}, "sz": quote["rfqSz"], "szCcy": quote["rfqSzCcy"], **extra}


async def ok(who: Trader, path: str, body: dict[str, str]) -> dict[str, Any]:
    answer = await who.post(path, body)
    assert answer["code"] == "0", answer
    row: dict[str, Any] = answer["data"][0]
    return row


async def too_many(who: Trader, path: str, body: dict[str, str]) -> bool:
    response = await who.post_raw(path, json.dumps(body))
    return response.status_code == 429 and response.json() == {"msg": "Too Many Requests", "code": "50011"}


async def asks(box: Sandbox, *levels: tuple[str, str]) -> None:
    """bob rests these sells on BTC-USDT."""
    bob = trader(box, "bob@example.com")
    await bob.deposit("BTC", "10")
    for px, sz in levels:
        await bob.placed_id(side="sell", px=px, sz=sz)


async def test_a_quote_takes_the_book_it_would_hit_and_adds_the_spread(tmp_path: Path) -> None:
    async with sandbox(tmp_path, market=False) as box:
        alice = trader(box)
        await asks(box, ("100000", "0.5"), ("101000", "0.5"))
        quote = await ok(alice, QUOTE, buy_btc("0.75"))
        average = (D("0.5") * 100000 + D("0.25") * 101000) / D("0.75")
        assert D(quote["cnvtPx"]) == (average * D("1.001")).quantize(D("0.00001"), ROUND_CEILING)
        assert (quote["baseSz"], quote["rfqSz"], quote["side"], quote["ttlMs"]) == (
            "0.75",
            "0.75",
            "buy",
            "10000",
        )
        assert D(quote["quoteSz"]) == (D("0.75") * D(quote["cnvtPx"])).quantize(D("0.000001"), ROUND_CEILING)
        thin = await ok(alice, QUOTE, buy_btc("2"))  # more than the book holds: the reference price
        ref = box.runtime.market.board.index_px("BTC-USDT")
        assert ref is not None and D(thin["cnvtPx"]) == (ref * D("1.001")).quantize(
            D("0.00001"), ROUND_CEILING
        )


async def test_a_trade_swaps_exactly_the_quoted_amounts_and_conserves_every_currency(tmp_path: Path) -> None:
    async with sandbox(tmp_path, market=False) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        quote = await ok(
            alice, QUOTE, {**buy_btc("300", "USDT"), "baseCcy": "USDT", "quoteCcy": "BTC", "side": "sell"}
        )
        assert (quote["baseSz"], quote["rfqSzCcy"]) == ("300", "USDT")  # ccxt's reversed pair
        done = await ok(alice, TRADE, trade_of(quote, clTReqId="first"))
        assert (done["instId"], done["fillBaseSz"], done["fillQuoteSz"]) == (
            "BTC-USDT",
            "300",
            quote["quoteSz"],
        )
        assert (await alice.balance("USDT"))["availBal"] == "700"
        assert (await alice.balance("BTC"))["availBal"] == quote["quoteSz"]
        assert_conserved(box.runtime)  # the desk's payout came from a deposit: sums still hold
        bills = (await alice.get("account/bills", type="27"))["data"]
        assert {(b["ccy"], b["subType"], b["balChg"]) for b in bills} == {
            ("USDT", "319", "-300"),
            ("BTC", "318", quote["quoteSz"]),
        }
        stored = SqlConvertStore(box.runtime.sessions).convert_trades(
            Environment.LIVE, alice.user.id, HistoryQuery()
        )
        assert [r.cl_t_req_id for r in stored] == ["first"]  # committed before the answer


async def test_a_partial_trade_pays_in_proportion(tmp_path: Path) -> None:
    async with sandbox(tmp_path, market=False) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        quote = await ok(alice, QUOTE, buy_btc("500", "USDT"))
        done = await ok(alice, TRADE, {**trade_of(quote), "sz": "250"})
        assert done["fillQuoteSz"] == "250" and D(done["fillBaseSz"]) <= D(quote["baseSz"]) / 2
        assert (await alice.balance("USDT"))["availBal"] == "750"


async def test_demo_keys_convert_demo_balances(tmp_path: Path) -> None:
    async with sandbox(tmp_path, market=False) as box:
        live, demo = trader(box), trader(box, "dora@example.com", demo=True)
        await demo.deposit("USDT", "100")
        quote = await ok(demo, QUOTE, buy_btc("50", "USDT"))
        await ok(demo, TRADE, trade_of(quote))
        assert (await demo.balance("USDT"))["availBal"] == "50"
        assert (await live.post(TRADE, trade_of(quote)))["code"] == "52927"  # not the live user's quote
        assert (await live.get("asset/convert/history"))["data"] == []


async def test_bad_requests_are_refused_naming_the_field(tmp_path: Path) -> None:
    async with sandbox(tmp_path, market=False) as box:
        alice = trader(box)
        cases: list[tuple[dict[str, str], str, str]] = [
            ({**buy_btc("1"), "side": "up"}, "52904", "Invalid quote side"),
            ({**buy_btc("1"), "rfqSzCcy": "ETH"}, "51000", "Parameter rfqSzCcy error"),
            ({**buy_btc("-1")}, "51000", "Parameter rfqSz error"),
            ({**buy_btc("1", "USDT"), "baseCcy": "NOPE"}, "52901", "Invalid base asset"),
            ({**buy_btc("1"), "quoteCcy": "ETH"}, "52902", "Invalid quote asset"),
            ({**buy_btc("2000000")}, "52918", "RFQ quantity cannot be greater than the upper limit"),
            ({**buy_btc("1"), "clQReqId": "not-alnum"}, "51000", "Parameter clQReqId error"),
        ]
        for body, code, msg in cases:
            answer = await alice.post(QUOTE, body)
            assert (answer["code"], answer["msg"]) == (code, msg), body
        missing = await alice.post(TRADE, {"baseCcy": "BTC"})
        assert (missing["code"], missing["msg"]) == ("50014", "Parameter quoteId can not be empty.")


async def test_a_halted_instrument_cannot_be_quoted(tmp_path: Path) -> None:
    async with sandbox(tmp_path, market=False) as box:
        alice = trader(box)
        box.runtime.market.control.halt("BTC-USDT")
        response = await alice.post_raw(QUOTE, json.dumps(buy_btc("0.1")))
        assert response.status_code == 500 and response.json()["code"] == "52911"


async def test_one_trade_per_side_and_one_quote_per_instrument_every_5_seconds(tmp_path: Path) -> None:
    async with sandbox(tmp_path, market=False, rate_limits="okx") as box:
        box.runtime.clock.freeze()
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        await alice.deposit("XRP", "100")
        btc = await ok(alice, QUOTE, buy_btc("100", "USDT"))
        assert await too_many(alice, QUOTE, buy_btc("100", "USDT"))  # the same instrument
        eth = await ok(alice, QUOTE, {**buy_btc("100", "USDT"), "baseCcy": "ETH"})
        xrp = {"baseCcy": "XRP", "quoteCcy": "USDT", "side": "sell", "rfqSz": "10", "rfqSzCcy": "XRP"}
        sell = await ok(alice, QUOTE, xrp)
        await ok(alice, TRADE, trade_of(btc))
        assert await too_many(alice, TRADE, trade_of(eth))  # a second buy within 5 s
        await ok(alice, TRADE, trade_of(sell))  # the other side has its own budget
        box.runtime.clock.advance(ms=5_000)
        await ok(alice, TRADE, trade_of(eth))  # 5 s later (the quote lives 10 s)


async def test_history_pages_by_time_and_finds_a_trade_by_client_or_trade_id(tmp_path: Path) -> None:
    async with sandbox(tmp_path, market=False) as box:
        box.runtime.clock.freeze()
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        done: dict[str, dict[str, Any]] = {}
        for name, tag in (("a", ""), ("b", ""), ("c", ""), ("d", "desk7")):
            quote = await ok(alice, QUOTE, buy_btc("10", "USDT"))
            done[name] = await ok(alice, TRADE, trade_of(quote, clTReqId=name, tag=tag))
            box.runtime.clock.advance(ms=1_000)

        async def ids(**params: str) -> list[str]:
            answer = await alice.get("asset/convert/history", **params)
            assert answer["code"] == "0", answer
            return [row["clTReqId"] for row in answer["data"]]

        assert await ids() == ["c", "b", "a"]  # a tagged trade needs its tag
        assert await ids(tag="desk7") == ["d"]
        assert await ids(after=done["b"]["ts"]) == ["a"]
        assert await ids(before=done["a"]["ts"]) == ["c", "b"]
        assert await ids(before=done["a"]["ts"], limit="1") == ["b"]  # the nearest, newest first
        assert await ids(limit="1") == ["c"]
        assert await ids(clTReqId="b") == ["b"]
        assert await ids(clTReqId=done["a"]["tradeId"]) == ["a"]  # what ccxt's fetch_convert_trade sends
        (row,) = (await alice.get("asset/convert/history", clTReqId="a"))["data"]
        assert set(row) == {
            "tradeId", "clTReqId", "state", "instId", "baseCcy", "quoteCcy", "side", "fillPx",
            "fillBaseSz", "fillQuoteSz", "ts",
        }  # fmt: skip
