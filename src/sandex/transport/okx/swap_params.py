"""Account-setting and position requests (trading_account.md, order_book_trading.md): OKX JSON
bodies and query strings into the swap commands and read filters, refusals naming the wire field.

What a request may ask depends on the account (its position mode, its level) and the instrument:
those rules are the exchange's (swap-core's commands). Here only the shape is checked: required
fields (50014), values of a documented set and numbers (51000). python-okx sends every unset
optional field as `""`, which means "not given"; `lever` may be a JSON number or a string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, InstType, MgnMode, PosMode, PosSide
from sandex.domain.ledger.amounts import to_amount
from sandex.services.exchange.swap_commands import (
    AdjustMargin,
    ClosePosition,
    SetAccountLevel,
    SetLeverage,
    SetPositionMode,
)
from sandex.transport.okx.params import (
    bad,
    boolean,
    choice,
    missing,
    query_int,
    query_limit,
    query_list,
    required_choice,
    required_decimal,
    required_text,
    token,
)

CL_ORD_ID_MAX, TAG_MAX = 32, 16
MAX_POSITION_INSTS, MAX_POSITION_IDS = 10, 20  # account/positions: instId, posId
MAX_LEVERAGE_INSTS = 20  # account/leverage-info
POSITION_INST_TYPES = frozenset({"MARGIN", "SWAP", "FUTURES", "OPTION"})
CLOSE_TYPES = frozenset({"1", "2", "3", "4", "5", "6"})  # positions-history `type`
MARGIN_ACTIONS = {"add": True, "reduce": False}


@dataclass(frozen=True, slots=True)
class Account:
    """Whose settings a request changes (the caller's trading account in its key's environment)."""

    environment: Environment
    account_id: int


# --- writes --------------------------------------------------------------------------------------
def parse_set_position_mode(body: Mapping[str, Any], who: Account) -> SetPositionMode:
    return SetPositionMode(who.environment, who.account_id, required_choice(body, "posMode", PosMode))


def parse_set_account_level(body: Mapping[str, Any], who: Account) -> SetAccountLevel:
    return SetAccountLevel(who.environment, who.account_id, required_choice(body, "acctLv", AcctLv))


def parse_set_leverage(body: Mapping[str, Any], who: Account) -> SetLeverage:
    """instId, lever (> 0: how far above 1 and below the maximum is the exchange's, 59102/59105),
    mgnMode, posSide (long/short; "" or absent otherwise). `ccy` is the MARGIN currency-level
    setting, which a swap never has: with no instId it is refused as a missing instId."""
    lever = required_decimal(body, "lever")
    mgn_mode = required_choice(body, "mgnMode", MgnMode)
    inst_id = required_text(body, "instId")
    if lever <= 0:
        raise bad("lever")
    return SetLeverage(who.environment, who.account_id, inst_id, mgn_mode, _pos_side(body), lever)


def parse_margin_balance(body: Mapping[str, Any], who: Account) -> AdjustMargin:
    """instId, posSide (net by default), type add|reduce, amt > 0 in the settlement currency."""
    inst_id = required_text(body, "instId")
    pos_side = _pos_side(body) or PosSide.NET
    action = required_text(body, "type")
    if action not in MARGIN_ACTIONS:
        raise bad("type")
    amt = required_decimal(body, "amt")
    units = to_amount(amt)
    if units is None or units <= 0:
        raise bad("amt")
    return AdjustMargin(who.environment, who.account_id, inst_id, pos_side, MARGIN_ACTIONS[action], units)


def parse_close_position(body: Mapping[str, Any], who: Account) -> ClosePosition:
    """instId, mgnMode, posSide (net by default: long/short mode requires it, the exchange's rule),
    autoCxl, clOrdId, tag."""
    inst_id = required_text(body, "instId")
    mgn_mode = required_choice(body, "mgnMode", MgnMode)
    pos_side = _pos_side(body) or PosSide.NET
    auto_cxl = bool(boolean(body, "autoCxl"))
    cl_ord_id, tag = token(body, "clOrdId", CL_ORD_ID_MAX), token(body, "tag", TAG_MAX)
    return ClosePosition(
        who.environment, who.account_id, inst_id, mgn_mode, pos_side, auto_cxl, cl_ord_id, tag
    )


def _pos_side(body: Mapping[str, Any]) -> PosSide | None:
    return choice(body, "posSide", PosSide)


# --- reads ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PositionQuery:
    """`account/positions`: None = no filter. `inst_type` other than SWAP matches nothing sandex holds."""

    inst_type: str | None
    inst_ids: tuple[str, ...]
    pos_ids: tuple[int, ...]

    @property
    def about_swaps(self) -> bool:
        return self.inst_type in (None, InstType.SWAP.value)


def position_query(query: Mapping[str, str]) -> PositionQuery:
    inst_type = query.get("instType") or None
    if inst_type is not None and inst_type not in POSITION_INST_TYPES:
        raise bad("instType")
    inst_ids = query_list(query.get("instId"), "instId", MAX_POSITION_INSTS)
    pos_ids = query_list(query.get("posId"), "posId", MAX_POSITION_IDS)
    return PositionQuery(inst_type, tuple(inst_ids), tuple(_pos_id(raw) for raw in pos_ids))


def _pos_id(raw: str) -> int:
    value = query_int(raw, "posId")
    assert value is not None  # query_list drops blanks
    return value


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """`account/positions-history` filters; `after`/`before` are uTime cursors (ms)."""

    inst_type: str | None
    inst_id: str | None
    mgn_mode: MgnMode | None
    close_type: int | None
    pos_id: int | None
    after: int | None
    before: int | None
    limit: int

    @property
    def about_swaps(self) -> bool:
        return self.inst_type in (None, InstType.SWAP.value)


def history_query(query: Mapping[str, str]) -> HistoryQuery:
    inst_type = query.get("instType") or None
    if inst_type is not None and inst_type not in POSITION_INST_TYPES:
        raise bad("instType")
    close_type = query.get("type") or None
    if close_type is not None and close_type not in CLOSE_TYPES:
        raise bad("type")
    return HistoryQuery(
        inst_type=inst_type,
        inst_id=query.get("instId") or None,
        mgn_mode=choice(query, "mgnMode", MgnMode),
        close_type=None if close_type is None else int(close_type),
        pos_id=query_int(query.get("posId"), "posId"),
        after=query_int(query.get("after"), "after"),
        before=query_int(query.get("before"), "before"),
        limit=query_limit(query.get("limit")),
    )


def leverage_query(query: Mapping[str, str]) -> tuple[list[str], MgnMode]:
    """`account/leverage-info`: instId (1..20, comma-separated) and mgnMode, both required for a
    swap (the currency-level `ccy` form is MARGIN's)."""
    mgn_mode = required_choice(query, "mgnMode", MgnMode)
    inst_ids = query_list(query.get("instId"), "instId", MAX_LEVERAGE_INSTS)
    if not inst_ids:
        raise missing("instId")
    return inst_ids, mgn_mode
