"""`/api/v5/account/*` (private): configuration, balance, positions, bills, fee rates, maximum sizes.

Reference §4.3. sandex accounts are spot accounts in spot mode: positions are always `[]`, and a
query about another instrument type (MARGIN, SWAP, ...) is valid and answers `[]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sandex.domain.derivatives.contracts import MgnMode
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.money import format_decimal
from sandex.services.exchange.swap_records import MarginSummary
from sandex.services.keys.auth import Principal
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import AccountBalanceView, BillView, Trader
from sandex.transport.okx.account_wire import (
    TYPE_CONVERT,
    TYPE_FUNDING_FEE,
    TYPE_LIQUIDATION,
    TYPE_MARGIN,
    TYPE_TRADE,
    TYPE_TRANSFER,
    balance_wire,
    bill_kind,
    bill_wire,
    fee_wire,
    max_avail_wire,
    max_size_wire,
)
from sandex.transport.okx.auth import ReadAuth
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxRejection, ok
from sandex.transport.okx.params import (
    bad,
    decimal,
    in_wire_words,
    missing,
    query_int,
    query_list,
)
from sandex.transport.okx.rest.trade import INST_TYPES, SPOT, page_of, trader_of, trading_of
from sandex.transport.okx.swap_account_wire import futures_balance_wire, is_futures_mode, settings_wire
from sandex.transport.okx.swap_port import SwapAccounts

router = APIRouter(prefix="/api/v5/account", tags=["account"])

MAX_BALANCE_CCYS = 20
MAX_SIZE_INSTS = 5
SPOT_TD_MODE = "cash"
SWAP = "SWAP"
MARGIN_MODES = frozenset({"cross", "isolated"})
CT_TYPES, INVERSE = frozenset({"linear", "inverse"}), "inverse"  # sandex lists linear swaps only
SWAP_BILL_KINDS = frozenset({TYPE_LIQUIDATION, TYPE_MARGIN, TYPE_FUNDING_FEE})  # filtered by subType
# OKX bill `type` -> the ledger reasons behind it (freezes are not bills).
BILL_TYPES: dict[str, frozenset[PostingReason]] = {
    TYPE_TRANSFER: frozenset({PostingReason.DEPOSIT, PostingReason.WITHDRAWAL, PostingReason.TRANSFER}),
    TYPE_TRADE: frozenset({PostingReason.TRADE, PostingReason.FEE}),
    TYPE_CONVERT: frozenset({PostingReason.CONVERT}),
}


@router.get("/config")
async def get_config(ctx: Ctx, principal: ReadAuth) -> Response:
    wire = config_wire(principal)
    if ctx.swaps is not None:
        settings = await run_in_threadpool(ctx.swaps.settings, trader_of(principal))
        wire.update(settings_wire(settings))
    return ok([wire])


def config_wire(principal: Principal) -> dict[str, Any]:
    """Reference §4.3. A new account is in Spot mode (acctLv 1), net mode, Lv1 fees (`settings_wire`
    shows the account's own level and position mode); `perm`, `ip` and `label` are those of the
    calling key, as on OKX."""
    return {
        "acctLv": "1",
        "acctStpMode": "cancel_maker",
        "autoLoan": False,
        "ctIsoMode": "automatic",
        "enableSpotBorrow": False,
        "feeType": "0",
        "greeksType": "PA",
        "ip": principal.ip_text,
        "kycLv": "1",
        "label": principal.label,
        "level": "Lv1",
        "levelTmp": "",
        "liquidationGear": "-1",
        "mainUid": principal.main_uid,
        "mgnIsoMode": "automatic",
        "opAuth": "0",
        "perm": principal.perm_text,
        "posMode": "net_mode",
        "roleType": "0",
        "settleCcy": "",
        "settleCcyList": [],
        "spotBorrowAutoRepay": False,
        "spotOffsetType": "",
        "spotRoleType": "0",
        "spotTraderInsts": [],
        "traderInsts": [],
        "type": "1" if principal.is_sub_account else "0",
        "uid": principal.uid,
    }


@router.get("/balance")
async def get_balance(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    ccys = query_list(request.query_params.get("ccy"), "ccy", MAX_BALANCE_CCYS)
    service = trading_of(ctx)
    trader = trader_of(principal)
    view, margin = await run_in_threadpool(_balances, service, ctx.swaps, trader, ccys or None)
    return ok([balance_wire(view) if margin is None else futures_balance_wire(view, margin)])


def _balances(
    service: TradingService, swaps: SwapAccounts | None, trader: Trader, ccys: list[str] | None
) -> tuple[AccountBalanceView, Mapping[str, MarginSummary] | None]:
    """The balances, and in Futures mode the swap margin too: one thread hop for all the reads."""
    view = service.balances(trader, ccys)
    if swaps is None or not is_futures_mode(swaps.settings(trader)):
        return view, None
    return view, swaps.margin(trader)


@router.get("/max-withdrawal")
async def get_max_withdrawal(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    """What can leave the trading account for the funding account: in Spot mode nothing is borrowed,
    so both maxima are the available balance; the Portfolio-margin fields are ""."""
    ccys = query_list(request.query_params.get("ccy"), "ccy", MAX_BALANCE_CCYS)
    view = await run_in_threadpool(trading_of(ctx).balances, trader_of(principal), ccys or None)
    available = {row.ccy: row.available for row in view.details}
    return ok([max_withdrawal_wire(ccy, available.get(ccy, Decimal(0))) for ccy in ccys or available])


def max_withdrawal_wire(ccy: str, available: Decimal) -> dict[str, str]:
    amount = format_decimal(available)
    return {"ccy": ccy, "maxWd": amount, "maxWdEx": amount, "spotOffsetMaxWd": "", "spotOffsetMaxWdEx": ""}


@router.get("/bills")
async def get_bills(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    return await _bills(request, ctx, principal, archive=False)


@router.get("/bills-archive")
async def get_bills_archive(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    return await _bills(request, ctx, principal, archive=True)


async def _bills(request: Request, ctx: OkxContext, principal: Principal, *, archive: bool) -> Response:
    query = request.query_params
    wanted = _bill_filter(query)
    page = page_of(query)
    if wanted is None:
        return ok([])
    found = await run_in_threadpool(
        trading_of(ctx).bills,
        trader_of(principal),
        archive=archive,
        ccy=query.get("ccy") or None,
        reasons=wanted.reasons,
        after=page.after,
        before=page.before,
        begin=page.begin,
        end=page.end,
        limit=page.limit,
    )
    return ok([bill_wire(bill) for bill in found if wanted.matches(bill)])


@dataclass(frozen=True, slots=True)
class BillFilter:
    """The filters the ledger query has no column for (instType SPOT = bills about a spot order;
    SWAP, a `ctType` or a `mgnMode` = bills about a swap position)."""

    reasons: frozenset[PostingReason] | None
    kind: str | None
    sub_type: str | None
    inst_type: str | None
    inst_id: str | None
    mgn_mode: str | None
    swaps_only: bool

    def matches(self, bill: BillView) -> bool:
        kind, sub_type = bill_kind(bill)
        if self.kind not in (None, kind) or self.sub_type not in (None, sub_type):
            return False
        if self.inst_id is not None and bill.inst_id != self.inst_id:
            return False
        if self.swaps_only:
            return bill.swap is not None and self.mgn_mode in (None, bill.swap.mgn_mode)
        return self.inst_type != SPOT or (bool(bill.inst_id) and bill.swap is None)


def _bill_filter(query: Mapping[str, str]) -> BillFilter | None:
    """The filters of a bills query; None when they are valid on OKX but no sandex bill can match
    (a bill type, instrument type or contract type sandex never produces)."""
    inst_type = query.get("instType") or None
    if inst_type is not None and inst_type not in INST_TYPES:
        raise bad("instType")
    kind, sub_type = _digits(query.get("type"), "type"), _digits(query.get("subType"), "subType")
    margin = query.get("mgnMode") or None
    if margin is not None and margin not in MARGIN_MODES:
        raise bad("mgnMode")
    ct_type = query.get("ctType") or None
    if ct_type is not None and ct_type not in CT_TYPES:
        raise bad("ctType")
    reasons = None if kind is None or kind in SWAP_BILL_KINDS else BILL_TYPES.get(kind, frozenset())
    if reasons == frozenset() or inst_type not in (None, SPOT, SWAP) or ct_type == INVERSE:
        return None
    swaps_only = inst_type == SWAP or ct_type is not None or margin is not None
    return BillFilter(reasons, kind, sub_type, inst_type, query.get("instId") or None, margin, swaps_only)


def _digits(value: str | None, name: str) -> str | None:
    return None if query_int(value, name) is None else value


@router.get("/trade-fee")
async def get_trade_fee(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    """SPOT (an `instId`, or the first pair) and SWAP (an `instFamily` / legacy `uly`, or any swap):
    the rates the account is charged; other instrument types list nothing."""
    query = request.query_params
    inst_type = query.get("instType")
    if not inst_type:
        raise missing("instType")
    if inst_type not in INST_TYPES:
        raise bad("instType")
    inst_id = _fee_instrument(ctx, inst_type, query)
    if inst_id is None:
        return ok([])
    found = await run_in_threadpool(trading_of(ctx).trade_fee, trader_of(principal), inst_id)
    if isinstance(found, Rejected):
        raise OkxRejection(in_wire_words(found))
    return ok([fee_wire(found, inst_type)])


def _fee_instrument(ctx: OkxContext, inst_type: str, query: Mapping[str, str]) -> str | None:
    """The instrument whose rates answer the query (the fee tier is the account's, not per pair)."""
    listed = ctx.catalogue.catalogue.instruments.values()
    if inst_type == SPOT:
        return query.get("instId") or next((i.inst_id for i in listed if i.contract is None), None)
    if inst_type != SWAP:
        return None
    family = query.get("instFamily") or query.get("uly")
    swaps = [i for i in listed if i.contract is not None and family in (None, i.contract.inst_family)]
    if family and not swaps:
        raise bad("instFamily" if query.get("instFamily") else "uly")
    return swaps[0].inst_id if swaps else None


@router.get("/max-size")
async def get_max_size(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    query = request.query_params
    inst_ids, swap_mode = _sized_instruments(ctx, query)
    px, lever = decimal(query, "px"), decimal(query, "leverage")
    if (px is not None and px <= 0) or (lever is not None and lever <= 0):
        raise bad("px" if px is not None and px <= 0 else "leverage")
    service, trader = trading_of(ctx), trader_of(principal)
    rows = []
    for inst_id in inst_ids:
        if swap_mode is None:
            found = await run_in_threadpool(service.max_size, trader, inst_id, px)
        else:
            swaps, prices = _swaps(ctx, "GET", "account/max-size"), _order_prices(ctx, inst_id, px)
            found = await run_in_threadpool(swaps.max_size, trader, inst_id, swap_mode, prices, lever)
        if isinstance(found, Rejected):
            raise OkxRejection(in_wire_words(found))
        rows.append(max_size_wire(found))
    return ok(rows)


@router.get("/max-avail-size")
async def get_max_avail_size(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    inst_ids, swap_mode = _sized_instruments(ctx, request.query_params)
    service, trader = trading_of(ctx), trader_of(principal)
    rows = []
    for inst_id in inst_ids:
        if swap_mode is None:
            found = await run_in_threadpool(service.max_avail_size, trader, inst_id)
        else:
            swaps = _swaps(ctx, "GET", "account/max-avail-size")
            found = await run_in_threadpool(swaps.max_avail_size, trader, inst_id)
        if isinstance(found, Rejected):
            raise OkxRejection(in_wire_words(found))
        rows.append(max_avail_wire(found))
    return ok(rows)


def _sized_instruments(ctx: OkxContext, query: Mapping[str, str]) -> tuple[list[str], MgnMode | None]:
    """`instId` (1 to 5, comma-separated, of one type) and `tdMode`: `cash` for spot pairs (the
    margin modes are 51000 there, as before), `cross` or `isolated` for swaps (None: spot)."""
    inst_ids = query_list(query.get("instId"), "instId", MAX_SIZE_INSTS)
    if not inst_ids:
        raise missing("instId")
    td_mode = query.get("tdMode")
    if not td_mode:
        raise missing("tdMode")
    listed = ctx.catalogue.catalogue
    swaps = [(inst := listed.instrument(i)) is not None and inst.contract is not None for i in inst_ids]
    if any(swaps) and not all(swaps):
        raise bad("instId")  # OKX: instruments of one type
    if not any(swaps):
        if td_mode != SPOT_TD_MODE:
            raise bad("tdMode")
        return inst_ids, None
    if td_mode not in MARGIN_MODES:
        raise bad("tdMode")
    return inst_ids, MgnMode(td_mode)


def _swaps(ctx: OkxContext, method: str, path: str) -> SwapAccounts:
    if ctx.swaps is None:
        raise OkxRejection(Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what=f"{method} /api/v5/{path}"))
    return ctx.swaps


def _order_prices(ctx: OkxContext, inst_id: str, px: Decimal | None) -> tuple[Decimal, Decimal]:
    """The prices a buy and a sell are sized at: `px`, else the price limits now (OKX), else the
    swap's reference price before the first mark."""
    if px is not None:
        return px, px
    limit = None if ctx.market is None else ctx.market.derivatives.price_limit(inst_id)
    if limit is not None and not isinstance(limit, Rejected):
        return limit.limit.buy_lmt, limit.limit.sell_lmt
    inst = ctx.catalogue.catalogue.instrument(inst_id)
    ref = Decimal(0) if inst is None else inst.ref_px
    return ref, ref
