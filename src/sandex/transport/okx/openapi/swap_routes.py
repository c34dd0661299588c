"""Swap account routes (`rest/swaps.py`): settings, leverage, positions, margin, close-position."""

from __future__ import annotations

from collections.abc import Mapping

from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.transport.okx.openapi.vocab import Doc, digits, flag, limit, one_of, required, text
from sandex.transport.okx.swap_params import CLOSE_TYPES, MARGIN_ACTIONS, POSITION_INST_TYPES

SWAP_ID = text("instId", "swap instrument", example="BTC-USDT-SWAP")
MGN_MODE = one_of("mgnMode", MgnMode, example="cross")
POS_SIDE = one_of("posSide", PosSide, "long/short mode: long or short; net mode: net or empty")
INST_TYPE = one_of("instType", POSITION_INST_TYPES)

SWAP_ROUTES: Mapping[str, Doc] = {
    "POST /api/v5/account/set-position-mode": Doc(
        "Set the position mode (net or long/short)", body=required(one_of("posMode", PosMode))
    ),
    "POST /api/v5/account/set-account-level": Doc(
        "Set the account mode (1 Spot, 2 Futures)", body=required(one_of("acctLv", AcctLv))
    ),
    "POST /api/v5/account/set-leverage": Doc(
        "Set the leverage of a swap (per side for isolated in long/short mode)",
        body=(*required(SWAP_ID, text("lever", "leverage, e.g. 5"), MGN_MODE), POS_SIDE, text("ccy")),
    ),
    "GET /api/v5/account/leverage-info": Doc(
        "Leverage of swaps",
        query=required(text("instId", "1 to 20 swaps, comma-separated", example="BTC-USDT-SWAP"), MGN_MODE),
    ),
    "GET /api/v5/account/positions": Doc(
        "Open positions",
        query=(INST_TYPE, text("instId", "at most 10, comma-separated"), text("posId", "at most 20")),
    ),
    "GET /api/v5/account/positions-history": Doc(
        "Positions closed in full or in part",
        query=(
            INST_TYPE,
            text("instId"),
            MGN_MODE,
            one_of("type", CLOSE_TYPES, "1 partial close, 2 close, 3 liquidation, 4 partial liquidation"),
            digits("posId"),
            digits("after", "older than this uTime (ms)"),
            digits("before", "newer than this uTime (ms)"),
            limit(100),
        ),
    ),
    "POST /api/v5/account/position/margin-balance": Doc(
        "Add margin to or take it from an isolated position",
        body=(
            *required(
                SWAP_ID, one_of("type", MARGIN_ACTIONS), text("amt", "amount of the settlement currency")
            ),
            POS_SIDE,
            text("ccy"),
        ),
    ),
    "POST /api/v5/trade/close-position": Doc(
        "Close a position at market",
        body=(
            *required(SWAP_ID, MGN_MODE),
            POS_SIDE,
            text("ccy"),
            flag("autoCxl"),
            text("clOrdId"),
            text("tag"),
        ),
    ),
}
