"""`/sandex/v1/faults…`: inject faults into OKX routes, list them, read what fired, remove them.

See `sandex.domain.faults` for the model and `sandex.transport.okx.faults` for the wire shapes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from sandex.domain.faults import FaultSpec
from sandex.transport.control.accounts import require
from sandex.transport.control.context import ControlCtx
from sandex.transport.control.errors import ControlFailure, ControlJSON
from sandex.transport.control.schemas import FaultBody
from sandex.transport.control.views import event_json, fault_json

router = APIRouter(prefix="/faults", tags=["faults"])


@router.post("", status_code=201)
def add_fault(ctx: ControlCtx, body: FaultBody) -> Response:
    spec = FaultSpec(**body.model_dump())
    fault = require(ctx.service.faults.add(spec))
    return ControlJSON(fault_json(fault), status_code=201)


@router.get("")
def list_faults(ctx: ControlCtx) -> Response:
    return ControlJSON({"faults": [fault_json(fault) for fault in ctx.service.faults.faults()]})


@router.delete("")
def clear_faults(ctx: ControlCtx) -> Response:
    ctx.service.faults.clear()
    return ControlJSON({"faults": []})


@router.get("/events")
def list_events(
    ctx: ControlCtx,
    since: Annotated[int, Query(ge=0)] = 0,
    fault_id: Annotated[str | None, Query()] = None,
) -> Response:
    events = ctx.service.faults.events(since, fault_id)
    return ControlJSON({"events": [event_json(event) for event in events]})


@router.get("/{fault_id}")
def get_fault(ctx: ControlCtx, fault_id: str) -> Response:
    fault = ctx.service.faults.get(fault_id)
    if fault is None:
        raise ControlFailure(404, "not_found", f"no fault {fault_id}")
    return ControlJSON(fault_json(fault))


@router.delete("/{fault_id}")
def remove_fault(ctx: ControlCtx, fault_id: str) -> Response:
    if not ctx.service.faults.remove(fault_id):
        raise ControlFailure(404, "not_found", f"no fault {fault_id}")
    return ControlJSON({"removed": fault_id})
