"""Account answers for swaps in OKX's words (trading_account.md): the settings part of
`account/config`, leverage rows and setting acks, margin adjustments, and the Futures-mode
currency fields of `account/balance` (and the WS `account` channel, which shows the same object).

In Futures mode (acctLv 2) OKX fills the per-currency margin fields (`isoEq`, `availEq`, `upl`,
`imr`, `mmr`, `mgnRatio`, `notionalLever`, `isoUpl`) and leaves the account-level ones that only
Multi-currency and Portfolio margin compute (`adjEq`, `imr`, `mmr`, `mgnRatio`, ...) `""`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sandex.domain.derivatives.contracts import AcctLv
from sandex.services.exchange.swap_commands import LeverageSet, MarginAdjusted
from sandex.services.exchange.swap_records import AccountSettingsRecord, LeverageRecord, MarginSummary
from sandex.services.trading.views import AccountBalanceView, CurrencyBalance
from sandex.transport.okx.account_wire import balance_detail, balance_wire
from sandex.transport.okx.trade_wire import num

ZERO = Decimal(0)
CT_ISO_MODE = "automatic"  # isolated margin moves with orders (OKX "Auto transfers")
MGN_ISO_MODE = "automatic"


def settings_wire(settings: AccountSettingsRecord) -> dict[str, Any]:
    """The `account/config` fields the account's settings decide."""
    return {
        "acctLv": settings.acct_lv.value,
        "posMode": settings.pos_mode.value,
        "ctIsoMode": CT_ISO_MODE,
        "mgnIsoMode": MGN_ISO_MODE,
    }


def is_futures_mode(settings: AccountSettingsRecord) -> bool:
    return settings.acct_lv is AcctLv.FUTURES


# --- leverage ------------------------------------------------------------------------------------
def leverage_wire(row: LeverageRecord) -> dict[str, Any]:
    """One `account/leverage-info` row."""
    return {
        "instId": row.inst_id,
        "ccy": "",
        "mgnMode": row.mgn_mode.value,
        "posSide": row.pos_side.value,
        "lever": num(row.lever),
    }


def leverage_set_wire(result: LeverageSet) -> dict[str, Any]:
    """`account/set-leverage` data[0]."""
    return {
        "lever": num(result.lever),
        "mgnMode": result.mgn_mode.value,
        "instId": result.inst_id,
        "posSide": result.pos_side.value,
    }


def margin_adjusted_wire(result: MarginAdjusted) -> dict[str, Any]:
    """`account/position/margin-balance` data[0]; `leverage` is the position's real one after it."""
    return {
        "instId": result.inst_id,
        "posSide": result.pos_side.value,
        "amt": num(result.amount),
        "type": "add" if result.add else "reduce",
        "leverage": num(result.lever),
        "ccy": result.ccy,
    }


# --- balance -------------------------------------------------------------------------------------
def futures_balance_wire(view: AccountBalanceView, margin: Mapping[str, MarginSummary]) -> dict[str, Any]:
    """`account/balance` data[0] of a Futures-mode account: the account-level margin fields stay
    "" (Multi-currency and Portfolio margin compute them), each currency has its own."""
    wire = balance_wire(view)
    shown = {row.ccy for row in view.details}
    held = [  # all of it in positions: no ledger balance left, still equity
        CurrencyBalance(ccy, ZERO, ZERO, ZERO, None, view.u_time)
        for ccy, summary in sorted(margin.items())
        if ccy not in shown and summary.eq != 0
    ]
    wire["details"] = [futures_detail(row, margin.get(row.ccy)) for row in [*view.details, *held]]
    wire["totalEq"] = num(
        view.total_eq + sum((_upl_usd(row, margin.get(row.ccy)) for row in view.details), ZERO)
    )
    return wire


def _upl_usd(row: CurrencyBalance, summary: MarginSummary | None) -> Decimal:
    """What a currency's equity adds beyond its ledger balance (positions' margin and upl), in USD."""
    if summary is None or row.eq_usd is None or not row.total:
        return ZERO
    return (summary.eq - row.total) * row.eq_usd / row.total


def futures_detail(row: CurrencyBalance, summary: MarginSummary | None) -> dict[str, Any]:
    """One `details` item of a Futures-mode account: the spot item with the margin fields of the
    currency (when positions or orders of swaps settle in it) or their neutral values."""
    wire = balance_detail(row)
    if summary is None:
        available = num(row.available)
        wire.update(availEq=available, isoEq="0", upl="0", isoUpl="0", imr="0", mmr="0", notionalLever="0")
        wire["mgnRatio"] = ""
        return wire
    wire.update(
        eq=num(summary.eq),
        cashBal=num(summary.cash_bal),
        isoEq=num(summary.iso_eq),
        availEq=num(summary.avail_eq),
        availBal=num(summary.avail_bal),
        frozenBal=num(summary.frozen_bal),
        ordFrozen=num(summary.ord_frozen),
        upl=num(summary.upl),
        isoUpl=num(summary.iso_upl),
        imr=num(summary.imr),
        mmr=num(summary.mmr),
        mgnRatio=num(summary.mgn_ratio),
        notionalLever=num(summary.notional_lever),
    )
    if row.eq_usd is not None and row.total:  # eq moves with upl: the same USD price of the ccy
        eq_usd = num(summary.eq * row.eq_usd / row.total)
        wire.update(eqUsd=eq_usd, disEq=eq_usd)
    return wire
