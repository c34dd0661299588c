"""The trading account as a user reads it: balances, bills, fee rates, how much an order can be."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.ledger.postings import PostingReason
from sandex.services.exchange.commands import DepositView, OrderAck
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.store import ExchangeStore
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import FeeView, MaxAvailView, MaxSizeView, Trader

D = Decimal


def ok(answer: list[OrderAck] | Rejected) -> list[OrderAck]:
    assert isinstance(answer, list) and all(a.ok for a in answer), answer
    return answer


async def test_balances_value_each_currency_in_usd_and_skip_empty_ones(
    trading: TradingService, alice: Trader, req
) -> None:
    await trading.deposit(alice.user_id, alice.environment, "BTC", D("1.5"))
    await trading.deposit(alice.user_id, alice.environment, "USDT", D(50))
    ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "200", "0.5")]))
    view = trading.balances(alice)
    btc, usdt = view.details
    assert (btc.ccy, btc.available, btc.frozen, btc.total, btc.eq_usd) == (
        "BTC",
        D(1),
        D("0.5"),
        D("1.5"),
        D(150),
    )
    assert (usdt.ccy, usdt.total, usdt.eq_usd) == ("USDT", D(50), D(50))
    assert view.total_eq == D(200)
    assert [b.ccy for b in trading.balances(alice, ["USDT"]).details] == ["USDT"]


async def test_a_user_without_an_account_sees_no_balances_orders_or_bills(
    trading: TradingService, alice: Trader, store: ExchangeStore
) -> None:
    assert trading.balances(alice).details == [] and trading.balances(alice).total_eq == 0
    assert trading.pending_orders(alice) == [] and trading.bills(alice) == [] and trading.fills(alice) == []
    assert (
        store.find_account(alice.user_id, alice.environment, LedgerAccountKind.TRADING) is None
    )  # reads create none


async def test_deposits_refuse_unknown_currencies_amounts_below_the_unit_and_fee_accounts(
    trading: TradingService, alice: Trader
) -> None:
    env = alice.environment
    assert await trading.deposit(alice.user_id, env, "NOPE", D(1)) == Rejected.of(
        Reason.CURRENCY_NOT_FOUND, field="ccy"
    )
    assert await trading.deposit(alice.user_id, env, "USDT", D("0.0000001")) == Rejected.of(
        Reason.PARAM_ERROR, field="amt"
    )  # USDT's chains take 6 decimals
    assert await trading.deposit(alice.user_id, env, "USDT", D(0)) == Rejected.of(
        Reason.PARAM_ERROR, field="amt"
    )
    assert await trading.deposit(alice.user_id, env, "USDT", D(1), LedgerAccountKind.FEE) == Rejected.of(
        Reason.PARAM_ERROR, field="to"
    )
    assert trading.balances(alice).details == []


async def test_a_deposit_to_the_funding_account_shows_there_and_not_in_trading(
    trading: TradingService, alice: Trader
) -> None:
    done = await trading.deposit(alice.user_id, alice.environment, "USDT", D(7), LedgerAccountKind.FUNDING)
    assert isinstance(done, DepositView) and done.account is LedgerAccountKind.FUNDING
    assert trading.balances(alice).details == []
    [funding] = trading.balances(alice, kind=LedgerAccountKind.FUNDING).details
    assert (funding.ccy, funding.available) == ("USDT", D(7))


async def test_bills_list_deposits_trades_and_fees_but_not_order_freezes(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    await trading.deposit(alice.user_id, alice.environment, "BTC", D(2))
    await trading.deposit(bob.user_id, bob.environment, "USDT", D(1000))
    [sell] = ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "100", "1")]))
    ok(await trading.place(bob, [req.limit("BTC-USDT", "buy", "100", "1")]))
    bills = trading.bills(alice)[::-1]  # oldest first
    assert [(b.reason, b.ccy, b.bal_chg, b.bal) for b in bills] == [
        (PostingReason.DEPOSIT, "BTC", D(2), D(2)),
        (PostingReason.TRADE, "BTC", D(-1), D(1)),
        (PostingReason.TRADE, "USDT", D(100), D(100)),
        (PostingReason.FEE, "USDT", D("-0.08"), D("99.92")),
    ]
    fee = bills[-1]
    assert (fee.fee, fee.ord_id, fee.inst_id) == (D("-0.08"), sell.ord_id, "BTC-USDT")
    assert fee.trade_id == bills[1].trade_id != ""
    assert [b.reason for b in trading.bills(alice, reasons=[PostingReason.FEE])] == [PostingReason.FEE]
    assert [b.ccy for b in trading.bills(alice, ccy="BTC")] == ["BTC", "BTC"]
    assert trading.bills(alice, after=bills[1].bill_id) == [bills[0]]


async def test_the_trade_fee_is_the_default_tier_until_the_operator_sets_one(
    trading: TradingService, alice: Trader
) -> None:
    default = trading.trade_fee(alice, "BTC-USDT")
    assert isinstance(default, FeeView) and (default.maker, default.taker, default.level) == (
        D("-0.0008"),
        D("-0.001"),
        "Lv1",
    )
    assert await trading.set_fee_tier(alice.user_id, D("0.0002"), None, "VIP2") == FeeTier(
        D("0.0002"), D("0.001"), "VIP2"
    )
    vip = trading.trade_fee(alice, "ETH-USDT")
    assert isinstance(vip, FeeView) and (vip.maker, vip.level) == (D("-0.0002"), "VIP2")
    assert await trading.set_fee_tier(alice.user_id, None, None) == FeeTier()
    assert trading.trade_fee(alice, "NOPE-USDT") == Rejected(Reason.INSTRUMENT_NOT_FOUND)


async def test_a_fee_tier_with_a_rate_out_of_range_is_refused(trading: TradingService, alice: Trader) -> None:
    assert await trading.set_fee_tier(alice.user_id, D(-1), None) == Rejected.of(
        Reason.PARAM_ERROR, field="maker"
    )
    assert await trading.set_fee_tier(alice.user_id, None, D(1)) == Rejected.of(
        Reason.PARAM_ERROR, field="taker"
    )
    assert await trading.set_fee_tier(alice.user_id, None, None, " ") == Rejected.of(
        Reason.PARAM_ERROR, field="level"
    )


async def test_max_avail_size_is_the_quote_for_buys_and_the_base_for_sells(
    trading: TradingService, alice: Trader, req
) -> None:
    await trading.deposit(alice.user_id, alice.environment, "BTC", D(3))
    await trading.deposit(alice.user_id, alice.environment, "USDT", D(250))
    ok(await trading.place(alice, [req.limit("BTC-USDT", "sell", "200", "1")]))
    assert trading.max_avail_size(alice, "BTC-USDT") == MaxAvailView("BTC-USDT", D(250), D(2))
    assert trading.max_avail_size(alice, "ETH-USDT") == MaxAvailView("ETH-USDT", D(250), D(0))


async def test_max_size_buys_at_the_best_ask_else_the_reference_price_rounded_down_to_the_lot(
    trading: TradingService, alice: Trader, bob: Trader, req
) -> None:
    await trading.deposit(alice.user_id, alice.environment, "USDT", D(250))
    assert trading.max_size(alice, "BTC-USDT") == MaxSizeView("BTC-USDT", "BTC", D("2.5"), D(0))  # ref 100
    await trading.deposit(bob.user_id, bob.environment, "BTC", D(1))
    ok(await trading.place(bob, [req.limit("BTC-USDT", "sell", "300", "1")]))
    assert trading.max_size(alice, "BTC-USDT") == MaxSizeView("BTC-USDT", "BTC", D("0.83"), D(0))  # 250/300
    assert trading.max_size(alice, "BTC-USDT", D(1000)) == MaxSizeView("BTC-USDT", "BTC", D("0.25"), D(0))
    assert trading.max_size(alice, "BTC-USDT", D(0)) == Rejected.of(Reason.PARAM_ERROR, field="px")


async def test_a_failed_commit_answers_a_system_error_and_changes_nothing(
    trading: TradingService, alice: Trader, req, store: ExchangeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await trading.deposit(alice.user_id, alice.environment, "BTC", D(1))

    def gone(*_: object) -> None:
        raise OSError("the database went away")

    monkeypatch.setattr(store, "write", gone)
    assert await trading.place(alice, [req.limit("BTC-USDT", "sell", "200", "1")]) == Rejected(
        Reason.SYSTEM_ERROR
    )
    assert await trading.deposit(alice.user_id, alice.environment, "BTC", D(1)) == Rejected(
        Reason.SYSTEM_ERROR
    )
    monkeypatch.undo()
    assert trading.pending_orders(alice) == []
    [btc] = trading.balances(alice).details
    assert (btc.available, btc.frozen) == (D(1), 0)
    assert isinstance(await trading.place(alice, [req.limit("BTC-USDT", "sell", "200", "1")]), list)
