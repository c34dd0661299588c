"""`/api/v5/public/*`: server time and the instrument list (no authentication)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from sandex.domain.errors import Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.money import format_decimal
from sandex.transport.okx.context import Ctx
from sandex.transport.okx.envelope import fail, ok
from sandex.transport.okx.rate_checks import PublicRateLimit

router = APIRouter(prefix="/api/v5/public", tags=["public"], dependencies=[PublicRateLimit])

OptionalParam = Annotated[str | None, Query()]


@router.get("/time")
async def get_time(ctx: Ctx) -> Response:
    return ok([{"ts": str(ctx.clock.now_ms())}])


@router.get("/instruments")
async def get_instruments(
    ctx: Ctx,
    inst_type: Annotated[str, Query(alias="instType")],
    inst_id: Annotated[str | None, Query(alias="instId")] = None,
    uly: OptionalParam = None,  # accepted for ccxt's OPTION calls; sandex lists no options
    inst_family: Annotated[str | None, Query(alias="instFamily")] = None,
) -> Response:
    found = ctx.catalogue.list_instruments(inst_type, inst_id or None)
    if isinstance(found, Rejected):
        return fail(found)
    return ok([instrument_wire(inst) for inst in found])


def instrument_wire(inst: Instrument) -> dict[str, Any]:
    """An instrument in OKX's field order; derivative-only fields are empty strings, as on OKX."""
    return {
        "alias": "",
        "auctionEndTime": "",
        "baseCcy": inst.base_ccy,
        "category": "1",
        "contTdSwTime": "",
        "ctMult": "",
        "ctType": "",
        "ctVal": "",
        "ctValCcy": "",
        "expTime": "",
        "futureSettlement": False,
        "instFamily": "",
        "instId": inst.inst_id,
        "instIdCode": inst.inst_id_code,
        "instType": "SPOT",
        "lever": "",
        "listTime": str(inst.list_time_ms),
        "lotSz": format_decimal(inst.lot_sz),
        "maxIcebergSz": format_decimal(inst.max_lmt_sz),
        "maxLmtAmt": format_decimal(inst.max_lmt_amt),
        "maxLmtSz": format_decimal(inst.max_lmt_sz),
        "maxMktAmt": format_decimal(inst.max_mkt_amt),
        "maxMktSz": format_decimal(inst.max_mkt_sz),
        "maxStopSz": format_decimal(inst.max_mkt_sz),
        "maxTriggerSz": format_decimal(inst.max_lmt_sz),
        "maxTwapSz": format_decimal(inst.max_lmt_sz),
        "minSz": format_decimal(inst.min_sz),
        "openType": "",
        "optType": "",
        "quoteCcy": inst.quote_ccy,
        "ruleType": "normal",
        "settleCcy": "",
        "state": inst.state.value,
        "stk": "",
        "tickSz": format_decimal(inst.tick_sz),
        "tradeQuoteCcyList": [inst.quote_ccy],
        "uly": "",
    }
