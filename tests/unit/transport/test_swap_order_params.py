"""Swap order items as python-okx and ccxt send them: margin mode, position side, reduce-only,
optimal_limit_ioc and sizes in contracts reach the exchange; spot orders keep the spot rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandex.domain.derivatives.contracts import ContractSpec, CtType, PosSide, Tier
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Currency, Instrument
from sandex.transport.okx.orders_wire import parse_place, spot_refusal

# python-okx `place_order(instId, tdMode="cross", side, ordType="market", sz="1")`: unset fields "".
PYTHON_OKX_SWAP: dict[str, Any] = {
    "instId": "BTC-USDT-SWAP",
    "tdMode": "cross",
    "side": "buy",
    "ordType": "market",
    "sz": "1",
    "ccy": "",
    "clOrdId": "",
    "tag": "",
    "posSide": "",
    "px": "",
    "reduceOnly": "",
    "tgtCcy": "",
    "stpMode": "",
    "pxUsd": "",
    "pxVol": "",
    "banAmend": "",
    "attachAlgoOrds": None,
}
# ccxt `create_order("BTC/USDT:USDT", "market", "sell", 1, params={"reduceOnly": True})` in net mode
CCXT_SWAP: dict[str, Any] = {
    "instId": "BTC-USDT-SWAP",
    "side": "sell",
    "ordType": "market",
    "sz": "1",
    "tdMode": "isolated",
    "posSide": "net",
    "reduceOnly": True,
    "clOrdId": "e847386590ce4dBC1",
    "tag": "e847386590ce4dBC",
}

SWAP_SPEC = ContractSpec(
    inst_family="BTC-USDT",
    ct_val=Decimal("0.01"),
    ct_mult=Decimal(1),
    ct_val_ccy="BTC",
    settle_ccy="USDT",
    ct_type=CtType.LINEAR,
    max_lever=Decimal(100),
    tiers=(Tier(1, Decimal(0), Decimal(1000), Decimal("0.004"), Decimal("0.01"), Decimal(100)),),
    index_id="BTC-USDT",
)
CATALOGUE = Catalogue(
    [
        Instrument(
            "BTC-USDT", "BTC", "USDT", Decimal("0.1"), Decimal("1e-8"), Decimal("1e-5"), Decimal(50000), 1, 0
        ),
        Instrument(
            "BTC-USDT-SWAP",
            "BTC",
            "USDT",
            *(Decimal("0.1"), Decimal("0.01"), Decimal("0.01")),
            Decimal(50000),
            2,
            0,
            contract=SWAP_SPEC,
        ),
    ],
    [Currency("BTC", "Bitcoin", ()), Currency("USDT", "Tether", ())],
)


def test_python_okx_empty_fields_mean_not_given() -> None:
    spec = parse_place(PYTHON_OKX_SWAP)
    assert (spec.td_mode, spec.pos_side, spec.reduce_only, spec.sz, spec.px) == (
        "cross",
        None,
        False,
        1,
        None,
    )
    assert spot_refusal(spec, CATALOGUE) is None


def test_ccxt_reduce_only_net_position_side() -> None:
    spec = parse_place(CCXT_SWAP)
    assert (spec.td_mode, spec.pos_side, spec.reduce_only) == ("isolated", PosSide.NET, True)
    assert spot_refusal(spec, CATALOGUE) is None


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("false", False), (False, False), ("", False)])
def test_reduce_only_as_boolean_or_text(raw: Any, expected: bool) -> None:
    assert parse_place({**CCXT_SWAP, "reduceOnly": raw}).reduce_only is expected


@pytest.mark.parametrize("side", ["long", "short"])
def test_long_short_position_sides_reach_the_exchange(side: str) -> None:
    spec = parse_place({**PYTHON_OKX_SWAP, "posSide": side})
    assert spec.pos_side is PosSide(side)
    assert spot_refusal(spec, CATALOGUE) is None


SPOT_CASH = {**PYTHON_OKX_SWAP, "instId": "BTC-USDT", "tdMode": "cash", "sz": "0.01"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"tdMode": "cross"}, Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what="tdMode cross")),
        ({"tdMode": "isolated"}, Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what="tdMode isolated")),
        ({"reduceOnly": True}, Rejected.of(Reason.PARAM_ERROR, field="reduceOnly")),
        ({"posSide": "long"}, Rejected.of(Reason.PARAM_ERROR, field="posSide")),
        # an unlisted instrument keeps the spot answer too (then the exchange says 51001)
        (
            {"instId": "NOPE-USDT", "tdMode": "cross"},
            Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what="tdMode cross"),
        ),
    ],
)
def test_spot_orders_keep_the_spot_rules(fields: dict[str, Any], expected: Rejected) -> None:
    assert spot_refusal(parse_place({**SPOT_CASH, **fields}), CATALOGUE) == expected


def test_spot_cash_with_net_or_empty_position_side_passes() -> None:
    for pos_side in ("", "net"):
        assert spot_refusal(parse_place({**SPOT_CASH, "posSide": pos_side}), CATALOGUE) is None


def test_a_swap_order_in_cash_mode_is_left_to_the_exchange() -> None:
    """51000 tdMode for cash on a swap is the exchange's check (after the account-mode one)."""
    assert spot_refusal(parse_place({**PYTHON_OKX_SWAP, "tdMode": "cash"}), CATALOGUE) is None


def test_optimal_limit_ioc_has_no_price_and_is_swap_only() -> None:
    spec = parse_place({**PYTHON_OKX_SWAP, "ordType": "optimal_limit_ioc", "px": "30000"})
    assert (spec.ord_type.value, spec.px, spec.tgt_ccy) == ("optimal_limit_ioc", None, None)
    assert spot_refusal(spec, CATALOGUE) is None
    spot = parse_place({**SPOT_CASH, "ordType": "optimal_limit_ioc"})
    assert spot_refusal(spot, CATALOGUE) == Rejected.of(Reason.PARAM_ERROR, field="ordType")
