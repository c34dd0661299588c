"""Swap orders, fills and bills in OKX's words: instType SWAP and the position fields on top of
every field a spot object has."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from sandex.domain.derivatives.contracts import InstType, PosSide
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import OrdState, OrdType, Side, StpMode
from sandex.services.exchange.records import ExecType
from sandex.services.trading.swap_views import SwapBillPart, SwapFillPart, SwapOrderPart
from sandex.services.trading.views import BillView, FillView, OrderView
from sandex.transport.okx.account_wire import bill_wire
from sandex.transport.okx.trade_wire import fill_wire, order_wire

TS = 1_700_000_000_123


def swap_order(reduce_only: bool = False) -> OrderView:
    return OrderView(
        ord_id="7",
        cl_ord_id="",
        tag="",
        inst_id="BTC-USDT-SWAP",
        side=Side.SELL,
        ord_type=OrdType.MARKET,
        tgt_ccy=None,
        td_mode="isolated",
        px=None,
        sz=Decimal(2),
        acc_fill_sz=Decimal(2),
        avg_px=Decimal(51000),
        fee=Decimal("-0.51"),
        fee_ccy="USDT",
        state=OrdState.FILLED,
        stp_mode=StpMode.CANCEL_MAKER,
        cancel_cause=None,
        c_time=TS,
        u_time=TS,
        swap=SwapOrderPart(InstType.SWAP, PosSide.LONG, Decimal(10), Decimal(20), "normal", reduce_only),
    )


def test_swap_order_object() -> None:
    wire = order_wire(swap_order(reduce_only=True))
    assert {
        k: wire[k] for k in ("instType", "tdMode", "posSide", "lever", "pnl", "category", "reduceOnly")
    } == {
        "instType": "SWAP",
        "tdMode": "isolated",
        "posSide": "long",
        "lever": "10",
        "pnl": "20",
        "category": "normal",
        "reduceOnly": "true",
    }
    assert (wire["feeCcy"], wire["rebateCcy"], wire["tgtCcy"], wire["tradeQuoteCcy"], wire["sz"]) == (
        "USDT",
        "USDT",
        "",
        "",
        "2",
    )
    assert order_wire(swap_order())["reduceOnly"] == "false"


def test_swap_orders_have_the_spot_objects_fields() -> None:
    assert set(order_wire(swap_order())) == set(order_wire(replace(swap_order(), swap=None)))


@pytest.mark.parametrize(
    ("side", "closes", "sub_type"),
    [(Side.BUY, False, "3"), (Side.SELL, False, "4"), (Side.SELL, True, "5"), (Side.BUY, True, "6")],
)
def test_swap_fill_row(side: Side, closes: bool, sub_type: str) -> None:
    view = FillView(
        bill_id="9",
        trade_id="42",
        ord_id="7",
        cl_ord_id="",
        tag="",
        inst_id="BTC-USDT-SWAP",
        side=side,
        px=Decimal(51000),
        sz=Decimal(2),
        exec_type=ExecType.TAKER,
        fee=Decimal("-0.51"),
        fee_ccy="USDT",
        fee_rate=Decimal("-0.0005"),
        ts=TS,
        swap=SwapFillPart(
            InstType.SWAP,
            PosSide.NET,
            closes,
            Decimal(20) if closes else Decimal(0),
            Decimal(50990),
            Decimal(50980),
        ),
    )
    wire = fill_wire(view)
    assert (wire["instType"], wire["subType"], wire["posSide"], wire["fillSz"]) == (
        "SWAP",
        sub_type,
        "net",
        "2",
    )
    assert (wire["fillPnl"], wire["fillMarkPx"], wire["fillIdxPx"], wire["feeCcy"]) == (
        "20" if closes else "0",
        "50990",
        "50980",
        "USDT",
    )


@pytest.mark.parametrize(
    ("sub_type", "kind"),
    [(3, "2"), (6, "2"), (160, "6"), (161, "6"), (173, "8"), (174, "8"), (104, "5"), (101, "5")],
)
def test_swap_bill_types(sub_type: int, kind: str) -> None:
    view = BillView(
        bill_id="55",
        ccy="USDT",
        reason=PostingReason.TRADE,
        bal_chg=Decimal("19.49"),
        bal=Decimal(1000),
        fee=Decimal("-0.51"),
        inst_id="BTC-USDT-SWAP",
        ord_id="7",
        trade_id="42",
        ts=TS,
        swap=SwapBillPart(sub_type, "cross", Decimal(2), Decimal(51000), Decimal(20), Decimal("-10.2")),
    )
    wire = bill_wire(view)
    assert (wire["type"], wire["subType"], wire["instType"], wire["mgnMode"]) == (
        kind,
        str(sub_type),
        "SWAP",
        "cross",
    )
    assert (wire["sz"], wire["px"], wire["pnl"], wire["posBalChg"], wire["balChg"]) == (
        "2",
        "51000",
        "20",
        "-10.2",
        "19.49",
    )
