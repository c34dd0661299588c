"""`/api/v5/system/status`: scheduled and ongoing maintenance (no authentication).

sandex schedules no maintenance, so the list is empty (ccxt's `fetch_status`: "ok"), except while a
test simulates an outage with the control API: an `error` fault answering 50001 (OKX's "Service
temporarily unavailable", ccxt's OnMaintenance) to every key and every time shows as an ongoing,
unscheduled maintenance. A fault on every route answers this endpoint with 50001 too, as OKX would.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.faults import Fault, FaultKind
from sandex.transport.okx.context import Ctx
from sandex.transport.okx.demo import DEMO_HEADER, asks_for_demo
from sandex.transport.okx.envelope import ok
from sandex.transport.okx.params import bad
from sandex.transport.okx.rate_checks import PublicRateLimit

router = APIRouter(prefix="/api/v5/system", tags=["public"], dependencies=[PublicRateLimit])

STATES = frozenset({"scheduled", "ongoing", "pre_open", "completed", "canceled"})
OUTAGE_CODE = "50001"


@router.get("/status")
async def get_status(request: Request, ctx: Ctx) -> Response:
    state = request.query_params.get("state")
    if state and state not in STATES:
        raise bad("state")
    if ctx.faults is None or state not in (None, "", "ongoing"):
        return ok([])
    env = "2" if asks_for_demo(request.headers.get(DEMO_HEADER)) else "1"
    return ok([outage_wire(fault, env) for fault in ctx.faults.faults() if is_outage(fault)])


def is_outage(fault: Fault) -> bool:
    """A 50001 fault that answers every request it matches, for every key, and is not used up."""
    spec = fault.spec
    certain = spec.probability is None and spec.api_key is None and fault.remaining != 0
    return certain and spec.kind is FaultKind.ERROR and spec.code == OUTAGE_CODE


def outage_wire(fault: Fault, env: str) -> dict[str, str]:
    where = fault.spec.route or "every route"
    return {
        "title": f"Simulated outage ({fault.id}): {where} answers {OUTAGE_CODE}",
        "state": "ongoing",
        "begin": str(fault.created_ms),
        "end": "",  # until the fault is removed (or used up)
        "preOpenBegin": "",
        "href": "",
        "serviceType": "1",  # Spot/Margin
        "system": "unified",
        "scheDesc": "",
        "maintType": "2",  # unscheduled maintenance
        "env": env,
    }
