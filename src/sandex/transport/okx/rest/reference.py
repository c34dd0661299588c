"""Reference prices and platform figures (no authentication): index candles, the USD/CNY rate, the
platform's 24 h volume, mark prices and price limits as OKX serves them to a spot-only exchange.

* `market/index-candles`, `history-index-candles`: the simulated reference price (the index of
  `index-tickers`), `[ts, o, h, l, c, confirm]`, `limit` ≤ 100; see `services/marketdata/reference.py`
  for how far back they reach (24 h).
* `public/mark-price`: OKX serves it for MARGIN, SWAP, FUTURES and OPTION only (`instType` is
  required; SPOT is 51000). sandex lists no instrument of those types (as `public/instruments`), so
  the list is empty and naming an instrument is 51001; `mark-price-candles` likewise.
* `public/price-limit`: sandex's engine applies no price limit, so `enabled` is false and the
  limits are "" (as OKX documents for that case).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.errors import Reason, Rejected
from sandex.domain.marketdata.bars import SECOND
from sandex.domain.money import format_decimal
from sandex.services.marketdata.ports import CandleView
from sandex.services.marketdata.reference import USD_CNY, CandleWindow
from sandex.transport.okx.context import Ctx
from sandex.transport.okx.envelope import fail, ok
from sandex.transport.okx.params import bad, query_int, query_limit
from sandex.transport.okx.rate_checks import PublicRateLimit
from sandex.transport.okx.rest.market import bar_param, environment_of, market_of, required

router = APIRouter(tags=["market"], dependencies=[PublicRateLimit])

REFERENCE_CANDLES_MAX = 100  # index and mark-price candles: OKX's limit (default 100 too)
MARK_PRICE_TYPES = frozenset({"MARGIN", "SWAP", "FUTURES", "OPTION"})


# --- the index -----------------------------------------------------------------------------------
@router.get("/api/v5/market/index-candles")
async def get_index_candles(request: Request, ctx: Ctx) -> Response:
    return _index_candles(request, ctx)


@router.get("/api/v5/market/history-index-candles")
async def get_history_index_candles(request: Request, ctx: Ctx) -> Response:
    return _index_candles(request, ctx)  # the same 24 h: the index is not stored


def _index_candles(request: Request, ctx: Ctx) -> Response:
    inst_id = required(request, "instId")
    found = market_of(ctx).index_candles(inst_id, _window(request))
    return fail(found) if isinstance(found, Rejected) else ok([reference_candle_wire(c) for c in found])


def _window(request: Request) -> CandleWindow:
    query = request.query_params
    bar = bar_param(query.get("bar"))
    if bar is SECOND:  # index and mark-price candles start at 1m
        raise bad("bar")
    after, before = query_int(query.get("after"), "after"), query_int(query.get("before"), "before")
    limit = query_limit(query.get("limit"), REFERENCE_CANDLES_MAX, REFERENCE_CANDLES_MAX)
    return CandleWindow(bar, after, before, limit)


def reference_candle_wire(c: CandleView) -> list[str]:
    """`[ts, o, h, l, c, confirm]`: index and mark-price candles carry no volume."""
    return [
        str(c.ts),
        format_decimal(c.o),
        format_decimal(c.h),
        format_decimal(c.l),
        format_decimal(c.c),
        "1" if c.confirmed else "0",
    ]


# --- platform figures ----------------------------------------------------------------------------
@router.get("/api/v5/market/exchange-rate")
async def get_exchange_rate() -> Response:
    return ok([{"usdCny": format_decimal(USD_CNY)}])


@router.get("/api/v5/market/platform-24-volume")
async def get_platform_volume(request: Request, ctx: Ctx) -> Response:
    volume = market_of(ctx).platform_volume(environment_of(request))
    usd, cny = format_decimal(volume.vol_usd), format_decimal(volume.vol_cny)
    return ok([{"volUsd": usd, "volCny": cny, "ts": str(volume.ts)}])


# --- mark prices and price limits ----------------------------------------------------------------
@router.get("/api/v5/public/mark-price")
async def get_mark_price(request: Request) -> Response:
    inst_type = required(request, "instType")
    if inst_type not in MARK_PRICE_TYPES:
        raise bad("instType")
    if request.query_params.get("instId"):
        return fail(Rejected(Reason.INSTRUMENT_NOT_FOUND))  # no margin or derivatives are listed
    return ok([])


@router.get("/api/v5/market/mark-price-candles")
async def get_mark_price_candles(request: Request) -> Response:
    return _mark_price_candles(request)


@router.get("/api/v5/market/history-mark-price-candles")
async def get_history_mark_price_candles(request: Request) -> Response:
    return _mark_price_candles(request)


def _mark_price_candles(request: Request) -> Response:
    required(request, "instId")
    _window(request)  # a bad bar, cursor or limit is named first, as for any candles
    return fail(Rejected(Reason.INSTRUMENT_NOT_FOUND))  # only margin and derivatives have mark prices


@router.get("/api/v5/public/price-limit")
async def get_price_limit(request: Request, ctx: Ctx) -> Response:
    inst_id = required(request, "instId")
    listed = ctx.catalogue.list_instruments("SPOT", inst_id)
    if isinstance(listed, Rejected) or not listed:
        return fail(Rejected(Reason.INSTRUMENT_NOT_FOUND))
    limit = {"instType": "SPOT", "instId": inst_id, "buyLmt": "", "sellLmt": "", "enabled": False}
    return ok([{**limit, "ts": str(ctx.clock.now_ms())}])
