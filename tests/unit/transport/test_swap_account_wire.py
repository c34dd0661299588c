"""Account settings, leverage and Futures-mode balance fields in OKX's words."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.services.exchange.swap_commands import LeverageSet, MarginAdjusted
from sandex.services.exchange.swap_records import AccountSettingsRecord, LeverageRecord, MarginSummary
from sandex.services.trading.views import AccountBalanceView, CurrencyBalance
from sandex.transport.okx.swap_account_wire import (
    futures_balance_wire,
    futures_detail,
    leverage_set_wire,
    leverage_wire,
    margin_adjusted_wire,
    settings_wire,
)

D = Decimal


def test_settings_fields_of_account_config() -> None:
    settings = AccountSettingsRecord(Environment.LIVE, 1, AcctLv.FUTURES, PosMode.LONG_SHORT, 0)
    assert settings_wire(settings) == {
        "acctLv": "2",
        "posMode": "long_short_mode",
        "ctIsoMode": "automatic",
        "mgnIsoMode": "automatic",
    }


def test_leverage_rows_and_acks() -> None:
    row = LeverageRecord(
        Environment.LIVE, 1, "BTC-USDT-SWAP", MgnMode.ISOLATED, PosSide.LONG, Decimal("12.5")
    )
    assert leverage_wire(row) == {
        "instId": "BTC-USDT-SWAP",
        "ccy": "",
        "mgnMode": "isolated",
        "posSide": "long",
        "lever": "12.5",
    }
    ack = leverage_set_wire(LeverageSet("BTC-USDT-SWAP", MgnMode.CROSS, PosSide.NET, Decimal(5)))
    assert ack == {"lever": "5", "mgnMode": "cross", "instId": "BTC-USDT-SWAP", "posSide": "net"}


def test_margin_adjustment_ack() -> None:
    result = MarginAdjusted("BTC-USDT-SWAP", PosSide.NET, False, Decimal("1.5"), Decimal("10.92"), "USDT")
    assert margin_adjusted_wire(result) == {
        "instId": "BTC-USDT-SWAP",
        "posSide": "net",
        "amt": "1.5",
        "type": "reduce",
        "leverage": "10.92",
        "ccy": "USDT",
    }


ROW = CurrencyBalance(
    "USDT", Decimal("94.4261"), Decimal("5.4686"), Decimal("99.8947"), Decimal("99.8947"), 5
)


def test_futures_detail_with_an_isolated_position() -> None:
    """The Futures-mode fixture of derivatives-research §2.2: one isolated position, eq = cashBal
    + isoEq, availEq = availBal = cashBal, frozenBal = isoEq (margin + isoUpl)."""
    summary = MarginSummary(
        ccy="USDT",
        cash_bal=Decimal("94.4261"),
        eq=Decimal("99.8947"),
        iso_eq=Decimal("5.4686"),
        avail_eq=Decimal("94.4261"),
        avail_bal=Decimal("94.4261"),
        frozen_bal=Decimal("5.4686"),
        ord_frozen=Decimal(0),
        upl=Decimal("-0.0273"),
        iso_upl=Decimal("-0.0273"),
        imr=Decimal(0),
        mmr=Decimal("0.0219"),
        mgn_ratio=None,
        notional_lever=Decimal("0.5"),
        notional_usd=Decimal("54.96"),
    )
    wire = futures_detail(ROW, summary)
    assert {k: wire[k] for k in ("eq", "cashBal", "isoEq", "availEq", "availBal", "frozenBal", "isoUpl")} == {
        "eq": "99.8947",
        "cashBal": "94.4261",
        "isoEq": "5.4686",
        "availEq": "94.4261",
        "availBal": "94.4261",
        "frozenBal": "5.4686",
        "isoUpl": "-0.0273",
    }
    assert (wire["upl"], wire["mmr"], wire["mgnRatio"], wire["notionalLever"], wire["ordFrozen"]) == (
        "-0.0273",
        "0.0219",
        "",
        "0.5",
        "0",
    )


def test_futures_detail_of_a_currency_without_swaps() -> None:
    wire = futures_detail(ROW, None)
    assert (wire["availEq"], wire["upl"], wire["isoEq"], wire["imr"], wire["mgnRatio"]) == (
        "94.4261",
        "0",
        "0",
        "0",
        "",
    )


def test_total_equity_counts_margin_and_upl_held_in_positions() -> None:
    """The ledger row holds 94.4261 USDT (at 1 USD); equity 99.8947 adds the isolated position's
    margin and upl; a currency held only in positions still shows."""
    summary = MarginSummary(
        "USDT", D("94.4261"), D("99.8947"), D("5.4686"), D("94.4261"), D("94.4261"), D("5.4686"),
        D(0), D("-0.0273"), D("-0.0273"), D(0), D("0.0219"), None, D("0.5"), D("54.96"),
    )  # fmt: skip
    row = CurrencyBalance("USDT", D("94.4261"), D(0), D("94.4261"), D("94.4261"), 5)
    only_held = MarginSummary(
        "USDC", D(0), D(7), D(7), D(0), D(0), D(7), D(0), D(0), D(0), D(0), D(0), None, D(0), D(0)
    )
    wire = futures_balance_wire(
        AccountBalanceView(D("94.4261"), 5, [row]), {"USDT": summary, "USDC": only_held}
    )
    assert wire["totalEq"] == "99.8947"
    assert [(d["ccy"], d["eq"], d["isoEq"]) for d in wire["details"]] == [
        ("USDT", "99.8947", "5.4686"),
        ("USDC", "7", "7"),
    ]
