"""`/sandex/v1/funding-rates`: script swaps' funding (the same as `sandex funding-rate …`).

    GET  /sandex/v1/funding-rates                              every swap's coming settlement
    POST /sandex/v1/funding-rates {"inst_id": "BTC-USDT-SWAP", "rate": "0.001", "frozen": true}
    POST /sandex/v1/funding-rates/settle {"inst_id": "BTC-USDT-SWAP"}   settle now, at the rate shown
    POST /sandex/v1/users/{uid}/liquidate {"inst_id": "", "demo": false}  liquidate now (all: "")

A set rate holds until the next minute's sample unless frozen; `"frozen": false` lets the samples
move it again. Scheduled settlements follow the sandbox clock (`/sandex/v1/clock/advance`).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.services.swap_funding.service import FundingRateService
from sandex.transport.control.accounts import require
from sandex.transport.control.context import ControlContext, ControlCtx
from sandex.transport.control.errors import ControlFailure, ControlJSON
from sandex.transport.control.schemas import StrictBody
from sandex.transport.control.views import plain

router = APIRouter(tags=["funding rates"])


class FundingRateBody(StrictBody):
    inst_id: str
    rate: str | None = Field(default=None, description="the coming settlement's rate (exact: a string)")
    frozen: bool | None = Field(default=None, description="true: samples no longer move it")


class SettleBody(StrictBody):
    inst_id: str


class LiquidateBody(StrictBody):
    inst_id: str = Field(default="", description="one swap, or every position of the user")
    demo: bool = False


def _service(ctx: ControlContext) -> FundingRateService:
    if ctx.funding_rates is None:
        raise ControlFailure(501, "not_running", "funding rates are not served by this process")
    return ctx.funding_rates


def _rate(text: str | None) -> Decimal | None:
    try:
        return None if text is None else Decimal(text)
    except InvalidOperation:
        raise ControlFailure(400, "param_error", "rate is not a number", field="rate") from None


@router.get("/funding-rates")
def show(ctx: ControlCtx) -> Response:
    views = require(_service(ctx).current("ANY"))
    return ControlJSON([plain(v) for v in views])


@router.post("/funding-rates")
def set_rate(ctx: ControlCtx, body: FundingRateBody) -> Response:
    if body.rate is None and body.frozen is None:
        raise ControlFailure(400, "param_error", "give rate and/or frozen", field="rate")
    view = require(_service(ctx).set_rate(body.inst_id, _rate(body.rate), body.frozen))
    return ControlJSON(plain(view))


@router.post("/funding-rates/settle")
async def settle(ctx: ControlCtx, body: SettleBody) -> Response:
    done = await _service(ctx).settle_now(body.inst_id)
    if (
        isinstance(done, Rejected)
        and done.reason is Reason.PARAM_ERROR
        and done.params.get("field") == "kind"
    ):
        raise ControlFailure(501, "not_running", "this exchange core does not settle funding yet")
    return ControlJSON(plain(require(done)))


@router.post("/users/{uid}/liquidate")
async def liquidate(ctx: ControlCtx, uid: str, body: LiquidateBody) -> Response:
    """Liquidate the user's swap positions now, as if their margin had breached."""
    if ctx.liquidations is None:
        raise ControlFailure(501, "not_running", "liquidations are not served by this process")
    user = require(await asyncio.to_thread(ctx.service.get_user, uid))
    environment = Environment.DEMO if body.demo else Environment.LIVE
    done = require(await ctx.liquidations.liquidate(user.id, environment, body.inst_id))
    return ControlJSON({"uid": uid, "inst_id": body.inst_id, "demo": body.demo, "result": plain(done)})
