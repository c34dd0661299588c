"""Funding settlements as the exchange core records them: one row per swap and funding time
(`public/funding-rate-history`), written in the same group commit as the settlement's postings. The
newest row of an instrument is its last settled time: a settlement at or before it is not applied
again (a restart, or a runtime that submits twice, never settles a funding time twice)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

FORMULA_TYPE = "withRate"
METHOD = "current_period"


@dataclass(frozen=True, slots=True)
class FundingRateRecord:
    inst_id: str
    funding_time: int  # ms
    funding_rate: Decimal  # the rate predicted for this settlement (OKX `fundingRate`)
    realized_rate: Decimal  # the rate applied (OKX `realizedRate`)
    ts: int  # when it was settled
    formula_type: str = FORMULA_TYPE
    method: str = METHOD


@dataclass(frozen=True, slots=True)
class FundingSettled:
    """What `SettleFundingFee` answers: the record written, how many positions paid or received,
    or `already` when this funding time had been settled before (nothing changed)."""

    record: FundingRateRecord
    positions: int
    already: bool = False
