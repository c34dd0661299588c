"""`/api/v5/system/status`: scheduled and ongoing maintenance (no authentication).

sandex never schedules maintenance, so the list is empty, which ccxt's `fetch_status` reads as "ok".
An outage is simulated with the control API's faults instead (e.g. 50001 on a route).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.transport.okx.envelope import ok
from sandex.transport.okx.params import bad
from sandex.transport.okx.rate_checks import PublicRateLimit

router = APIRouter(prefix="/api/v5/system", tags=["public"], dependencies=[PublicRateLimit])

STATES = frozenset({"scheduled", "ongoing", "pre_open", "completed", "canceled"})


@router.get("/status")
async def get_status(request: Request) -> Response:
    state = request.query_params.get("state")
    if state and state not in STATES:
        raise bad("state")
    return ok([])
