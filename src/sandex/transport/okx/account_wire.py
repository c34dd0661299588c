"""Trading-account answers in OKX's words: balance, bills, fee rates, maximum sizes (reference §4.3).

sandex accounts are in spot mode (`acctLv` 1): margin, loan and P&L fields do not apply and are
`""`, as OKX sends them for such accounts. In particular `availEq` is `""`, so clients read the
spot figures `availBal`/`frozenBal` (ccxt does exactly that).
"""

from __future__ import annotations

from typing import Any

from sandex.domain.ledger.postings import PostingReason
from sandex.services.trading.views import (
    AccountBalanceView,
    BillView,
    CurrencyBalance,
    FeeView,
    MaxAvailView,
    MaxSizeView,
)
from sandex.transport.okx.trade_wire import SPOT, currencies_of, ms, num

_EMPTY_TOP = (
    "adjEq",
    "availEq",
    "ordFroz",
    "imr",
    "mmr",
    "borrowFroz",
    "mgnRatio",
    "notionalUsd",
    "notionalUsdForBorrow",
    "notionalUsdForSwap",
    "notionalUsdForFutures",
    "notionalUsdForOption",
    "upl",
)


def balance_wire(view: AccountBalanceView) -> dict[str, Any]:
    """`account/balance` data[0]; `details` lists currencies with a balance, as OKX does."""
    top: dict[str, Any] = {"uTime": ms(view.u_time), "totalEq": num(view.total_eq), "isoEq": "0"}
    top.update(dict.fromkeys(_EMPTY_TOP, ""))
    top["details"] = [balance_detail(row) for row in view.details]
    return top


def balance_detail(row: CurrencyBalance) -> dict[str, Any]:
    total, eq_usd = num(row.total), num(row.eq_usd)
    return {
        "ccy": row.ccy,
        "eq": total,
        "cashBal": total,
        "uTime": ms(row.u_time),
        "isoEq": "0",
        "availEq": "",
        "disEq": eq_usd,
        "fixedBal": "0",
        "availBal": num(row.available),
        "frozenBal": num(row.frozen),
        "ordFrozen": num(row.frozen),
        "liab": "",
        "upl": "",
        "uplLiab": "",
        "crossLiab": "",
        "rewardBal": "0",
        "isoLiab": "",
        "mgnRatio": "",
        "imr": "",
        "mmr": "",
        "interest": "",
        "twap": "0",
        "frpType": "0",
        "maxLoan": "",
        "eqUsd": eq_usd,
        "borrowFroz": "",
        "notionalLever": "",
        "stgyEq": "0",
        "isoUpl": "",
        "spotInUseAmt": "",
        "clSpotInUseAmt": "",
        "maxSpotInUse": "",
        "spotIsoBal": "0",
        "smtSyncEq": "0",
        "spotCopyTradingEq": "0",
        "spotBal": total,
        "openAvgPx": "",
        "accAvgPx": "",
        "spotUpl": "",
        "spotUplRatio": "",
        "totalPnl": "",
        "totalPnlRatio": "",
        "colRes": "0",
        "colBorrAutoConversion": "0",
        "collateralRestrict": False,
    }


# --- bills ---------------------------------------------------------------------------------------
# OKX bill `type`: 1 transfer, 2 trade. `subType`: 1 buy, 2 sell, 11 transfer in, 12 transfer out.
TYPE_TRANSFER, TYPE_TRADE = "1", "2"
SUB_BUY, SUB_SELL, SUB_IN, SUB_OUT = "1", "2", "11", "12"
FUNDING, TRADING = "6", "18"
TYPE_CONVERT, SUB_CONVERT_IN, SUB_CONVERT_OUT = "27", "318", "319"  # trading_account.md bill types
# Swap bills: their `type` follows from the subType the exchange booked (trading_account.md).
TYPE_LIQUIDATION, TYPE_MARGIN, TYPE_FUNDING_FEE = "5", "6", "8"
SWAP_BILL_TYPES = (
    (range(3, 7), TYPE_TRADE),  # 3 open long, 4 open short, 5 close long, 6 close short
    (range(100, 112), TYPE_LIQUIDATION),  # 100-103 partial, 104/105 full liquidation long/short
    (range(160, 162), TYPE_MARGIN),  # 160 manual margin increase, 161 decrease
    (range(173, 175), TYPE_FUNDING_FEE),  # 173 expense, 174 income
)
_TRADE_REASONS = frozenset({PostingReason.TRADE, PostingReason.FEE})


def bill_kind(view: BillView) -> tuple[str, str]:
    """OKX `type` and `subType` of a bill; a trade's side follows from which currency moved which way."""
    incoming = view.bal_chg >= 0
    if view.swap is not None:
        return swap_bill_type(view.swap.sub_type), str(view.swap.sub_type)
    if view.reason is PostingReason.CONVERT:
        return TYPE_CONVERT, SUB_CONVERT_IN if incoming else SUB_CONVERT_OUT
    if view.reason not in _TRADE_REASONS:
        return TYPE_TRANSFER, SUB_IN if incoming else SUB_OUT
    base, _ = currencies_of(view.inst_id)
    if view.reason is PostingReason.FEE:  # paid in what the order received: base for a buy
        return TYPE_TRADE, SUB_BUY if view.ccy == base else SUB_SELL
    bought = incoming if view.ccy == base else not incoming
    return TYPE_TRADE, SUB_BUY if bought else SUB_SELL


def swap_bill_type(sub_type: int) -> str:
    return next((kind for sub_types, kind in SWAP_BILL_TYPES if sub_type in sub_types), TYPE_TRADE)


def bill_wire(view: BillView) -> dict[str, Any]:
    """One row of `account/bills` / `bills-archive` (a swap bill adds its position fields)."""
    wire = _bill_wire(view)
    swap = view.swap
    if swap is not None:
        wire.update(
            instType="SWAP",
            sz=num(swap.sz if swap.sz is not None else abs(view.bal_chg)),
            px=num(swap.px),
            pnl=num(swap.pnl),
            posBalChg=num(swap.pos_bal_chg),
            posBal=num(swap.pos_bal) if swap.pos_bal is not None else "0",
            mgnMode=swap.mgn_mode,
        )
    return wire


def _bill_wire(view: BillView) -> dict[str, Any]:
    kind, sub_type = bill_kind(view)
    is_trade, is_in = kind == TYPE_TRADE, sub_type == SUB_IN
    moved = kind == TYPE_TRANSFER  # only transfers name the accounts money moved between
    return {
        "instType": SPOT if view.inst_id else "",
        "billId": view.bill_id,
        "type": kind,
        "subType": sub_type,
        "ts": ms(view.ts),
        "balChg": num(view.bal_chg),
        "posBalChg": "0",
        "bal": num(view.bal),
        "posBal": "0",
        "sz": num(abs(view.bal_chg)),
        "px": "",
        "ccy": view.ccy,
        "pnl": "0",
        "fee": num(view.fee),
        "earnAmt": "",
        "earnApr": "",
        "mgnMode": "cash" if is_trade else "",
        "instId": view.inst_id,
        "ordId": view.ord_id,
        "execType": "",
        "from": (FUNDING if is_in else TRADING) if moved else "",
        "to": (TRADING if is_in else FUNDING) if moved else "",
        "notes": "",
        "interest": "0",
        "tag": "",
        "fillTime": ms(view.ts) if view.trade_id else "",
        "tradeId": view.trade_id,
        "clOrdId": "",
        "fillIdxPx": "",
        "fillMarkPx": "",
        "fillPxVol": "",
        "fillPxUsd": "",
        "fillMarkVol": "",
        "fillFwdPx": "",
    }


# --- fee rates and maximum sizes -----------------------------------------------------------------
def fee_wire(view: FeeView, inst_type: str = SPOT) -> dict[str, Any]:
    """`account/trade-fee` for SPOT or SWAP: negative rates are charged (OKX's sign). sandex charges
    one tier on every pair and contract, so a swap's USDT-, coin- and USDC-margined rates agree."""
    maker, taker = num(view.maker), num(view.taker)
    swap = inst_type != SPOT
    return {
        "level": view.level,
        "taker": taker,
        "maker": maker,
        "takerU": taker if swap else "",
        "makerU": maker if swap else "",
        "delivery": "",
        "exercise": "",
        "instType": inst_type,
        "takerUSDC": taker,
        "makerUSDC": maker,
        "ruleType": "normal",
        "ts": ms(view.ts),
        "category": "1",
        "fiat": [],
    }


def max_size_wire(view: MaxSizeView) -> dict[str, Any]:
    return {
        "instId": view.inst_id,
        "ccy": view.ccy,
        "maxBuy": num(view.max_buy),
        "maxSell": num(view.max_sell),
    }


def max_avail_wire(view: MaxAvailView) -> dict[str, Any]:
    return {"instId": view.inst_id, "availBuy": num(view.avail_buy), "availSell": num(view.avail_sell)}
