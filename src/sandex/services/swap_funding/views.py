"""What transports receive from the funding-rate service."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class FundingRateView:
    """`public/funding-rate` and the WS `funding-rate` channel: the coming settlement of one swap."""

    inst_id: str
    funding_rate: Decimal
    funding_time: int  # the next settlement (the one `funding_rate` is for)
    next_funding_time: int
    min_funding_rate: Decimal
    max_funding_rate: Decimal
    interest_rate: Decimal
    impact_value: Decimal
    sett_state: str  # "processing" while a settlement is being booked, else "settled"
    sett_funding_rate: Decimal  # the rate of the settlement being booked, or of the previous one
    premium: Decimal  # the latest minute's premium index
    ts: int
