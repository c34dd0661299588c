"""`public/funding-rate` and `public/funding-rate-history` (no authentication).

`instId` is required (50014); `ANY` lists every swap; a spot pair or an unknown id is 51001. The
history is newest first, `after`/`before` are funding times, `limit` ≤ 400 (default 400), and it
reaches back three months.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.errors import Rejected
from sandex.services.swap_funding.service import HISTORY_LIMIT, FundingRateService
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import fail, ok
from sandex.transport.okx.funding_rate_wire import funding_history_wire, funding_rate_wire
from sandex.transport.okx.params import query_int, query_limit
from sandex.transport.okx.rate_checks import PublicRateLimit
from sandex.transport.okx.rest.market import required

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
