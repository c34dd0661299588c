"""Swap algo orders in OKX's words: instType SWAP, posSide, closeFraction, reduceOnly as a string,
tdMode and each leg's trigger price type; and what the place parser reads of a swap algo."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import AlgoOrdType, AlgoState
from sandex.services.exchange.records import AlgoRecord
from sandex.transport.okx.algo_params import parse_algo_place
from sandex.transport.okx.algo_wire import algo_object

D = Decimal


def record(**kw: object) -> AlgoRecord:
    values: dict[str, object] = {
        "algo_id": 800_000_000_000_000_001,
        "environment": Environment.LIVE,
        "account_id": 5,
        "inst_id": "BTC-USDT-SWAP",
        "ord_type": AlgoOrdType.CONDITIONAL,
        "side": Side.SELL,
        "sz": D(0),
        "tgt_ccy": None,
        "td_mode": "isolated",
        "state": AlgoState.LIVE,
        "algo_cl_ord_id": "",
        "tag": "",
        "reduce_only": True,
        "c_time": 1,
        "u_time": 2,
        "sl_trigger_px": D(55000),
        "sl_ord_px": D(-1),
        "sl_trigger_px_type": "mark",
        "close_fraction": True,
        "pos_side": PosSide.NET,
    }
    values.update(kw)
    return AlgoRecord(**values)  # type: ignore[arg-type]


def test_a_swap_algo_object() -> None:
    got = algo_object(record())
    assert {k: got[k] for k in ("instType", "tdMode", "posSide", "closeFraction", "reduceOnly", "sz")} == {
        "instType": "SWAP",
        "tdMode": "isolated",
        "posSide": "net",
        "closeFraction": "1",
        "reduceOnly": "true",
        "sz": "0",
    }
    assert (got["slTriggerPx"], got["slTriggerPxType"], got["slOrdPx"]) == ("55000", "mark", "-1")
    assert (got["tpTriggerPx"], got["tpTriggerPxType"]) == ("", "")


def test_a_long_short_trigger_order_by_index() -> None:
    got = algo_object(
        record(
            ord_type=AlgoOrdType.TRIGGER,
            side=Side.BUY,
            sz=D(2),
            td_mode="cross",
            pos_side=PosSide.LONG,
            close_fraction=False,
            reduce_only=False,
            sl_trigger_px=None,
            sl_ord_px=None,
            trigger_px=D(61000),
            ord_px=D(-1),
            trigger_px_type="index",
        )
    )
    assert (got["posSide"], got["triggerPxType"], got["closeFraction"], got["sz"]) == (
        "long",
        "index",
        "",
        "2",
    )


def test_python_okx_swap_stop_parses_with_its_string_booleans() -> None:
    # python-okx place_algo_order sends every field, "" when unset, reduceOnly as the string "true"
    body = {
        "instId": "BTC-USDT-SWAP",
        "tdMode": "cross",
        "side": "sell",
        "ordType": "conditional",
        "sz": "",
        "posSide": "net",
        "closeFraction": "1",
        "reduceOnly": "true",
        "cxlOnClosePos": "true",
        "slTriggerPx": "55000",
        "slOrdPx": "-1",
        "slTriggerPxType": "mark",
        "tpTriggerPx": "",
        "tpOrdPx": "",
        "tpTriggerPxType": "",
        "attachAlgoOrds": [],
    }
    spec = parse_algo_place(body)
    assert (spec.pos_side, spec.close_fraction, spec.reduce_only, spec.cxl_on_close_pos) == (
        PosSide.NET,
        True,
        True,
        True,
    )
    assert (spec.sz, spec.sl_trigger_px_type, spec.tp_trigger_px) == (D(0), "mark", None)
