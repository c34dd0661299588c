"""`/api/v5/trade/*` algo orders (private): place, cancel (plain and advance), amend, and read them.

Writes answer like `trade/batch-orders`: one item per request item (`sCode`/`sMsg`), top-level code
0 (all done), 1 (all failed) or 2 (some failed), HTTP 200; only request-level problems (body not
JSON, more than 10 cancels, rate limits) are top-level errors. Each item parses on its own, so one
bad item fails alone. Reads answer algo objects (`algo_wire.algo_object`), newest first, with
algoId cursors.

Rate limits (OKX: 20 requests per 2 s each): place, cancel and amend per UID and instrument (one
unit per instrument a request names, charged before anything is parsed, as OKX counts requests);
`cancel-advance-algos` and the reads per UID (charged by the auth dependency).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sandex.domain.errors import Reason, Rejected
from sandex.services.exchange.commands import AlgoAck
from sandex.services.keys.auth import Principal
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.transport.okx.algo_acks import (
    AlgoEcho,
    algo_echo_of,
    amend_algo_ack,
    cancel_algo_ack,
    place_algo_ack,
)
from sandex.transport.okx.algo_params import (
    algo_id_of,
    algo_query,
    cancel_items,
    parse_algo_amend,
    parse_algo_cancel,
    parse_algo_place,
)
from sandex.transport.okx.algo_wire import algo_object
from sandex.transport.okx.auth import ReadAuth, TradeAuth
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxJSON, OkxRejection, fail, ok
from sandex.transport.okx.orders_wire import CL_ORD_ID_MAX, inst_id_of, parse_all, single_item
from sandex.transport.okx.params import in_wire_words, json_body, token
from sandex.transport.okx.rate_checks import route_id_of
from sandex.transport.okx.rest.trade import PREFIX, trader_of, trading_of
from sandex.transport.okx.trade_wire import batch_envelope

router = APIRouter(prefix=PREFIX, tags=["trade"])

Run = Callable[[TradingService, Trader, list[Any]], Awaitable[list[AlgoAck] | Rejected]]


@dataclass(frozen=True, slots=True)
class AlgoCommand:
    parse: Callable[[Mapping[str, Any]], Any]
    run: Run
    render: Callable[[AlgoAck | Rejected, AlgoEcho], dict[str, Any]]
    per_instrument: bool  # the route's budget is per UID + instId (charged here, from the body)


PLACE = AlgoCommand(
    parse_algo_place, lambda svc, who, items: svc.place_algos(who, items), place_algo_ack, True
)
CANCEL = AlgoCommand(
    parse_algo_cancel, lambda svc, who, items: svc.cancel_algos(who, items), cancel_algo_ack, True
)
CANCEL_ADVANCE = AlgoCommand(
    parse_algo_cancel,
    lambda svc, who, items: svc.cancel_algos(who, items, advance=True),
    cancel_algo_ack,
    False,
)
AMEND = AlgoCommand(
    parse_algo_amend, lambda svc, who, items: svc.amend_algos(who, items), amend_algo_ack, True
)


# --- writes --------------------------------------------------------------------------------------
@router.post("/order-algo")
async def place_algo(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    return await _write(request, ctx, principal, PLACE, [single_item(await json_body(request))])


@router.post("/cancel-algos")
async def cancel_algos(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    return await _write(request, ctx, principal, CANCEL, cancel_items(await json_body(request)))


@router.post("/cancel-advance-algos")
async def cancel_advance_algos(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    return await _write(request, ctx, principal, CANCEL_ADVANCE, cancel_items(await json_body(request)))


@router.post("/amend-algos")
async def amend_algos(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    return await _write(request, ctx, principal, AMEND, [single_item(await json_body(request))])


async def _write(
    request: Request, ctx: OkxContext, principal: Principal, command: AlgoCommand, items: list[Any]
) -> Response:
    in_time = ctx.clock.now_ms() * 1000
    if command.per_instrument:
        await _charge(request, ctx, principal, items)
    parsed = parse_all(command.parse, items)
    valid = [item for item in parsed if not isinstance(item, Rejected)]
    acks = await command.run(trading_of(ctx), trader_of(principal), valid) if valid else []
    if isinstance(acks, Rejected):
        return fail(in_wire_words(acks))
    results = iter(acks)
    data = [
        command.render(item if isinstance(item, Rejected) else next(results), algo_echo_of(raw))
        for item, raw in zip(parsed, items, strict=True)
    ]
    return OkxJSON(batch_envelope(data, in_time, ctx.clock.now_ms() * 1000))


async def _charge(request: Request, ctx: OkxContext, principal: Principal, items: Sequence[Any]) -> None:
    """One unit on each instrument's budget the request names (OKX counts requests, not items)."""
    limits = ctx.rate_limits
    if limits is None or not limits.enabled:
        return
    ip = client_ip(request, ctx.trusted_proxies)
    route_id = route_id_of(request)
    for inst_id in dict.fromkeys(inst_id_of(item) or "" for item in items):
        refused = await limits.check(route_id, ip=ip, uid=principal.uid, inst_id=inst_id)
        if refused is not None:
            raise OkxRejection(refused)


# --- reads ---------------------------------------------------------------------------------------
@router.get("/order-algo")
async def get_algo(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    query = request.query_params
    raw_id = query.get("algoId") or None
    algo_cl_ord_id = token(dict(query), "algoClOrdId", CL_ORD_ID_MAX)
    if raw_id is None and not algo_cl_ord_id:
        raise OkxRejection(Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="algoId", other="algoClOrdId"))
    algo_id = None if raw_id is None else algo_id_of(raw_id)
    found = await run_in_threadpool(trading_of(ctx).get_algo, trader_of(principal), algo_id, algo_cl_ord_id)
    if isinstance(found, Rejected):
        return fail(in_wire_words(found))
    return ok([algo_object(found)])


@router.get("/orders-algo-pending")
async def orders_algo_pending(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    return await _list(request, ctx, principal, history=False)


@router.get("/orders-algo-history")
async def orders_algo_history(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    return await _list(request, ctx, principal, history=True)


async def _list(request: Request, ctx: OkxContext, principal: Principal, *, history: bool) -> Response:
    wanted = algo_query(request.query_params, history=history)
    if wanted is None:
        return ok([])
    service = trading_of(ctx)
    read = service.algo_history if history else service.pending_algos
    found = await run_in_threadpool(read, trader_of(principal), wanted)
    if isinstance(found, Rejected):
        return fail(in_wire_words(found))
    return ok([algo_object(record) for record in found])
