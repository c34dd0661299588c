"""`/sandex/v1/status`, `/reset` and `/snapshots…`: the exchange's state as a whole."""

from __future__ import annotations

import time

from fastapi import APIRouter
from starlette.responses import Response

from sandex import __version__
from sandex.transport.control.accounts import require
from sandex.transport.control.context import ControlCtx
from sandex.transport.control.errors import ControlFailure, ControlJSON, refusal
from sandex.transport.control.schemas import ResetBody, SnapshotBody
from sandex.transport.control.views import user_json

router = APIRouter(tags=["state"])


@router.get("/status")
def status(ctx: ControlCtx) -> Response:
    return ControlJSON(
        {"version": __version__, "now_ms": ctx.service.clock().now_ms, "deposits": ctx.service.can_deposit}
    )


@router.post("/reset")
async def reset(ctx: ControlCtx, body: ResetBody | None = None) -> Response:
    """Everything (no body, or `{}`), or one user (`{"uid": …}`: it keeps its login)."""
    started = time.perf_counter()
    if body is None or body.uid is None:
        await ctx.service.reset()
        answer: dict[str, object] = {"reset": "all"}
    else:
        user = require(await ctx.service.reset_user(body.uid))
        answer = {"reset": "user", "user": user_json(user)}
    answer["took_ms"] = round((time.perf_counter() - started) * 1000, 3)
    return ControlJSON(answer)


@router.get("/snapshots")
def list_snapshots(ctx: ControlCtx) -> Response:
    return ControlJSON({"snapshots": ctx.service.snapshot_names()})


@router.post("/snapshots", status_code=201)
async def take_snapshot(ctx: ControlCtx, body: SnapshotBody) -> Response:
    refused = await ctx.service.snapshot(body.name)
    if refused is not None:
        raise refusal(refused)
    return ControlJSON({"name": body.name}, status_code=201)


@router.post("/snapshots/{name}/restore")
async def restore_snapshot(ctx: ControlCtx, name: str) -> Response:
    refused = await ctx.service.restore(name)
    if refused is not None:
        raise ControlFailure(404, "not_found", f"no snapshot {name}")
    return ControlJSON({"restored": name})


@router.delete("/snapshots/{name}")
def drop_snapshot(ctx: ControlCtx, name: str) -> Response:
    if not ctx.service.drop_snapshot(name):
        raise ControlFailure(404, "not_found", f"no snapshot {name}")
    return ControlJSON({"removed": name})
