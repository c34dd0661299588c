"""What a derivatives instrument is (OKX `public/instruments` for SWAP) and the settings vocabulary
around positions: account level, position mode, margin mode, position side.

A swap `Instrument` carries a `ContractSpec`; a spot instrument has none. For a swap, `base_ccy` is
the underlying's coin (`ctValCcy` for linear contracts) and `quote_ccy` the settlement currency, so
`BTC-USDT-SWAP` has base BTC, quote USDT, and its sizes (`lot_sz`, `min_sz`, order `sz`) count
contracts, not coins. One contract is `ct_val * ct_mult` of `ct_val_ccy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class InstType(StrEnum):
    SPOT = "SPOT"
    MARGIN = "MARGIN"
    SWAP = "SWAP"
    FUTURES = "FUTURES"
    OPTION = "OPTION"


class CtType(StrEnum):
    LINEAR = "linear"
    INVERSE = "inverse"


class AcctLv(StrEnum):
    """OKX `acctLv`. sandex runs Spot (1) and Futures (2) mode; 3 and 4 are refused when asked for."""

    SPOT = "1"
    FUTURES = "2"
    MULTI_CURRENCY = "3"
    PORTFOLIO = "4"


class PosMode(StrEnum):
    NET = "net_mode"
    LONG_SHORT = "long_short_mode"


class MgnMode(StrEnum):
    """A derivatives order's `tdMode` and a position's `mgnMode` (spot orders are `cash`)."""

    CROSS = "cross"
    ISOLATED = "isolated"


class PosSide(StrEnum):
    NET = "net"
    LONG = "long"
    SHORT = "short"


@dataclass(frozen=True, slots=True)
class Tier:
    """One row of `public/position-tiers`: a position of `min_sz`..`max_sz` contracts needs at least
    `mmr` maintenance margin rate and allows at most `max_lever` (`imr` = 1 / max_lever)."""

    tier: int
    min_sz: Decimal
    max_sz: Decimal
    mmr: Decimal
    imr: Decimal
    max_lever: Decimal


@dataclass(frozen=True, slots=True)
class ContractSpec:
    inst_family: str  # "BTC-USDT": also the legacy `uly`
    ct_val: Decimal
    ct_mult: Decimal
    ct_val_ccy: str
    settle_ccy: str
    ct_type: CtType
    max_lever: Decimal  # instrument `lever`
    tiers: tuple[Tier, ...]  # ascending, contiguous; the last one's max_sz caps a position
    index_id: str  # the index this contract follows ("BTC-USDT": the spot reference price)
    funding_interval_h: int = 8
    max_funding_rate: Decimal = Decimal("0.0075")  # caps of the funding rate (OKX `maxFundingRate`)
    min_funding_rate: Decimal = Decimal("-0.0075")
    inst_type: InstType = InstType.SWAP

    def tier_for(self, contracts: Decimal) -> Tier:
        """The tier a position of `contracts` (absolute) falls in; the last tier beyond the table."""
        for tier in self.tiers:
            if contracts <= tier.max_sz:
                return tier
        return self.tiers[-1]
