"""Account-setting and position requests as python-okx and ccxt send them, into swap commands;
bad values answer OKX's codes naming the wire field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.services.exchange.swap_commands import (
    AdjustMargin,
    ClosePosition,
    SetAccountLevel,
    SetLeverage,
    SetPositionMode,
)
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.swap_params import (
    Account,
    history_query,
    leverage_query,
    parse_close_position,
    parse_margin_balance,
    parse_set_account_level,
    parse_set_leverage,
    parse_set_position_mode,
    position_query,
)

WHO = Account(Environment.DEMO, 9)


def refusal(call: Any, *args: Any) -> Rejected:
    with pytest.raises(OkxRejection) as caught:
        call(*args)
    return caught.value.rejected


def bad(field: str) -> Rejected:
    return Rejected.of(Reason.PARAM_ERROR, field=field)


def empty(field: str) -> Rejected:
    return Rejected.of(Reason.PARAM_EMPTY, field=field)


def test_set_position_mode() -> None:
    parsed = parse_set_position_mode({"posMode": "long_short_mode"}, WHO)
    assert parsed == SetPositionMode(Environment.DEMO, 9, PosMode.LONG_SHORT)
    assert refusal(parse_set_position_mode, {"posMode": "hedge"}, WHO) == bad("posMode")
    assert refusal(parse_set_position_mode, {}, WHO) == empty("posMode")


def test_set_account_level() -> None:
    assert parse_set_account_level({"acctLv": "2"}, WHO) == SetAccountLevel(
        Environment.DEMO, 9, AcctLv.FUTURES
    )
    assert refusal(parse_set_account_level, {"acctLv": "5"}, WHO) == bad("acctLv")


def test_set_leverage_as_python_okx_sends_it() -> None:
    body = {"lever": "5", "mgnMode": "cross", "instId": "BTC-USDT-SWAP", "ccy": "", "posSide": ""}
    assert parse_set_leverage(body, WHO) == SetLeverage(
        Environment.DEMO, 9, "BTC-USDT-SWAP", MgnMode.CROSS, None, Decimal(5)
    )


def test_set_leverage_as_ccxt_sends_it() -> None:
    body = {"lever": 3, "mgnMode": "isolated", "instId": "BTC-USDT-SWAP", "posSide": "long"}
    parsed = parse_set_leverage(body, WHO)
    assert (parsed.lever, parsed.mgn_mode, parsed.pos_side) == (Decimal(3), MgnMode.ISOLATED, PosSide.LONG)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"lever": ""}, empty("lever")),
        ({"lever": "x"}, bad("lever")),
        ({"lever": "0"}, bad("lever")),
        ({"mgnMode": "cash"}, bad("mgnMode")),
        ({"mgnMode": ""}, empty("mgnMode")),
        ({"instId": ""}, empty("instId")),
        ({"posSide": "both"}, bad("posSide")),
    ],
)
def test_set_leverage_refusals(fields: dict[str, Any], expected: Rejected) -> None:
    body = {"lever": "5", "mgnMode": "cross", "instId": "BTC-USDT-SWAP", **fields}
    assert refusal(parse_set_leverage, body, WHO) == expected


def test_margin_balance() -> None:
    body = {"instId": "BTC-USDT-SWAP", "posSide": "", "type": "add", "amt": "1.5", "ccy": ""}
    parsed = parse_margin_balance(body, WHO)
    assert parsed == AdjustMargin(Environment.DEMO, 9, "BTC-USDT-SWAP", PosSide.NET, True, 15 * 10**17)
    assert parse_margin_balance({**body, "type": "reduce", "posSide": "short"}, WHO).add is False
    assert refusal(parse_margin_balance, {**body, "type": "more"}, WHO) == bad("type")
    assert refusal(parse_margin_balance, {**body, "amt": "-1"}, WHO) == bad("amt")
    assert refusal(parse_margin_balance, {**body, "amt": "1e-19"}, WHO) == bad("amt")
    assert refusal(parse_margin_balance, {**body, "amt": ""}, WHO) == empty("amt")


def test_close_position() -> None:
    body = {
        "instId": "BTC-USDT-SWAP",
        "mgnMode": "cross",
        "posSide": "",
        "ccy": "",
        "autoCxl": "",
        "clOrdId": "",
        "tag": "",
    }
    assert parse_close_position(body, WHO) == ClosePosition(
        Environment.DEMO, 9, "BTC-USDT-SWAP", MgnMode.CROSS, PosSide.NET
    )
    ccxt = {
        "instId": "BTC-USDT-SWAP",
        "mgnMode": "isolated",
        "posSide": "long",
        "autoCxl": True,
        "clOrdId": "c1",
    }
    parsed = parse_close_position(ccxt, WHO)
    assert (parsed.pos_side, parsed.auto_cxl, parsed.cl_ord_id) == (PosSide.LONG, True, "c1")
    assert refusal(parse_close_position, {**body, "mgnMode": ""}, WHO) == empty("mgnMode")
    assert refusal(parse_close_position, {**body, "clOrdId": "a-b"}, WHO) == bad("clOrdId")


def test_positions_query() -> None:
    query = position_query({"instType": "SWAP", "instId": "BTC-USDT-SWAP,ETH-USDT-SWAP", "posId": "3,4"})
    assert (query.inst_ids, query.pos_ids, query.about_swaps) == (
        ("BTC-USDT-SWAP", "ETH-USDT-SWAP"),
        (3, 4),
        True,
    )
    assert position_query({"instType": "FUTURES"}).about_swaps is False
    assert position_query({}).about_swaps is True
    assert refusal(position_query, {"instType": "SPOT"}) == bad("instType")
    assert refusal(position_query, {"instId": ",".join(["X"] * 11)}) == bad("instId")
    assert refusal(position_query, {"posId": "a"}) == bad("posId")


def test_positions_history_query() -> None:
    query = history_query(
        {"instType": "SWAP", "mgnMode": "isolated", "type": "2", "after": "17", "limit": "5"}
    )
    assert (query.mgn_mode, query.close_type, query.after, query.limit) == (MgnMode.ISOLATED, 2, 17, 5)
    assert refusal(history_query, {"type": "9"}) == bad("type")
    assert refusal(history_query, {"mgnMode": "cash"}) == bad("mgnMode")
    assert refusal(history_query, {"limit": "101"}) == bad("limit")


def test_leverage_info_query() -> None:
    assert leverage_query({"instId": "BTC-USDT-SWAP,ETH-USDT-SWAP", "mgnMode": "cross"}) == (
        ["BTC-USDT-SWAP", "ETH-USDT-SWAP"],
        MgnMode.CROSS,
    )
    assert refusal(leverage_query, {"instId": "BTC-USDT-SWAP"}) == empty("mgnMode")
    assert refusal(leverage_query, {"mgnMode": "cross"}) == empty("instId")
