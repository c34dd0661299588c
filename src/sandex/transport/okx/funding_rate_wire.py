"""OKX's shapes of funding rates (`public/funding-rate` and its WS push, `funding-rate-history`) and
of public liquidations (`public/liquidation-orders` and its WS push). One renderer for REST and WS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sandex.domain.money import format_decimal
from sandex.services.exchange.funding_fees import FORMULA_TYPE, METHOD, FundingRateRecord
from sandex.services.exchange.liquidations import LiquidationRecord
from sandex.services.swap_funding.insurance import InsuranceFund
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


def liquidation_detail_wire(r: LiquidationRecord) -> dict[str, Any]:
    return {
        "bkLoss": format_decimal(r.bk_loss),
        "bkPx": format_decimal(r.bk_px),
        "ccy": "",  # OKX leaves it empty for swaps (it names the currency of MARGIN liquidations)
        "posSide": r.pos_side.value,
        "side": r.side,
        "sz": format_decimal(r.sz),
        "ts": str(r.ts),
    }


def liquidation_orders_wire(
    inst_id: str, inst_family: str, details: Sequence[LiquidationRecord]
) -> dict[str, Any]:
    """One instrument's liquidations, as `public/liquidation-orders` and the WS channel show them."""
    return {
        "details": [liquidation_detail_wire(r) for r in details],
        "instFamily": inst_family,
        "instId": inst_id,
        "instType": "SWAP",
        "uly": inst_family,
    }


def insurance_fund_wire(fund: InsuranceFund) -> dict[str, Any]:
    balance = format_decimal(fund.balance)
    return {
        "details": [
            {
                "adlType": "",
                "amt": "",
                "balance": balance,
                "ccy": fund.ccy,
                "decRate": "",
                "maxBal": "",
                "maxBalTs": "",
                "ts": str(fund.ts),
                "type": "regular_update",
            }
        ],
        "instFamily": fund.inst_family,
        "instType": "SWAP",
        "total": balance,
    }
