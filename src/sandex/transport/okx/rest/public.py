"""`/api/v5/public/*`: server time and the instrument list (no authentication)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from sandex.domain.derivatives.contracts import ContractSpec
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
    uly: OptionalParam = None,  # ccxt sends it for OPTION; for swaps the same as instFamily
    inst_family: Annotated[str | None, Query(alias="instFamily")] = None,
) -> Response:
    family = (inst_family or uly or None) if inst_type in DERIVATIVES else None
    found = ctx.catalogue.list_instruments(inst_type, inst_id or None, family)
    if isinstance(found, Rejected):
        return fail(found)
    return ok([instrument_wire(inst) for inst in found])


DERIVATIVES = frozenset({"SWAP", "FUTURES", "OPTION"})


def instrument_wire(inst: Instrument) -> dict[str, Any]:
    """An instrument in OKX's field order; derivative-only fields are empty strings, as on OKX."""
    if inst.contract is not None:
        return swap_wire(inst, inst.contract)
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


def swap_wire(inst: Instrument, spec: ContractSpec) -> dict[str, Any]:
    """A perpetual swap as OKX lists it: sizes in contracts, spot-only fields empty."""
    max_lmt, max_mkt = format_decimal(inst.max_lmt_sz), format_decimal(inst.max_mkt_sz)
    return {
        "alias": "",
        "auctionEndTime": "",
        "baseCcy": "",
        "category": "1",
        "contTdSwTime": "",
        "ctMult": format_decimal(spec.ct_mult),
        "ctType": spec.ct_type.value,
        "ctVal": format_decimal(spec.ct_val),
        "ctValCcy": spec.ct_val_ccy,
        "expTime": "",
        "futureSettlement": False,
        "instFamily": spec.inst_family,
        "instId": inst.inst_id,
        "instIdCode": inst.inst_id_code,
        "instType": spec.inst_type.value,
        "lever": format_decimal(spec.max_lever),
        "listTime": str(inst.list_time_ms),
        "lotSz": format_decimal(inst.lot_sz),
        "maxIcebergSz": max_lmt,
        "maxLmtAmt": format_decimal(inst.max_lmt_amt),
        "maxLmtSz": max_lmt,
        "maxMktAmt": "",
        "maxMktSz": max_mkt,
        "maxStopSz": max_mkt,
        "maxTriggerSz": max_lmt,
        "maxTwapSz": max_lmt,
        "minSz": format_decimal(inst.min_sz),
        "openType": "",
        "optType": "",
        "preMktSwTime": "",
        "quoteCcy": "",
        "ruleType": "normal",
        "settleCcy": spec.settle_ccy,
        "state": inst.state.value,
        "stk": "",
        "tickSz": format_decimal(inst.tick_sz),
        "tradeQuoteCcyList": [],
        "uly": spec.inst_family,
    }
