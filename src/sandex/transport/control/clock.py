"""`/sandex/v1/clock…`: read, move, freeze and resume the clock every service reads.

It drives request-timestamp windows (a client must then sign with sandex time: see
`/api/v5/public/time`), key expiry (the 14-day inactivity rule), order and bill timestamps.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from sandex.domain.clock import DAY_MS, SECOND_MS
from sandex.domain.errors import Reason, Rejected
from sandex.transport.control.context import ControlCtx
from sandex.transport.control.errors import ControlJSON, refusal
from sandex.transport.control.schemas import MAX_TIME_MS, AdvanceBody, FreezeBody, SetClockBody
from sandex.transport.control.views import clock_json

router = APIRouter(prefix="/clock", tags=["clock"])


@router.get("")
def get_clock(ctx: ControlCtx) -> Response:
    return ControlJSON(clock_json(ctx.service.clock()))


@router.post("/advance")
def advance(ctx: ControlCtx, body: AdvanceBody) -> Response:
    """Move the clock by `ms + seconds + days` (negative goes back)."""
    step = body.ms + round(body.seconds * SECOND_MS) + round(body.days * DAY_MS)
    if not 0 <= ctx.service.clock().now_ms + step <= MAX_TIME_MS:
        raise refusal(Rejected.of(Reason.PARAM_ERROR, field="ms"))  # it would leave 1970..9999
    return ControlJSON(clock_json(ctx.service.advance_clock(step)))


@router.post("/set")
def set_clock(ctx: ControlCtx, body: SetClockBody) -> Response:
    return ControlJSON(clock_json(ctx.service.set_clock(body.now_ms)))


@router.post("/freeze")
def freeze(ctx: ControlCtx, body: FreezeBody | None = None) -> Response:
    return ControlJSON(clock_json(ctx.service.freeze_clock(body.at_ms if body else None)))


@router.post("/resume")
def resume(ctx: ControlCtx) -> Response:
    return ControlJSON(clock_json(ctx.service.resume_clock()))
