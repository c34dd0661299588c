"""OKX's shapes of funding rates: `public/funding-rate` (and the WS `funding-rate` push) and
`public/funding-rate-history`. One renderer for REST and WS."""

from __future__ import annotations

from typing import Any

from sandex.domain.money import format_decimal
from sandex.services.exchange.funding_fees import FORMULA_TYPE, METHOD, FundingRateRecord
from sandex.services.swap_funding.views import FundingRateView


def funding_rate_wire(v: FundingRateView) -> dict[str, Any]:
    return {
        "formulaType": FORMULA_TYPE,
        "fundingRate": format_decimal(v.funding_rate),
        "fundingTime": str(v.funding_time),
        "impactValue": format_decimal(v.impact_value),
        "instId": v.inst_id,
        "instType": "SWAP",
        "interestRate": format_decimal(v.interest_rate),
        "maxFundingRate": format_decimal(v.max_funding_rate),
        "method": METHOD,
        "minFundingRate": format_decimal(v.min_funding_rate),
        "nextFundingRate": "",  # `current_period`: OKX no longer forecasts the next period
        "nextFundingTime": str(v.next_funding_time),
        "premium": format_decimal(v.premium),
        "settFundingRate": format_decimal(v.sett_funding_rate),
        "settState": v.sett_state,
        "ts": str(v.ts),
    }


def funding_history_wire(r: FundingRateRecord) -> dict[str, Any]:
    return {
        "formulaType": r.formula_type,
        "fundingRate": format_decimal(r.funding_rate),
        "fundingTime": str(r.funding_time),
        "instId": r.inst_id,
        "instType": "SWAP",
        "method": r.method,
        "realizedRate": format_decimal(r.realized_rate),
    }
