"""Reference prices and platform figures (no authentication): index candles, the USD/CNY rate, the
platform's 24 h volume, mark prices and price limits as OKX serves them to a spot-only exchange.

* `market/index-candles`, `history-index-candles`: the simulated reference price (the index of
  `index-tickers`), `[ts, o, h, l, c, confirm]`, `limit` ≤ 100; see `services/marketdata/reference.py`
  for how far back they reach (24 h).
* `public/mark-price`, `market/(history-)mark-price-candles`, `public/price-limit`,
  `public/position-tiers`, `public/open-interest`: the perpetual swaps' figures
  (`services/marketdata/derivatives.py`). MARGIN, FUTURES and OPTION list nothing (naming an
  instrument of them is 51001). A spot pair's `price-limit` has `enabled` false and "" limits (as
  OKX documents for that case): spot orders have no price limit here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sandex.domain.errors import Reason, Rejected
from sandex.domain.marketdata.bars import SECOND
from sandex.domain.money import format_decimal
from sandex.services.marketdata.derivatives import (
    Derivatives,
    MarkView,
    OpenInterestView,
    PriceLimitView,
    TierView,
)
from sandex.services.marketdata.ports import CandleView
from sandex.services.marketdata.reference import USD_CNY, CandleWindow
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import fail, ok
from sandex.transport.okx.params import bad, missing, query_int, query_limit, query_list
from sandex.transport.okx.rate_checks import PublicRateLimit
from sandex.transport.okx.rest.market import bar_param, environment_of, market_of, required

router = APIRouter(tags=["market"], dependencies=[PublicRateLimit])

REFERENCE_CANDLES_MAX = 100  # index and mark-price candles: OKX's limit (default 100 too)
MARK_PRICE_TYPES = frozenset({"MARGIN", "SWAP", "FUTURES", "OPTION"})
OI_TYPES = frozenset({"SWAP", "FUTURES", "OPTION"})
TD_MODES = frozenset({"cross", "isolated"})
MAX_FAMILIES = 5  # position-tiers: "no more than 5" instFamily values


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


# --- mark prices, price limits, position tiers, open interest --------------------------------
@router.get("/api/v5/public/mark-price")
async def get_mark_price(request: Request, ctx: Ctx) -> Response:
    family, inst_id = _family(request), request.query_params.get("instId") or None
    swap = ctx.catalogue.catalogue.instrument(inst_id) if inst_id else None
    if swap is not None and swap.contract is not None and not request.query_params.get("instType"):
        inst_type = "SWAP"  # ccxt's fetch_mark_price sends the instId alone, and OKX answers it
    else:
        inst_type = required(request, "instType")
    if inst_type not in MARK_PRICE_TYPES:
        raise bad("instType")
    if inst_type != "SWAP":  # no margin pairs, futures or options are listed
        return fail(Rejected(Reason.INSTRUMENT_NOT_FOUND)) if inst_id else ok([])
    found = derivatives_of(ctx).marks(family, inst_id)
    if isinstance(found, Rejected):
        return fail(found)
    return ok([mark_wire(m) for m in found])


def mark_wire(m: MarkView) -> dict[str, str]:
    return {
        "instType": m.inst_type,
        "instId": m.inst_id,
        "markPx": format_decimal(m.mark_px),
        "ts": str(m.ts),
    }


@router.get("/api/v5/market/mark-price-candles")
async def get_mark_price_candles(request: Request, ctx: Ctx) -> Response:
    return _mark_price_candles(request, ctx)


@router.get("/api/v5/market/history-mark-price-candles")
async def get_history_mark_price_candles(request: Request, ctx: Ctx) -> Response:
    return _mark_price_candles(request, ctx)  # the same 24 h: marks are not stored


def _mark_price_candles(request: Request, ctx: Ctx) -> Response:
    inst_id = required(request, "instId")
    found = derivatives_of(ctx).mark_candles(inst_id, _window(request))
    return fail(found) if isinstance(found, Rejected) else ok([reference_candle_wire(c) for c in found])


@router.get("/api/v5/public/price-limit")
async def get_price_limit(request: Request, ctx: Ctx) -> Response:
    inst_id = required(request, "instId")
    found = derivatives_of(ctx).price_limit(inst_id)
    if not isinstance(found, Rejected):
        return ok([price_limit_wire(found)])
    listed = ctx.catalogue.list_instruments("SPOT", inst_id)
    if isinstance(listed, Rejected) or not listed:
        return fail(Rejected(Reason.INSTRUMENT_NOT_FOUND))
    spot = {"instType": "SPOT", "instId": inst_id, "buyLmt": "", "sellLmt": "", "enabled": False}
    return ok([{**spot, "ts": str(ctx.clock.now_ms())}])  # spot orders have no price limit here


def price_limit_wire(p: PriceLimitView) -> dict[str, Any]:
    buy, sell = format_decimal(p.limit.buy_lmt), format_decimal(p.limit.sell_lmt)
    row = {"instType": p.inst_type, "instId": p.inst_id, "buyLmt": buy, "sellLmt": sell}
    return {**row, "ts": str(p.ts), "enabled": True}


@router.get("/api/v5/public/position-tiers")
async def get_position_tiers(request: Request, ctx: Ctx) -> Response:
    inst_type = required(request, "instType")
    if inst_type not in MARK_PRICE_TYPES:
        raise bad("instType")
    td_mode = required(request, "tdMode")
    if td_mode not in TD_MODES:
        raise bad("tdMode")
    query = request.query_params
    tier = query_int(query.get("tier"), "tier")
    if inst_type == "MARGIN":  # no margin pairs: instId or ccy is still required, as OKX asks
        if not (query.get("instId") or query.get("ccy")):
            return fail(Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="instId", other="ccy"))
        return ok([])
    families = query_list(query.get("instFamily") or query.get("uly"), "instFamily", MAX_FAMILIES)
    if not families:
        raise missing("instFamily")
    if inst_type != "SWAP":
        return ok([])
    known = derivatives_of(ctx).families()
    if any(f not in known for f in families):
        return fail(Rejected.of(Reason.PARAM_ERROR, field="instFamily"))
    return ok([_tier_wire(t) for t in derivatives_of(ctx).tiers(families, tier)])


def _tier_wire(t: TierView) -> dict[str, str]:
    tier = t.tier
    return {
        "baseMaxLoan": "",
        "imr": format_decimal(tier.imr),
        "instFamily": t.family,
        "instId": "",
        "maxLever": format_decimal(tier.max_lever),
        "maxSz": format_decimal(tier.max_sz),
        "minSz": format_decimal(tier.min_sz),
        "mmr": format_decimal(tier.mmr),
        "optMgnFactor": "",
        "quoteMaxLoan": "",
        "tier": str(tier.tier),
        "uly": t.family,
    }


@router.get("/api/v5/public/open-interest")
async def get_open_interest(request: Request, ctx: Ctx) -> Response:
    inst_type = required(request, "instType")
    if inst_type not in OI_TYPES:
        raise bad("instType")
    family, inst_id = _family(request), request.query_params.get("instId") or None
    if inst_type == "OPTION" and family is None:
        raise missing("instFamily")
    if inst_type != "SWAP":
        return fail(Rejected(Reason.INSTRUMENT_NOT_FOUND)) if inst_id else ok([])
    found = await run_in_threadpool(
        derivatives_of(ctx).open_interest, environment_of(request), family, inst_id
    )
    if isinstance(found, Rejected):
        return fail(found)
    return ok([open_interest_wire(o) for o in found])


def open_interest_wire(o: OpenInterestView) -> dict[str, str]:
    return {
        "instId": o.inst_id,
        "instType": o.inst_type,
        "oi": format_decimal(o.oi),
        "oiCcy": format_decimal(o.oi_ccy),
        "oiUsd": format_decimal(o.oi_usd),
        "ts": str(o.ts),
    }


def _family(request: Request) -> str | None:
    """`instFamily`, or the legacy `uly` ccxt still sends (the same for linear swaps)."""
    query = request.query_params
    return query.get("instFamily") or query.get("uly") or None


def derivatives_of(ctx: OkxContext) -> Derivatives:
    return market_of(ctx).derivatives
