"""`/sandex/v1/users/{uid}/swap…`: an account's swap settings, and a forced liquidation for tests.

    GET  /sandex/v1/users/{uid}/swap-settings?demo=false       {"acct_lv": "1", "pos_mode": "net_mode", ...}
    PUT  /sandex/v1/users/{uid}/account-mode  {"mode": "futures", "demo": false}   (or "spot", "2", "1")
    PUT  /sandex/v1/users/{uid}/position-mode {"mode": "long_short"}               (or "net")
    PUT  /sandex/v1/users/{uid}/leverage      {"inst_id": "BTC-USDT-SWAP", "mgn_mode": "cross", "lever": "5"}
    POST /sandex/v1/users/{uid}/liquidations  {"inst_id": "BTC-USDT-SWAP"}         ("": every position)

OKX makes the first account-mode choice on its web site, never through the API: here (and on the
console's Account page) is where sandex takes it. Every change is applied by the exchange's writer
and refused as OKX refuses it (59000 with positions or pending orders, 51010 in Spot mode…).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query
from pydantic import Field
from starlette.responses import Response

from sandex.domain.errors import Rejected
from sandex.services.control.swaps import SwapControls, SwapSettingsView, environment_of
from sandex.transport.control.accounts import require
from sandex.transport.control.context import ControlContext, ControlCtx
from sandex.transport.control.errors import ControlFailure, ControlJSON, refusal
from sandex.transport.control.schemas import StrictBody

router = APIRouter(tags=["swaps"])
NO_SWAPS = "swap controls need the trading service, which is not running"


class ModeBody(StrictBody):
    mode: str = Field(
        description='account mode "spot" | "futures" ("1" | "2"); position mode "net" | "long_short"'
    )
    demo: bool = False


class LeverageBody(StrictBody):
    inst_id: str
    mgn_mode: str = Field(description='"cross" | "isolated"')
    lever: str | int = Field(description='a decimal string, e.g. "5"')
    pos_side: str = Field(default="", description='"long" | "short": isolated in long/short mode only')
    demo: bool = False


class LiquidationBody(StrictBody):
    inst_id: str = Field(default="", description='"": every position of the account')
    demo: bool = False


def settings_json(uid: str, view: SwapSettingsView) -> dict[str, str]:
    return {
        "uid": uid,
        "environment": view.environment.value,
        "acct_lv": view.acct_lv.value,
        "pos_mode": view.pos_mode.value,
    }


async def _user_and_swaps(ctx: ControlContext, uid: str) -> tuple[int, SwapControls]:
    if ctx.swaps is None:
        raise ControlFailure(501, "unavailable", NO_SWAPS)
    return require(await asyncio.to_thread(ctx.service.get_user, uid)).id, ctx.swaps


def _done(outcome: Rejected | None) -> None:
    if outcome is not None:
        raise refusal(outcome)


@router.get("/users/{uid}/swap-settings")
async def get_settings(ctx: ControlCtx, uid: str, demo: bool = Query(default=False)) -> Response:
    user_id, swaps = await _user_and_swaps(ctx, uid)
    view = await asyncio.to_thread(swaps.settings, user_id, environment_of(demo))
    return ControlJSON(settings_json(uid, view))


@router.put("/users/{uid}/account-mode")
async def set_account_mode(ctx: ControlCtx, uid: str, body: ModeBody) -> Response:
    user_id, swaps = await _user_and_swaps(ctx, uid)
    view = require(await swaps.set_account_mode(user_id, environment_of(body.demo), body.mode))
    return ControlJSON(settings_json(uid, view))


@router.put("/users/{uid}/position-mode")
async def set_position_mode(ctx: ControlCtx, uid: str, body: ModeBody) -> Response:
    user_id, swaps = await _user_and_swaps(ctx, uid)
    view = require(await swaps.set_position_mode(user_id, environment_of(body.demo), body.mode))
    return ControlJSON(settings_json(uid, view))


@router.put("/users/{uid}/leverage")
async def set_leverage(ctx: ControlCtx, uid: str, body: LeverageBody) -> Response:
    user_id, swaps = await _user_and_swaps(ctx, uid)
    environment = environment_of(body.demo)
    lever = str(body.lever)
    _done(await swaps.set_leverage(user_id, environment, body.inst_id, body.mgn_mode, lever, body.pos_side))
    answer = {"uid": uid, "inst_id": body.inst_id, "mgn_mode": body.mgn_mode, "lever": lever}
    return ControlJSON({**answer, "pos_side": body.pos_side or "net", "environment": environment.value})


@router.post("/users/{uid}/liquidations")
async def force_liquidation(ctx: ControlCtx, uid: str, body: LiquidationBody) -> Response:
    """Liquidate now, as if the margin had breached (the position closes with type 3, bills type 5)."""
    user_id, swaps = await _user_and_swaps(ctx, uid)
    environment = environment_of(body.demo)
    _done(await swaps.force_liquidation(user_id, environment, body.inst_id))
    return ControlJSON({"uid": uid, "inst_id": body.inst_id, "environment": environment.value})
