"""OKX place/cancel/amend items as ccxt and python-okx send them, parsed into the service's requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import OrdType, Side, StpMode, TgtCcy
from sandex.domain.trading.algos import MARKET_PX, AttachedAlgo, AttachedAmend
from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.orders_wire import (
    batch_items,
    echo_of,
    parse_all,
    parse_amend,
    parse_cancel,
    parse_place,
)

# What python-okx 0.4.4 `TradeAPI.place_order(instId, tdMode, side, ordType, sz, px=...)` sends.
PYTHON_OKX_LIMIT: dict[str, Any] = {
    "instId": "BTC-USDT",
    "tdMode": "cash",
    "side": "buy",
    "ordType": "limit",
    "sz": "0.01",
    "ccy": "",
    "clOrdId": "",
    "tag": "",
    "posSide": "",
    "px": "30000.5",
    "reduceOnly": "",
    "tgtCcy": "",
    "stpMode": "",
    "pxUsd": "",
    "pxVol": "",
    "banAmend": "",
    "attachAlgoOrds": None,
}

# What ccxt 4.5.90 `create_order("BTC/USDT", "limit", "sell", 0.5, 31000)` sends (one batch item).
CCXT_LIMIT: dict[str, Any] = {
    "instId": "BTC-USDT",
    "side": "sell",
    "ordType": "limit",
    "sz": "0.5",
    "tdMode": "cash",
    "tgtCcy": "base_ccy",
    "px": "31000",
    "clOrdId": "6b9ad766b55dBCDE1a2b3c4d5e6f7a8b",
    "tag": "6b9ad766b55dBCDE",
}


def refusal(call: Any, *args: Any) -> Rejected:
    with pytest.raises(OkxRejection) as caught:
        call(*args)
    return caught.value.rejected


def test_python_okx_empty_strings_and_null_are_absent() -> None:
    assert parse_place(PYTHON_OKX_LIMIT) == OrderSpec(
        inst_id="BTC-USDT",
        side=Side.BUY,
        ord_type=OrdType.LIMIT,
        sz=Decimal("0.01"),
        px=Decimal("30000.5"),
        tgt_ccy=None,
        cl_ord_id="",
        tag="",
        stp_mode=StpMode.CANCEL_MAKER,  # OKX's default when stpMode is absent
    )


def test_ccxt_tgt_ccy_is_accepted_and_ignored_on_limit_orders() -> None:
    request = parse_place(CCXT_LIMIT)
    assert (request.tgt_ccy, request.px, request.side) == (None, Decimal("31000"), Side.SELL)
    assert (request.cl_ord_id, request.tag) == (CCXT_LIMIT["clOrdId"], CCXT_LIMIT["tag"])


def test_market_orders_keep_tgt_ccy_and_drop_px() -> None:
    item = {**CCXT_LIMIT, "ordType": "market", "side": "buy", "tgtCcy": "quote_ccy", "sz": "100"}
    request = parse_place(item)
    assert (request.ord_type, request.tgt_ccy, request.px, request.sz) == (
        OrdType.MARKET,
        TgtCcy.QUOTE_CCY,
        None,
        Decimal("100"),
    )


def test_json_numbers_and_booleans_are_accepted() -> None:
    item = {**CCXT_LIMIT, "sz": 2, "px": 30000.25, "reduceOnly": False, "banAmend": "true"}
    request = parse_place(item)
    assert (request.sz, request.px) == (Decimal(2), Decimal("30000.25"))


def test_unknown_extra_fields_change_nothing() -> None:
    item = {**CCXT_LIMIT, "brokerExtra": {"x": 1}, "isElpTakerAccess": True, "instIdCode": 10}
    assert parse_place(item) == parse_place(CCXT_LIMIT)


def test_stp_mode_is_read() -> None:
    assert parse_place({**CCXT_LIMIT, "stpMode": "cancel_both"}).stp_mode is StpMode.CANCEL_BOTH


@pytest.mark.parametrize("name", ["instId", "tdMode", "side", "ordType", "sz"])
@pytest.mark.parametrize("absent", ["drop", "", None])
def test_missing_required_field_is_50014_naming_it(name: str, absent: str | None) -> None:
    item = {k: v for k, v in CCXT_LIMIT.items() if k != name}
    if absent != "drop":
        item[name] = absent
    assert refusal(parse_place, item) == Rejected.of(Reason.PARAM_EMPTY, field=name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("side", "long"),
        ("ordType", "LIMIT"),
        ("sz", "1e"),
        ("sz", "NaN"),
        ("sz", ["1"]),
        ("px", "abc"),
        ("px", True),
        ("tdMode", "CASH"),
        ("tgtCcy", "usd"),
        ("stpMode", "none"),
        ("clOrdId", "a" * 33),
        ("clOrdId", "has-dash"),
        ("clOrdId", "ünïcode"),
        ("tag", "t" * 17),
        ("tag", "tag tag"),
        ("reduceOnly", "yes"),
        ("posSide", "both"),
        ("attachAlgoOrds", "tp"),
        ("attachAlgoOrds", ["tp"]),
        ("pxUsd", "100"),
    ],
)
def test_bad_value_is_51000_naming_the_field(name: str, value: Any) -> None:
    assert refusal(parse_place, {**CCXT_LIMIT, name: value}) == Rejected.of(Reason.PARAM_ERROR, field=name)


def test_spot_margin_trade_mode_is_refused_as_in_a_spot_mode_account() -> None:
    refused = refusal(parse_place, {**CCXT_LIMIT, "tdMode": "spot_isolated"})
    assert refused == Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what="tdMode spot_isolated")


def test_attached_tp_sl_are_parsed_with_okx_defaults() -> None:
    item = {
        **CCXT_LIMIT,
        "attachAlgoOrds": [{"attachAlgoClOrdId": "tp1", "slTriggerPx": "90", "slOrdPx": "-1"}],
    }
    assert parse_place(item).attach_algo_ords == (
        AttachedAlgo("tp1", sl_trigger_px=Decimal(90), sl_ord_px=Decimal(-1)),
    )


def test_split_tp_sizes_are_refused_on_spot() -> None:
    item = {**CCXT_LIMIT, "attachAlgoOrds": [{"tpTriggerPx": "200", "tpOrdPx": "-1", "sz": "0.1"}]}
    assert refusal(parse_place, item) == Rejected.of(Reason.PARAM_ERROR, field="sz")


def test_limits_of_client_order_id_and_tag_are_accepted() -> None:
    request = parse_place({**CCXT_LIMIT, "clOrdId": "A1" * 16, "tag": "9" * 16, "posSide": "net"})
    assert (len(request.cl_ord_id), len(request.tag)) == (32, 16)


def test_cancel_takes_ord_id_or_client_id() -> None:
    by_id = parse_cancel({"instId": "BTC-USDT", "ordId": "1234567890123", "clOrdId": ""})
    by_client = parse_cancel({"instId": "BTC-USDT", "ordId": "", "clOrdId": "mine1"})
    numeric = parse_cancel({"instId": "BTC-USDT", "ordId": 42})
    assert by_id == CancelSpec("BTC-USDT", 1234567890123, "")
    assert by_client == CancelSpec("BTC-USDT", None, "mine1")
    assert numeric.ord_id == 42


@pytest.mark.parametrize(
    "ord_id", ["0", "9223372036854775808", "9999999999999999999", "1" * 20, "-1", "１２"]
)
def test_an_ord_id_outside_positive_64_bit_is_refused_at_the_edge(ord_id: str) -> None:
    item = {"instId": "BTC-USDT", "ordId": ord_id}
    assert refusal(parse_cancel, item) == Rejected.of(Reason.PARAM_ERROR, field="ordId")
    assert refusal(parse_amend, {**item, "newPx": "1"}) == Rejected.of(Reason.PARAM_ERROR, field="ordId")


def test_cancel_needs_an_order_reference() -> None:
    assert refusal(parse_cancel, {"instId": "BTC-USDT", "ordId": "", "clOrdId": ""}) == Rejected.of(
        Reason.EITHER_PARAM_REQUIRED, field="ordId", other="clOrdId"
    )
    assert refusal(parse_cancel, {"ordId": "1"}) == Rejected.of(Reason.PARAM_EMPTY, field="instId")
    assert refusal(parse_cancel, {"instId": "BTC-USDT", "ordId": "12a"}) == Rejected.of(
        Reason.PARAM_ERROR, field="ordId"
    )


def test_amend_as_python_okx_sends_it() -> None:
    item = {
        "instId": "BTC-USDT",
        "cxlOnFail": "",
        "ordId": "77",
        "clOrdId": "",
        "reqId": "r1",
        "newSz": "0.2",
        "newPx": "",
        "newTpTriggerPx": "",
        "newTpOrdPx": "",
        "newSlTriggerPx": "",
        "newSlOrdPx": "",
        "newTpTriggerPxType": "",
        "newSlTriggerPxType": "",
        "newTriggerPx": "",
        "newOrdPx": "",
        "attachAlgoOrds": "",
    }
    assert parse_amend(item) == AmendSpec("BTC-USDT", 77, "", Decimal("0.2"), None, False, "r1")


def test_amend_needs_something_to_change() -> None:
    item = {"instId": "BTC-USDT", "ordId": "77", "newSz": "", "newPx": None}
    assert refusal(parse_amend, item) == Rejected(Reason.AMEND_NOTHING)


def test_amend_refuses_algo_order_fields_and_bad_flags() -> None:
    base = {"instId": "BTC-USDT", "ordId": "77", "newPx": "1"}
    assert refusal(parse_amend, {**base, "newTriggerPx": "5"}).params == {"field": "newTriggerPx"}
    assert refusal(parse_amend, {**base, "cxlOnFail": "maybe"}).params == {"field": "cxlOnFail"}
    assert parse_amend({**base, "cxlOnFail": True}).cxl_on_fail is True


def test_amend_takes_new_prices_for_the_orders_attached_tp_sl() -> None:
    """python-okx's `amend_order(attachAlgoOrds=[…])`: an amend of only the TP/SL needs no newSz/newPx."""
    item = {
        "instId": "BTC-USDT",
        "ordId": "77",
        "newSz": "",
        "newPx": "",
        "newSlTriggerPx": "",
        "attachAlgoOrds": [
            {"attachAlgoId": "800000000000000001", "newSlTriggerPx": "85", "newSlOrdPx": "-1"},
            {"attachAlgoClOrdId": "ts1", "newTpTriggerPx": "0", "newTpOrdPx": ""},
        ],
    }
    assert parse_amend(item).attach_algo_ords == (
        AttachedAmend(800000000000000001, new_sl_trigger_px=Decimal(85), new_sl_ord_px=MARKET_PX),
        AttachedAmend(attach_algo_cl_ord_id="ts1", new_tp_trigger_px=Decimal(0)),
    )


def test_amend_takes_the_older_order_level_tp_sl_fields_as_the_orders_first_tp_sl() -> None:
    """ccxt's `edit_order(…, {"stopLoss": {"triggerPrice": 80, "type": "market"}})`."""
    item = {"instId": "BTC-USDT", "ordId": "77", "newSlTriggerPx": "80", "newSlOrdPx": "-1"}
    item["newSlTriggerPxType"] = "last"
    spec = parse_amend(item)
    assert (spec.new_sz, spec.new_px) == (None, None)
    assert spec.attach_algo_ords == (AttachedAmend(new_sl_trigger_px=Decimal(80), new_sl_ord_px=MARKET_PX),)
    both = {**item, "attachAlgoOrds": [{"attachAlgoClOrdId": "ts1", "newSlTriggerPx": "81"}]}
    assert refusal(parse_amend, both).params == {"field": "attachAlgoOrds"}


def test_amend_tp_sl_items_name_their_tp_sl_and_no_split_tps() -> None:
    base = {"instId": "BTC-USDT", "ordId": "77"}
    unnamed = refusal(parse_amend, {**base, "attachAlgoOrds": [{"newSlTriggerPx": "85"}]})
    assert unnamed == Rejected.of(
        Reason.EITHER_PARAM_REQUIRED, field="attachAlgoId", other="attachAlgoClOrdId"
    )
    split = [{"attachAlgoClOrdId": "a", "sz": "1", "newTpTriggerPx": "120"}]
    assert refusal(parse_amend, {**base, "attachAlgoOrds": split}).params == {"field": "sz"}
    assert refusal(parse_amend, {**base, "attachAlgoOrds": [{"attachAlgoId": "x1"}]}).params == {
        "field": "attachAlgoId"
    }
    assert refusal(parse_amend, {**base, "attachAlgoOrds": {"attachAlgoId": "1"}}).params == {
        "field": "attachAlgoOrds"
    }
    assert refusal(parse_amend, {**base, "attachAlgoOrds": []}) == Rejected(Reason.AMEND_NOTHING)


def test_batch_bodies() -> None:
    assert batch_items([CCXT_LIMIT]) == [CCXT_LIMIT]
    assert batch_items(CCXT_LIMIT) == [CCXT_LIMIT]
    assert refusal(batch_items, [CCXT_LIMIT] * 21) == Rejected.of(Reason.BATCH_TOO_LARGE, limit="20")
    assert refusal(batch_items, []).reason is Reason.PARAM_EMPTY
    assert refusal(batch_items, "orders").reason is Reason.JSON_SYNTAX


def test_each_batch_item_parses_on_its_own() -> None:
    results = parse_all(parse_place, [CCXT_LIMIT, {**CCXT_LIMIT, "sz": "x"}, "not an object"])
    assert isinstance(results[0], OrderSpec)
    assert results[1] == Rejected.of(Reason.PARAM_ERROR, field="sz")
    assert results[2] == Rejected.of(Reason.JSON_SYNTAX)


def test_echo_repeats_what_was_sent_even_when_invalid() -> None:
    echo = echo_of({**CCXT_LIMIT, "sz": "x", "ordId": 5, "reqId": "q"})
    assert (echo.cl_ord_id, echo.tag, echo.ord_id, echo.req_id) == (
        CCXT_LIMIT["clOrdId"],
        CCXT_LIMIT["tag"],
        "5",
        "q",
    )
    assert echo_of("junk") == echo_of({})
