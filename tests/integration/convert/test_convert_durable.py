"""A convert on both backends through the real sequencer: acknowledged means committed (history row,
postings, balances), and a restarted process reads it back and numbers new quotes above it."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import Side
from sandex.process import Runtime
from sandex.services.convert.ports import HistoryQuery
from sandex.services.convert.views import Converter, QuoteRequest, QuoteView, TradeRequest, TradeView
from tests.support.apps import open_rig_runtime
from tests.support.exchange import assert_conserved, balance, fund, new_trader

D = Decimal


async def _convert(rt: Runtime, who: Converter, client_id: str) -> TradeView:
    ask = QuoteRequest("USDT", "BTC", Side.SELL, D(250), "USDT", cl_q_req_id="q1")
    quote = await rt.convert.estimate_quote(who, ask)
    assert isinstance(quote, QuoteView), quote
    order = TradeRequest(quote.quote_id, "USDT", "BTC", Side.SELL, D(250), "USDT", cl_t_req_id=client_id)
    done = await rt.convert.trade(who, order)
    assert isinstance(done, TradeView), done
    return done


async def test_a_convert_is_committed_and_survives_a_restart(
    tmp_path: Path, migrated_database_url: str
) -> None:
    rt = open_rig_runtime(tmp_path / "data", migrated_database_url)
    await rt.trading.sequencer.start()
    try:
        alice = new_trader(rt, "alice@example.com")
        await fund(rt, alice, "USDT", "1000")
        who = Converter(alice.user_id, Environment.LIVE)
        done = await _convert(rt, who, "t1")
        assert balance(rt, alice, "USDT") == (D(750), D(0))
        assert balance(rt, alice, "BTC") == (done.quote_sz, D(0))
        assert_conserved(rt)  # the desk was credited by a deposit: every currency still sums up
    finally:
        await rt.trading.sequencer.stop()
        rt.engine.dispose()
    again = open_rig_runtime(tmp_path / "data", migrated_database_url)
    await again.trading.sequencer.start()
    try:
        (row,) = again.convert.history(who, HistoryQuery())
        assert (row.trade_id, row.cl_t_req_id, row.base_sz, row.quote_sz) == (
            done.trade_id,
            "t1",
            D(250),
            done.quote_sz,
        )
        assert balance(again, alice, "BTC") == (done.quote_sz, D(0))
        nxt = await _convert(again, who, "t2")
        assert int(nxt.trade_id.removeprefix("trader")) > int(done.trade_id.removeprefix("trader"))
        quote = await again.convert.estimate_quote(who, QuoteRequest("USDT", "BTC", Side.SELL, D(10), "USDT"))
        assert isinstance(quote, QuoteView)
        dup = TradeRequest(quote.quote_id, "USDT", "BTC", Side.SELL, D(10), "USDT", cl_t_req_id="t1")
        refused = await again.convert.trade(who, dup)  # the clTReqId was read back from storage
        assert refused == Rejected(Reason.CONVERT_CLIENT_ID_EXISTS)
    finally:
        await again.trading.sequencer.stop()
        again.engine.dispose()


async def test_two_trades_of_one_quote_at_once_settle_once(
    tmp_path: Path, migrated_database_url: str
) -> None:
    rt = open_rig_runtime(tmp_path / "data", migrated_database_url)
    await rt.trading.sequencer.start()
    try:
        alice = new_trader(rt, "alice@example.com")
        await fund(rt, alice, "USDT", "1000")
        who = Converter(alice.user_id, Environment.LIVE)
        quote = await rt.convert.estimate_quote(who, QuoteRequest("BTC", "USDT", Side.BUY, D(100), "USDT"))
        assert isinstance(quote, QuoteView)
        order = TradeRequest(quote.quote_id, "BTC", "USDT", Side.BUY, D(100), "USDT")
        outcomes = await asyncio.gather(rt.convert.trade(who, order), rt.convert.trade(who, order))
        assert sorted(isinstance(o, TradeView) for o in outcomes) == [False, True]
        assert Rejected(Reason.CONVERT_QUOTE_TRADED) in outcomes
        assert balance(rt, alice, "USDT") == (D(900), D(0))
    finally:
        await rt.trading.sequencer.stop()
        rt.engine.dispose()
