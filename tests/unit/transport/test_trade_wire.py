"""Trading answers have exactly OKX's documented fields (reference §4.3, §4.4), all numbers as strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import CancelCause, OrdState, OrdType, Side, StpMode, TgtCcy
from sandex.services.exchange.commands import OrderAck
from sandex.services.exchange.records import ExecType
from sandex.services.trading.views import (
    AccountBalanceView,
    AttachedAlgoView,
    BillView,
    CurrencyBalance,
    FeeView,
    FillView,
    LastFill,
    MaxAvailView,
    MaxSizeView,
    OrderView,
)
from sandex.transport.okx.account_wire import (
    balance_wire,
    bill_wire,
    fee_wire,
    max_avail_wire,
    max_size_wire,
)
from sandex.transport.okx.orders_wire import Echo
from sandex.transport.okx.trade_wire import (
    amend_ack,
    batch_envelope,
    cancel_ack,
    fill_wire,
    order_wire,
    place_ack,
)


def fields(names: str) -> set[str]:
    return set(names.split())


# --- the reference's field lists (okx-v5-reference.md §4.3/§4.4; bills, trade-fee, max-size from the
# OKX docs pages of those endpoints) -----------------------------------------------------------------
ORDER_FIELDS = fields(
    "instType instId tgtCcy ccy ordId clOrdId tag px pxUsd pxVol pxType sz pnl ordType side posSide "
    "tdMode accFillSz fillPx tradeId fillSz fillTime avgPx state stpId stpMode lever attachAlgoClOrdId "
    "tpTriggerPx tpTriggerPxType tpOrdPx slTriggerPx slTriggerPxType slOrdPx attachAlgoOrds "
    "linkedAlgoOrd feeCcy fee rebateCcy rebate source category reduceOnly isTpLimit cancelSource "
    "cancelSourceReason quickMgnType algoClOrdId algoId uTime cTime tradeQuoteCcy"
)
FILL_FIELDS = fields(
    "instType instId tradeId ordId clOrdId billId subType tag fillPx fillSz fillIdxPx fillPnl fillPxVol "
    "fillPxUsd fillMarkVol fillFwdPx fillMarkPx side posSide execType feeCcy fee ts fillTime feeRate "
    "tradeQuoteCcy"
)
BALANCE_FIELDS = fields(
    "uTime totalEq isoEq adjEq availEq ordFroz imr mmr borrowFroz mgnRatio notionalUsd "
    "notionalUsdForBorrow notionalUsdForSwap notionalUsdForFutures notionalUsdForOption upl details"
)
DETAIL_FIELDS = fields(
    "ccy eq cashBal uTime isoEq availEq disEq fixedBal availBal frozenBal ordFrozen liab upl uplLiab "
    "crossLiab rewardBal isoLiab mgnRatio imr mmr interest twap frpType maxLoan eqUsd borrowFroz "
    "notionalLever stgyEq isoUpl spotInUseAmt clSpotInUseAmt maxSpotInUse spotIsoBal smtSyncEq "
    "spotCopyTradingEq spotBal openAvgPx accAvgPx spotUpl spotUplRatio totalPnl totalPnlRatio colRes "
    "colBorrAutoConversion collateralRestrict"
)
BILL_FIELDS = fields(
    "instType billId type subType ts balChg posBalChg bal posBal sz px ccy pnl fee earnAmt earnApr "
    "mgnMode instId ordId execType from to notes interest tag fillTime tradeId clOrdId fillIdxPx "
    "fillMarkPx fillPxVol fillPxUsd fillMarkVol fillFwdPx"
)
FEE_FIELDS = fields(
    "level taker maker takerU makerU delivery exercise instType takerUSDC makerUSDC ruleType ts category fiat"
)
# Fields OKX sends as real JSON types; everything else is a string.
NON_STRING = {"attachAlgoOrds": list, "linkedAlgoOrd": dict, "details": list, "collateralRestrict": bool}
NON_STRING_FEE = {"fiat": list}

TS = 1_700_000_000_123


def order_view(**changes: Any) -> OrderView:
    base: dict[str, Any] = {
        "ord_id": "700000000000000001",
        "cl_ord_id": "abc123",
        "tag": "bot",
        "inst_id": "BTC-USDT",
        "side": Side.BUY,
        "ord_type": OrdType.LIMIT,
        "tgt_ccy": None,
        "td_mode": "cash",
        "px": Decimal("30000.1"),
        "sz": Decimal("0.50"),
        "acc_fill_sz": Decimal("0"),
        "avg_px": None,
        "fee": Decimal("0"),
        "fee_ccy": "BTC",
        "state": OrdState.LIVE,
        "stp_mode": StpMode.CANCEL_MAKER,
        "cancel_cause": None,
        "c_time": TS,
        "u_time": TS + 5,
    }
    return OrderView(**{**base, **changes})


def assert_strings(row: dict[str, Any], exceptions: dict[str, type]) -> None:
    for name, value in row.items():
        expected = exceptions.get(name, str)
        assert isinstance(value, expected), f"{name}={value!r} is not {expected.__name__}"


def test_live_limit_order_object() -> None:
    row = order_wire(order_view())
    assert set(row) == ORDER_FIELDS
    assert_strings(row, NON_STRING)
    assert row["px"] == "30000.1" and row["sz"] == "0.5" and row["accFillSz"] == "0"
    assert (row["avgPx"], row["fillPx"], row["fillSz"], row["tradeId"], row["fillTime"]) == (
        "",
        "",
        "0",
        "",
        "",
    )
    assert (row["state"], row["tgtCcy"], row["tdMode"], row["posSide"]) == ("live", "", "cash", "net")
    assert (row["cTime"], row["uTime"]) == (str(TS), str(TS + 5))
    assert (row["feeCcy"], row["rebateCcy"], row["tradeQuoteCcy"]) == ("BTC", "USDT", "USDT")
    assert (row["cancelSource"], row["reduceOnly"], row["instType"]) == ("", "false", "SPOT")


def test_filled_market_order_object() -> None:
    view = order_view(
        ord_type=OrdType.MARKET,
        side=Side.SELL,
        tgt_ccy=TgtCcy.BASE_CCY,
        px=None,
        acc_fill_sz=Decimal("0.5"),
        avg_px=Decimal("29999.95"),
        fee=Decimal("-14.999975"),
        fee_ccy="USDT",
        state=OrdState.FILLED,
        last_fill=LastFill("42", Decimal("29999.9"), Decimal("0.25"), TS + 3),
    )
    row = order_wire(view)
    assert set(row) == ORDER_FIELDS
    assert (row["px"], row["tgtCcy"], row["avgPx"], row["fee"]) == ("", "base_ccy", "29999.95", "-14.999975")
    assert (row["tradeId"], row["fillPx"], row["fillSz"], row["fillTime"]) == (
        "42",
        "29999.9",
        "0.25",
        str(TS + 3),
    )
    assert row["rebateCcy"] == "BTC"


def test_an_order_an_algo_placed_names_it_and_its_source() -> None:
    row = order_wire(order_view(algo_id="800000000000000001", algo_cl_ord_id="ft1", source="7"))
    assert (row["algoId"], row["algoClOrdId"], row["source"]) == ("800000000000000001", "ft1", "7")
    assert (order_wire(order_view())["algoId"], order_wire(order_view())["source"]) == ("", "")


def test_attached_tp_sl_show_in_attach_algo_ords_and_the_top_level_fields() -> None:
    item = AttachedAlgoView("800000000000000002", "ts1", Decimal(70000), Decimal(-1), Decimal(50000), None)
    row = order_wire(order_view(attached=(item,)))
    [wire] = row["attachAlgoOrds"]
    assert (wire["attachAlgoId"], wire["attachAlgoClOrdId"], wire["tpTriggerPx"], wire["tpOrdPx"]) == (
        "800000000000000002",
        "ts1",
        "70000",
        "-1",
    )
    assert (wire["slTriggerPx"], wire["slOrdPx"], wire["slTriggerPxType"]) == ("50000", "", "last")
    assert all(isinstance(value, str) for value in wire.values())
    assert (row["attachAlgoClOrdId"], row["tpTriggerPx"], row["tpOrdPx"], row["slTriggerPx"]) == (
        "ts1",
        "70000",
        "-1",
        "50000",
    )


@pytest.mark.parametrize(
    ("cause", "source"),
    [(CancelCause.USER, "1"), (CancelCause.IOC_UNFILLED, "14"), (CancelCause.FOK_UNFILLABLE, "13")],
)
def test_canceled_orders_carry_their_cancel_source(cause: CancelCause, source: str) -> None:
    row = order_wire(order_view(state=OrdState.CANCELED, cancel_cause=cause))
    assert row["state"] == "canceled" and row["cancelSource"] == source and row["cancelSourceReason"]


def test_every_cancel_cause_is_rendered() -> None:
    for cause in CancelCause:
        assert order_wire(order_view(state=OrdState.CANCELED, cancel_cause=cause))["cancelSource"].isdigit()


def test_fill_row() -> None:
    view = FillView(
        bill_id="9001",
        trade_id="42",
        ord_id="7",
        cl_ord_id="",
        tag="",
        inst_id="ETH-USDT",
        side=Side.SELL,
        px=Decimal("2000.5"),
        sz=Decimal("1.25"),
        exec_type=ExecType.MAKER,
        fee=Decimal("-2.000500"),
        fee_ccy="USDT",
        fee_rate=Decimal("-0.0008"),
        ts=TS,
    )
    row = fill_wire(view)
    assert set(row) == FILL_FIELDS
    assert_strings(row, {})
    assert (row["subType"], row["execType"], row["fee"], row["feeRate"]) == ("2", "M", "-2.0005", "-0.0008")
    assert (row["billId"], row["ts"], row["fillTime"], row["posSide"]) == ("9001", str(TS), str(TS), "net")


def test_balance_has_every_field_and_spot_mode_values() -> None:
    row = CurrencyBalance("USDT", Decimal("900.5"), Decimal("99.5"), Decimal("1000"), Decimal("1000"), TS)
    out = balance_wire(AccountBalanceView(Decimal("1000"), TS, [row]))
    assert set(out) == BALANCE_FIELDS
    assert_strings(out, NON_STRING)
    (detail,) = out["details"]
    assert set(detail) == DETAIL_FIELDS
    assert_strings(detail, NON_STRING)
    assert (detail["eq"], detail["cashBal"], detail["availBal"], detail["frozenBal"]) == (
        "1000",
        "1000",
        "900.5",
        "99.5",
    )
    assert detail["availEq"] == "" and out["totalEq"] == "1000"  # spot mode: clients use availBal


def test_empty_balance_matches_the_observed_reply() -> None:
    out = balance_wire(AccountBalanceView(Decimal(0), TS, []))
    assert out["details"] == [] and out["totalEq"] == "0" and out["isoEq"] == "0" and out["adjEq"] == ""


@pytest.mark.parametrize(
    ("reason", "ccy", "chg", "kind", "sub"),
    [
        (PostingReason.TRADE, "BTC", "0.5", "2", "1"),  # base in: a buy
        (PostingReason.TRADE, "USDT", "-15000", "2", "1"),  # quote out: a buy
        (PostingReason.TRADE, "BTC", "-0.5", "2", "2"),
        (PostingReason.TRADE, "USDT", "15000", "2", "2"),
        (PostingReason.FEE, "BTC", "-0.0005", "2", "1"),  # a buyer pays in base
        (PostingReason.FEE, "USDT", "-15", "2", "2"),
        (PostingReason.DEPOSIT, "USDT", "1000", "1", "11"),
        (PostingReason.WITHDRAWAL, "USDT", "-10", "1", "12"),
    ],
)
def test_bill_rows(reason: PostingReason, ccy: str, chg: str, kind: str, sub: str) -> None:
    is_trade = reason in (PostingReason.TRADE, PostingReason.FEE)
    fee = Decimal(chg) if reason is PostingReason.FEE else Decimal(0)
    view = BillView(
        bill_id="55",
        ccy=ccy,
        reason=reason,
        bal_chg=Decimal(chg),
        bal=Decimal("100"),
        fee=fee,
        inst_id="BTC-USDT" if is_trade else "",
        ord_id="7" if is_trade else "",
        trade_id="42" if is_trade else "",
        ts=TS,
    )
    row = bill_wire(view)
    assert set(row) == BILL_FIELDS
    assert_strings(row, {})
    assert (row["type"], row["subType"], row["balChg"], row["sz"]) == (kind, sub, chg, chg.lstrip("-"))
    assert row["instType"] == ("SPOT" if is_trade else "")
    assert (row["from"], row["to"]) == (("", "") if is_trade else ("6", "18") if sub == "11" else ("18", "6"))


def test_fee_and_max_sizes() -> None:
    fee = fee_wire(FeeView("BTC-USDT", Decimal("-0.0008"), Decimal("-0.001"), "Lv1", TS))
    assert set(fee) == FEE_FIELDS
    assert_strings(fee, NON_STRING_FEE)
    assert (fee["maker"], fee["taker"], fee["instType"], fee["level"]) == ("-0.0008", "-0.001", "SPOT", "Lv1")
    size = max_size_wire(MaxSizeView("BTC-USDT", "BTC", Decimal("0.03"), Decimal("1.5")))
    avail = max_avail_wire(MaxAvailView("BTC-USDT", Decimal("1000"), Decimal("1.5")))
    assert size == {"instId": "BTC-USDT", "ccy": "BTC", "maxBuy": "0.03", "maxSell": "1.5"}
    assert avail == {"instId": "BTC-USDT", "availBuy": "1000", "availSell": "1.5"}


# --- acks ----------------------------------------------------------------------------------------
ECHO = Echo(cl_ord_id="c1", tag="t1", ord_id="99", req_id="r1")


def test_place_acks() -> None:
    placed = place_ack(OrderAck("123", "c1", "t1", TS), ECHO, TS + 1)
    refused = place_ack(
        OrderAck("", "c1", "t1", TS, Rejected.of(Reason.INSUFFICIENT_BALANCE, ccy="USDT")), ECHO, 0
    )
    unparsed = place_ack(Rejected.of(Reason.PARAM_ERROR, field="sz"), ECHO, TS + 1)
    assert placed == {
        "clOrdId": "c1",
        "ordId": "123",
        "tag": "t1",
        "ts": str(TS),
        "sCode": "0",
        "sMsg": "Order placed",
    }
    assert (refused["sCode"], refused["sMsg"], refused["ordId"]) == (
        "51008",
        "Order failed. Insufficient USDT balance in account",
        "",
    )
    assert unparsed == {
        "clOrdId": "c1",
        "ordId": "",
        "tag": "t1",
        "ts": str(TS + 1),
        "sCode": "51000",
        "sMsg": "Parameter sz error",
    }


def test_cancel_and_amend_acks() -> None:
    canceled = cancel_ack(OrderAck("99", "c1", "t1", TS), ECHO, 0)
    amended = amend_ack(OrderAck("99", "c1", "t1", TS, req_id="r1"), ECHO, 0)
    failed = amend_ack(OrderAck("99", "", "", TS, Rejected.of(Reason.PARAM_ERROR, field="new_px")), ECHO, 0)
    assert canceled == {"clOrdId": "c1", "ordId": "99", "ts": str(TS), "sCode": "0", "sMsg": ""}
    assert amended == {"clOrdId": "c1", "ordId": "99", "ts": str(TS), "reqId": "r1", "sCode": "0", "sMsg": ""}
    assert (failed["sCode"], failed["sMsg"]) == ("51000", "Parameter newPx error")  # the wire name
    unknown = cancel_ack(Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="ordId", other="clOrdId"), ECHO, TS)
    assert set(unknown) == {"clOrdId", "ordId", "ts", "sCode", "sMsg"} and unknown["sCode"] == "50015"


def test_batch_codes() -> None:
    good, bad = {"sCode": "0"}, {"sCode": "51008"}
    assert batch_envelope([good, good], 1, 2)["code"] == "0"
    assert batch_envelope([bad], 1, 2)["code"] == "1"
    partial = batch_envelope([good, bad], 10, 20)
    assert partial == {
        "code": "2",
        "msg": "Bulk operation partially succeeded.",
        "data": [good, bad],
        "inTime": "10",
        "outTime": "20",
    }
    assert batch_envelope([bad, bad], 1, 2)["msg"] == "All operations failed"
    assert batch_envelope([good], 1, 2)["msg"] == ""
