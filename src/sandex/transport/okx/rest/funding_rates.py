"""`public/funding-rate`, `public/funding-rate-history` and `public/liquidation-orders` (no
authentication).

`instId` is required (50014); `ANY` lists every swap; a spot pair or an unknown id is 51001. The
history is newest first, `after`/`before` are funding times, `limit` ≤ 400 (default 400), and it
reaches back three months. Liquidation orders: `instType` required (SWAP; MARGIN, FUTURES and
OPTION answer []), `instFamily`/`uly`/`instId` narrow it, `state` filled (unfilled: []),
`after`/`before` are liquidation times, `limit` ≤ 100; live or demo by the request's demo header.
`public/insurance-fund`: `instType` SWAP with `instFamily` (or `uly`): the fund's balance now.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.errors import Rejected
from sandex.services.swap_funding.liquidation_orders import LIMIT_MAX, LiquidationFilter, LiquidationReader
from sandex.services.swap_funding.service import HISTORY_LIMIT, FundingRateService
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import fail, ok
from sandex.transport.okx.funding_rate_wire import (
    funding_history_wire,
    funding_rate_wire,
    insurance_fund_wire,
    liquidation_orders_wire,
)
from sandex.transport.okx.params import query_int, query_limit
from sandex.transport.okx.rate_checks import PublicRateLimit
from sandex.transport.okx.rest.market import environment_of, required

router = APIRouter(prefix="/api/v5/public", tags=["public"], dependencies=[PublicRateLimit])


def funding_rates_of(ctx: OkxContext) -> FundingRateService:
    if ctx.funding_rates is None:
        raise RuntimeError("funding-rate routes served without the funding-rate service")
    return ctx.funding_rates


@router.get("/funding-rate")
async def get_funding_rate(request: Request, ctx: Ctx) -> Response:
    found = funding_rates_of(ctx).current(required(request, "instId"))
    return fail(found) if isinstance(found, Rejected) else ok([funding_rate_wire(v) for v in found])


@router.get("/funding-rate-history")
async def get_funding_rate_history(request: Request, ctx: Ctx) -> Response:
    query = request.query_params
    inst_id = required(request, "instId")
    after, before = query_int(query.get("after"), "after"), query_int(query.get("before"), "before")
    limit = query_limit(query.get("limit"), HISTORY_LIMIT, HISTORY_LIMIT)
    found = funding_rates_of(ctx).history(inst_id, after, before, limit)
    return fail(found) if isinstance(found, Rejected) else ok([funding_history_wire(r) for r in found])


def liquidations_of(ctx: OkxContext) -> LiquidationReader:
    if ctx.liquidations is None:
        raise RuntimeError("liquidation routes served without the liquidation reader")
    return ctx.liquidations


@router.get("/liquidation-orders")
async def get_liquidation_orders(request: Request, ctx: Ctx) -> Response:
    query = request.query_params
    wanted = LiquidationFilter(
        inst_type=required(request, "instType"),
        inst_family=query.get("instFamily") or query.get("uly") or "",
        inst_id=query.get("instId") or "",
        state=query.get("state") or "filled",
        after=query_int(query.get("after"), "after"),
        before=query_int(query.get("before"), "before"),
        limit=query_limit(query.get("limit"), LIMIT_MAX, LIMIT_MAX),
    )
    found = liquidations_of(ctx).list(environment_of(request), wanted)
    if isinstance(found, Rejected):
        return fail(found)
    return ok([liquidation_orders_wire(o.inst_id, o.inst_family, o.details) for o in found])


@router.get("/insurance-fund")
async def get_insurance_fund(request: Request, ctx: Ctx) -> Response:
    """The insurance fund's balance now (one row; SWAP only: other types answer [])."""
    if ctx.insurance is None:
        raise RuntimeError("insurance-fund served without the insurance reader")
    query = request.query_params
    inst_family = query.get("instFamily") or query.get("uly") or ""
    found = ctx.insurance.get(environment_of(request), required(request, "instType"), inst_family)
    return fail(found) if isinstance(found, Rejected) else ok([insurance_fund_wire(f) for f in found])
