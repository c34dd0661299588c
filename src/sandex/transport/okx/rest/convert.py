"""`/api/v5/asset/convert/*` (private): Convert, OKX's "Flash Exchange" (funding_account.md).

Currencies and pairs (read), firm quotes and trades on them (trade permission), the trade history
(read). Every route is charged its per-UID budget by the auth dependency; `estimate-quote` is also
limited to 1 request per 5 s per instrument and `trade` to 1 per 5 s per side, as on OKX: only the
body names those, so the handlers charge them (50011, HTTP 429, past either).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sandex.domain.errors import Rejected
from sandex.services.convert.ports import HistoryQuery
from sandex.services.convert.service import ConvertService
from sandex.services.convert.views import Converter, PairView
from sandex.services.keys.auth import Principal
from sandex.transport.okx.auth import ReadAuth, TradeAuth
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.convert_wire import (
    CLIENT_ID_MAX,
    TAG_MAX,
    check_size_ccy,
    currency_wire,
    pair_wire,
    parse_quote_request,
    parse_trade_request,
    quote_wire,
    trade_wire,
)
from sandex.transport.okx.envelope import OkxRejection, ok
from sandex.transport.okx.params import bad, in_wire_words, json_body, missing, query_int, query_limit

router = APIRouter(prefix="/api/v5/asset/convert", tags=["asset"])

QUOTE_PER_INST = "POST /api/v5/asset/convert/estimate-quote per instrument"
TRADE_PER_SIDE = "POST /api/v5/asset/convert/trade per side"
HISTORY_LIMIT = 100


def convert_of(ctx: OkxContext) -> ConvertService:
    if ctx.convert is None:
        raise RuntimeError("convert routes served without the convert service")
    return ctx.convert


def converter_of(principal: Principal) -> Converter:
    """A demo key converts on the demo exchange."""
    return Converter(principal.user_id, principal.environment)


def _answer(found: Any) -> Any:
    if isinstance(found, Rejected):
        raise OkxRejection(in_wire_words(found))
    return found


@router.get("/currencies")
async def get_currencies(ctx: Ctx, principal: ReadAuth) -> Response:
    return ok([currency_wire(ccy) for ccy in convert_of(ctx).currencies()])


@router.get("/currency-pair")
async def get_currency_pair(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    query = request.query_params
    from_ccy, to_ccy = query.get("fromCcy") or "", query.get("toCcy") or ""
    for name, value in (("fromCcy", from_ccy), ("toCcy", to_ccy)):
        if not value:
            raise missing(name)
    found: PairView = _answer(convert_of(ctx).currency_pair(from_ccy.upper(), to_ccy.upper()))
    return ok([pair_wire(found)])


@router.post("/estimate-quote")
async def post_estimate_quote(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad("body")
    asked = parse_quote_request(body)
    check_size_ccy(asked)
    service = convert_of(ctx)
    pair = service.currency_pair(asked.base_ccy, asked.quote_ccy)
    inst_id = pair.inst_id if isinstance(pair, PairView) else f"{asked.base_ccy}-{asked.quote_ccy}"
    await _charge(request, ctx, principal, QUOTE_PER_INST, inst_id)
    view = _answer(await service.estimate_quote(converter_of(principal), asked))
    return ok([quote_wire(view)])


@router.post("/trade")
async def post_trade(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad("body")
    asked = parse_trade_request(body)
    check_size_ccy(asked)
    await _charge(request, ctx, principal, TRADE_PER_SIDE, asked.side.value)
    view = _answer(await convert_of(ctx).trade(converter_of(principal), asked))
    return ok([trade_wire(view)])


@router.get("/history")
async def get_history(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    query = request.query_params
    cl_t_req_id, tag = query.get("clTReqId") or "", query.get("tag") or ""
    if len(cl_t_req_id) > CLIENT_ID_MAX:
        raise bad("clTReqId")
    if len(tag) > TAG_MAX:
        raise bad("tag")
    wanted = HistoryQuery(
        cl_t_req_id,
        tag,
        query_int(query.get("after"), "after"),
        query_int(query.get("before"), "before"),
        query_limit(query.get("limit"), HISTORY_LIMIT, HISTORY_LIMIT),
    )
    views = await run_in_threadpool(convert_of(ctx).history, converter_of(principal), wanted)
    return ok([trade_wire(view, with_quote=False) for view in views])


async def _charge(request: Request, ctx: OkxContext, principal: Principal, route: str, key: str) -> None:
    """The per-instrument (quotes) or per-side (trades) budget of OKX's 1 request per 5 seconds."""
    limits = ctx.rate_limits
    if limits is None or not limits.enabled:
        return
    ip = client_ip(request, ctx.trusted_proxies)
    refused = await limits.check(route, ip=ip, uid=principal.uid, inst_id=key)
    if refused is not None:
        raise OkxRejection(refused)
