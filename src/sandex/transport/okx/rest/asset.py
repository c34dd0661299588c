"""`/api/v5/asset/*` (private). For now the currency list, which ccxt's `load_markets` reads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from sandex.domain.instruments import Chain, Currency
from sandex.domain.money import format_decimal
from sandex.transport.okx.auth import ReadAuth
from sandex.transport.okx.context import Ctx
from sandex.transport.okx.envelope import ok

router = APIRouter(prefix="/api/v5/asset", tags=["asset"])

WITHDRAW_QUOTA = "10000000"  # a generous daily limit (USD): the sandbox does not ration withdrawals


@router.get("/currencies")
async def get_currencies(
    ctx: Ctx, _principal: ReadAuth, ccy: Annotated[str | None, Query()] = None
) -> Response:
    currencies = ctx.catalogue.catalogue.currencies
    wanted = [c.strip() for c in ccy.split(",")] if ccy else list(currencies)
    chosen = [currencies[code] for code in wanted if code in currencies]
    return ok(
        [
            chain_wire(currency, chain, i == 0)
            for currency in chosen
            for i, chain in enumerate(currency.chains)
        ]
    )


def chain_wire(currency: Currency, chain: Chain, main: bool) -> dict[str, Any]:
    """One currency on one chain (reference §4.5); deprecated fee fields repeat the fee."""
    fee = format_decimal(chain.wd_fee)
    confirmations = str(chain.confirmations)
    return {
        "burningFeeRate": "",
        "canDep": True,
        "canInternal": True,
        "canWd": True,
        "ccy": currency.ccy,
        "chain": chain.name,
        "ctAddr": "",
        "depEstOpenTime": "",
        "depQuotaFixed": "",
        "depQuoteDailyLayer2": "",
        "fee": fee,
        "logoLink": "",
        "mainNet": main,
        "maxFee": fee,
        "maxFeeForCtAddr": fee,
        "maxWd": WITHDRAW_QUOTA,
        "minDep": format_decimal(chain.min_dep),
        "minDepArrivalConfirm": confirmations,
        "minFee": fee,
        "minFeeForCtAddr": fee,
        "minInternal": "0",
        "minWd": format_decimal(chain.min_wd),
        "minWdUnlockConfirm": confirmations,
        "name": currency.name,
        "needTag": chain.needs_tag,
        "usedDepQuotaFixed": "",
        "usedWdQuota": "0",
        "wdEstOpenTime": "",
        "wdQuota": WITHDRAW_QUOTA,
        "wdTickSz": str(chain.wd_tick_sz),
    }
