"""Swap account endpoints (trading_account.md, order_book_trading.md): position mode, account
level, leverage, positions and their history, isolated margin, closing a position.

Parse (`swap_params`), one call to the swap port (`OkxContext.swaps`), render (`positions_wire`,
`swap_account_wire`). A Spot-mode account (acctLv 1) is refused with 51010 naming the endpoint,
as OKX refuses derivatives requests of such an account; `account/positions` answers it `[]`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sandex.domain.derivatives.contracts import AcctLv
from sandex.domain.errors import Reason, Rejected
from sandex.services.exchange.swap_commands import (
    ClosePosition,
    LeverageSet,
    MarginAdjusted,
    SetAccountLevel,
    SetPositionMode,
    SwapCommand,
)
from sandex.services.keys.auth import Principal
from sandex.transport.okx.auth import ReadAuth, TradeAuth
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxRejection, ok
from sandex.transport.okx.params import bad, in_wire_words, json_body
from sandex.transport.okx.positions_wire import history_wire, position_wire
from sandex.transport.okx.rest.trade import trader_of
from sandex.transport.okx.swap_account_wire import leverage_set_wire, leverage_wire, margin_adjusted_wire
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
from sandex.transport.okx.swap_port import SwapAccounts

router = APIRouter(prefix="/api/v5", tags=["account"])

Parse = Callable[[Mapping[str, Any], Account], SwapCommand]


def swaps_of(ctx: OkxContext, method: str, path: str) -> SwapAccounts:
    """The swap port; without one every account is in Spot mode (51010)."""
    if ctx.swaps is None:
        raise OkxRejection(spot_mode(method, path))
    return ctx.swaps


def spot_mode(method: str, path: str) -> Rejected:
    return Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what=f"{method} /api/v5/{path}")


async def _futures_mode(ctx: OkxContext, principal: Principal, method: str, path: str) -> SwapAccounts:
    """The port, once the account is known to be in Futures mode (reads a Spot-mode account may not make)."""
    swaps = swaps_of(ctx, method, path)
    settings = await run_in_threadpool(swaps.settings, trader_of(principal))
    if settings.acct_lv is not AcctLv.FUTURES:
        raise OkxRejection(spot_mode(method, path))
    return swaps


# --- writes --------------------------------------------------------------------------------------
async def _apply(
    request: Request,
    ctx: OkxContext,
    principal: Principal,
    path: str,
    parse: Parse,
    *,
    any_mode: bool = False,
) -> tuple[SwapCommand, object]:
    """Parse the body into its command, run it: the command and its result; a refusal in wire
    words. A Spot-mode account is refused (51010 naming the path) before its body is read, unless
    the endpoint is for any mode (set-account-level)."""
    swaps = swaps_of(ctx, "POST", path) if any_mode else await _futures_mode(ctx, principal, "POST", path)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad("body")
    trader = trader_of(principal)
    account_id = await run_in_threadpool(swaps.account_id, trader)
    command = parse(body, Account(trader.environment, account_id))
    result = await swaps.apply(command)
    if isinstance(result, Rejected):
        if result.reason in (Reason.ACCOUNT_MODE_UNSUPPORTED, Reason.SWAP_ACCOUNT_MODE):
            raise OkxRejection(spot_mode("POST", path))
        raise OkxRejection(in_wire_words(result))
    return command, result


@router.post("/account/set-position-mode")
async def set_position_mode(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    command, _ = await _apply(request, ctx, principal, "account/set-position-mode", parse_set_position_mode)
    assert isinstance(command, SetPositionMode)
    return ok([{"posMode": command.pos_mode.value}])


@router.post("/account/set-account-level")
async def set_account_level(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    command, _ = await _apply(
        request, ctx, principal, "account/set-account-level", parse_set_account_level, any_mode=True
    )
    assert isinstance(command, SetAccountLevel)
    return ok([{"acctLv": command.acct_lv.value}])


@router.post("/account/set-leverage")
async def set_leverage(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    _, result = await _apply(request, ctx, principal, "account/set-leverage", parse_set_leverage)
    if not isinstance(result, LeverageSet):
        raise TypeError(f"set-leverage answered {result!r}")
    return ok([leverage_set_wire(result)])


@router.post("/account/position/margin-balance")
async def margin_balance(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    _, result = await _apply(request, ctx, principal, "account/position/margin-balance", parse_margin_balance)
    if not isinstance(result, MarginAdjusted):
        raise TypeError(f"margin-balance answered {result!r}")
    return ok([margin_adjusted_wire(result)])


@router.post("/trade/close-position")
async def close_position(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    command, _ = await _apply(request, ctx, principal, "trade/close-position", parse_close_position)
    assert isinstance(command, ClosePosition)
    return ok(
        [
            {
                "instId": command.inst_id,
                "posSide": command.pos_side.value,
                "clOrdId": command.cl_ord_id,
                "tag": command.tag,
            }
        ]
    )


# --- reads ---------------------------------------------------------------------------------------
@router.get("/account/positions")
async def get_positions(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    """Open positions (all swaps: SWAP or no instType); other instrument types hold none."""
    wanted = position_query(request.query_params)
    if ctx.swaps is None or not wanted.about_swaps:
        return ok([])
    views = await run_in_threadpool(
        ctx.swaps.positions, trader_of(principal), wanted.inst_ids, wanted.pos_ids
    )
    return ok([position_wire(view) for view in views])


@router.get("/account/positions-history")
async def get_positions_history(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    wanted = history_query(request.query_params)
    swaps = await _futures_mode(ctx, principal, "GET", "account/positions-history")
    if not wanted.about_swaps:
        return ok([])
    records = await run_in_threadpool(
        lambda: swaps.positions_history(
            trader_of(principal),
            inst_id=wanted.inst_id,
            mgn_mode=wanted.mgn_mode,
            close_type=wanted.close_type,
            pos_id=wanted.pos_id,
            after=wanted.after,
            before=wanted.before,
            limit=wanted.limit,
        )
    )
    catalogue = ctx.catalogue.catalogue
    rows = []
    for record in records:
        inst = catalogue.instrument(record.inst_id)
        if inst is not None and inst.contract is not None:
            spec = inst.contract
            rows.append(
                history_wire(record, inst.inst_type.value, spec.settle_ccy, spec.ct_val * spec.ct_mult)
            )
    return ok(rows)


@router.get("/account/leverage-info")
async def get_leverage_info(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    inst_ids, mgn_mode = leverage_query(request.query_params)
    swaps = await _futures_mode(ctx, principal, "GET", "account/leverage-info")
    catalogue = ctx.catalogue.catalogue
    for inst_id in inst_ids:
        inst = catalogue.instrument(inst_id)
        if inst is None or inst.contract is None:
            raise OkxRejection(Rejected(Reason.INSTRUMENT_NOT_FOUND))
    rows = await run_in_threadpool(swaps.leverages, trader_of(principal), inst_ids, mgn_mode)
    return ok([leverage_wire(row) for row in rows])
