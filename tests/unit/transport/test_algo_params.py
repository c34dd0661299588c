"""Algo order requests as python-okx and ccxt send them, parsed into the core's specs; bad values
refused with OKX's code naming the wire field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import AlgoAmendSpec, AlgoCancelSpec, AlgoOrdType, AlgoState
from sandex.transport.okx.algo_params import (
    algo_query,
    cancel_items,
    parse_algo_amend,
    parse_algo_cancel,
    parse_algo_place,
)
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.errors import wire_error
from tests.support.okx import python_okx_algo


def refusal(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(OkxRejection) as caught:
        call(*args, **kwargs)
    entry, message = wire_error(caught.value.rejected)
    return entry.code, message


def test_python_okx_conditional_with_reduce_only_as_a_string() -> None:
    spec = parse_algo_place(
        python_okx_algo(
            instId="BTC-USDT",
            tdMode="cash",
            side="sell",
            ordType="conditional",
            sz="0.01",
            slTriggerPx="45000",
            slOrdPx="-1",
            reduceOnly="true",
            algoClOrdId="mine1",
        )
    )
    assert (spec.inst_id, spec.ord_type, spec.side, spec.sz) == (
        "BTC-USDT",
        AlgoOrdType.CONDITIONAL,
        Side.SELL,
        Decimal("0.01"),
    )
    assert (spec.sl_trigger_px, spec.sl_ord_px, spec.tp_trigger_px) == (Decimal(45000), Decimal(-1), None)
    assert spec.reduce_only is True and spec.algo_cl_ord_id == "mine1"
    assert spec.sl_trigger_px_type == "last" and spec.td_mode == "cash" and spec.tgt_ccy is None


def test_ccxt_trigger_order_px_and_its_client_id() -> None:
    """ccxt sends `orderPx`, JSON-ish strings, `tgtCcy` and a `clOrdId` that names the algo."""
    spec = parse_algo_place(
        {
            "instId": "BTC-USDT",
            "side": "buy",
            "ordType": "trigger",
            "sz": "0.002",
            "tdMode": "cash",
            "tgtCcy": "base_ccy",
            "triggerPx": "52000",
            "orderPx": "-1",
            "clOrdId": "6b9ad766b55dBCDE0123456789abcdef",
            "tag": "6b9ad766b55dBCDE",
        }
    )
    assert (spec.ord_type, spec.trigger_px, spec.ord_px) == (AlgoOrdType.TRIGGER, Decimal(52000), Decimal(-1))
    assert spec.tgt_ccy is None  # base_ccy: the neutral value (the core refuses any tgtCcy on a trigger)
    assert (spec.algo_cl_ord_id, spec.tag) == ("6b9ad766b55dBCDE0123456789abcdef", "6b9ad766b55dBCDE")


def test_trailing_stop_fields() -> None:
    spec = parse_algo_place(
        python_okx_algo(
            instId="BTC-USDT",
            tdMode="cash",
            side="sell",
            ordType="move_order_stop",
            sz="0.01",
            callbackRatio="0.01",
            activePx="51000",
        )
    )
    assert (spec.callback_ratio, spec.callback_spread, spec.active_px) == (
        Decimal("0.01"),
        None,
        Decimal(51000),
    )


@pytest.mark.parametrize("ord_type", ["twap", "iceberg", "chase"])
def test_okx_algo_types_sandex_does_not_run_are_refused_by_name(ord_type: str) -> None:
    code, message = refusal(
        parse_algo_place,
        python_okx_algo(instId="BTC-USDT", tdMode="cash", side="buy", ordType=ord_type, sz="1"),
    )
    assert code == "51000" and ord_type in message and message.startswith("Parameter ordType error")


@pytest.mark.parametrize(
    ("sent", "code", "message"),
    [
        ({"ordType": "limit"}, "51000", "Parameter ordType error"),
        ({"sz": ""}, "50014", "Parameter sz can not be empty."),
        ({"sz": "abc"}, "51000", "Parameter sz error"),
        ({"side": "long"}, "51000", "Parameter side error"),
        ({"slTriggerPx": "1e"}, "51000", "Parameter slTriggerPx error"),
        ({"reduceOnly": "yes"}, "51000", "Parameter reduceOnly error"),
        ({"posSide": "up"}, "51000", "Parameter posSide error"),
        ({"closeFraction": "0.5"}, "51000", "Parameter closeFraction error"),  # OKX takes "1" only
        ({"cxlOnClosePos": "yes"}, "51000", "Parameter cxlOnClosePos error"),
        ({"attachAlgoOrds": [{"tpTriggerPx": "1"}]}, "51000", "Parameter attachAlgoOrds error"),
        ({"algoClOrdId": "not-alnum"}, "51000", "Parameter algoClOrdId error"),
        ({"tag": "x" * 17}, "51000", "Parameter tag error"),
        ({"instId": ""}, "50014", "Parameter instId can not be empty."),
        ({"tdMode": ""}, "50014", "Parameter tdMode can not be empty."),
        (
            {"tpOrdKind": "limit"},
            "51094",
            "You can't place TP limit orders in spot, margin, or options trading.",
        ),
        ({"tpOrdKind": "market"}, "51000", "Parameter tpOrdKind error"),
    ],
)
def test_bad_place_fields_name_the_field(sent: dict[str, Any], code: str, message: str) -> None:
    body = python_okx_algo(
        instId="BTC-USDT",
        tdMode="cash",
        side="sell",
        ordType="conditional",
        sz="1",
        slTriggerPx="1",
        slOrdPx="-1",
    )
    body.update(sent)
    assert refusal(parse_algo_place, body) == (code, message)


def test_cancel_items_by_id_or_client_id() -> None:
    items = cancel_items(
        [{"instId": "BTC-USDT", "algoId": "42"}, {"instId": "BTC-USDT", "algoClOrdId": "c1"}]
    )
    assert [parse_algo_cancel(item) for item in items] == [
        AlgoCancelSpec("BTC-USDT", 42, ""),
        AlgoCancelSpec("BTC-USDT", None, "c1"),
    ]
    assert refusal(parse_algo_cancel, {"instId": "BTC-USDT"}) == (
        "50015",
        "Either parameter algoId or algoClOrdId is required.",
    )
    assert refusal(parse_algo_cancel, {"instId": "BTC-USDT", "algoId": "-5"}) == (
        "51000",
        "Parameter algoId error",
    )


def test_cancel_takes_one_to_ten_items() -> None:
    assert len(cancel_items({"instId": "BTC-USDT", "algoId": "1"})) == 1
    assert refusal(cancel_items, []) == ("50014", "Parameter data can not be empty.")
    code, message = refusal(cancel_items, [{"instId": "BTC-USDT", "algoId": "1"}] * 11)
    assert code == "50025" and "10" in message


def test_python_okx_amend_with_empty_strings() -> None:
    sent = {
        "instId": "BTC-USDT",
        "algoId": "7",
        "algoClOrdId": "",
        "cxlOnFail": "",
        "reqId": "r1",
        "newSz": "",
        "newTriggerPx": "",
        "newOrdPx": "",
        "newTpTriggerPx": "",
        "newTpOrdPx": "",
        "newSlTriggerPx": "44000",
        "newSlOrdPx": "-1",
        "newTpTriggerPxType": "",
        "newSlTriggerPxType": "",
    }
    assert parse_algo_amend(sent) == AlgoAmendSpec(
        "BTC-USDT", 7, "", new_sl_trigger_px=Decimal(44000), new_sl_ord_px=Decimal(-1), req_id="r1"
    )
    nothing = {**sent, "newSlTriggerPx": "", "newSlOrdPx": ""}
    assert refusal(parse_algo_amend, nothing) == ("50014", "Parameter newSz can not be empty.")


def test_pending_list_takes_conditional_and_oco_together() -> None:
    query = algo_query({"ordType": "conditional,oco", "instId": "BTC-USDT", "limit": "5"}, history=False)
    assert query is not None
    assert query.ord_types == {AlgoOrdType.CONDITIONAL, AlgoOrdType.OCO}
    assert (query.states, query.inst_id, query.limit) == ({AlgoState.LIVE}, "BTC-USDT", 5)
    assert refusal(algo_query, {"ordType": "trigger,oco"}, history=False) == (
        "51000",
        "Parameter ordType error",
    )
    assert refusal(algo_query, {}, history=False) == ("50014", "Parameter ordType can not be empty.")


def test_lists_of_what_sandex_never_has_are_empty_not_errors() -> None:
    assert algo_query({"ordType": "twap"}, history=False) is None
    assert algo_query({"ordType": "conditional", "instType": "FUTURES"}, history=False) is None


def test_lists_filter_by_spot_or_swap() -> None:
    swap = algo_query({"ordType": "conditional", "instType": "SWAP"}, history=False)
    assert swap is not None and swap.inst_type == "SWAP"


def test_history_needs_a_state_or_an_algo_id() -> None:
    by_state = algo_query({"ordType": "trigger", "state": "canceled"}, history=True)
    assert by_state is not None and by_state.states == {AlgoState.CANCELED}
    by_id = algo_query({"ordType": "trigger", "algoId": "9"}, history=True)
    assert by_id is not None and by_id.algo_id == 9 and AlgoState.LIVE not in by_id.states
    assert refusal(algo_query, {"ordType": "trigger"}, history=True) == (
        "50015",
        "Either parameter state or algoId is required.",
    )
    assert refusal(algo_query, {"ordType": "trigger", "state": "live"}, history=True) == (
        "51000",
        "Parameter state error",
    )
