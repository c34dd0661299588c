"""Events the trading façade adds to the engine's: a fill with its fees, and the ledger postings."""

from __future__ import annotations

from typing import NamedTuple

from sandex.domain.ledger.postings import Posting
from sandex.domain.matching.events import Fill, MatchEvent


class Trade(NamedTuple):
    """A settled fill. Fees are positive ledger units charged in the currency each side received
    (OKX shows them negated: `fee` < 0 means charged)."""

    fill: Fill
    taker_fee: int
    taker_fee_ccy: str
    maker_fee: int
    maker_fee_ccy: str


# Everything an `Exchange` command returns. `Fill` never appears: the façade replaces each by `Trade`.
Event = MatchEvent | Trade | Posting
