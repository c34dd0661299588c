"""A swap's listing: sizes count contracts, money is the settlement currency on both sides.

`per_notional` = ledger units of the settlement currency in one tick x one lot of contracts
(BTC-USDT-SWAP: 0.1 x 0.01 x ctVal 0.01 = 1e-5 USDT). What a resting order keeps frozen depends
on its own terms (leverage, fee rate, whether it can open at all), kept per order in `terms`:
per lot `ceil(px*per_notional/lever) + ceil(px*per_notional*fee rate)` (rounded up per lot, so
the share of any fill covers that fill's margin and fee however the lots are split). Orders that
can only close (reduce-only, long/short closes) freeze nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from sandex.domain.derivatives.contracts import ContractSpec, MgnMode, PosSide
from sandex.domain.ids import IdGenerator, SequentialIds
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.amounts import units_per
from sandex.domain.matching.engine import MatchingEngine
from sandex.domain.matching.order import OrderSnapshot, Side
from sandex.domain.matching.rules import TradingLimits
from sandex.domain.trading.listing import Listing


class SwapTerms(NamedTuple):
    """How one swap order trades: what it is for and at which leverage/fee rate it reserved."""

    mgn_mode: MgnMode
    pos_side: PosSide  # net, or the long/short position it opens or closes
    reduce_only: bool
    closing: bool  # can only close: reserves nothing (reduce-only, or a long/short close)
    lever: Decimal
    fee_rate: Decimal  # the rate its reservation covers (the larger of maker and taker)
    category: str = "normal"  # OKX order category: liquidations replace it (full_/partial_liquidation)

    @property
    def fee_ratio(self) -> tuple[int, int]:
        return self.fee_rate.as_integer_ratio()


def ceil_div(num: int, den: int) -> int:
    return -(-num // den)


def margin_of(notional_units: int, lever: Decimal) -> int:
    """Initial margin of a notional (ledger units) at `lever`, rounded up."""
    num, den = lever.as_integer_ratio()
    return ceil_div(notional_units * den, num)


@dataclass(slots=True)
class SwapListing(Listing):
    spec: ContractSpec
    terms: dict[int, SwapTerms] = field(default_factory=dict)  # per pending order

    @classmethod
    def open(
        cls, inst: Instrument, trade_ids: IdGenerator, limits: TradingLimits, stamps: SequentialIds
    ) -> SwapListing:
        spec = inst.contract
        assert spec is not None, f"{inst.inst_id} is not a contract"
        engine = MatchingEngine(inst.inst_id, trade_ids, limits, stamps)
        step = inst.tick_sz * inst.lot_sz * spec.ct_val * spec.ct_mult
        return cls(inst, engine, units_per(inst.lot_sz), units_per(step), spec)

    @property
    def settle_ccy(self) -> str:
        return self.spec.settle_ccy

    def reserve_ccy(self, side: Side) -> str:
        return self.spec.settle_ccy

    def unit_need(self, px: int, terms: SwapTerms) -> int:
        """What one lot at `px` reserves under `terms` (0 for orders that can only close)."""
        if terms.closing:
            return 0
        notional = px * self.per_notional
        num, den = terms.fee_ratio
        return margin_of(notional, terms.lever) + ceil_div(notional * num, den)

    def need(self, side: Side, px: int, lots: int) -> int:  # pragma: no cover - swaps use need_of
        raise AssertionError("a swap order's need depends on its terms: use need_of")

    def need_of(self, order: OrderSnapshot) -> int:
        terms = self.terms.get(order.ord_id)
        if terms is None:
            return 0
        return max(order.sz - order.filled, 0) * self.unit_need(order.px, terms)

    def forget(self, ord_id: int) -> None:
        """Drop a finished order's terms (kept until its final state is recorded)."""
        self.terms.pop(ord_id, None)

    def need_change(self, order: OrderSnapshot, px: int, sz: int) -> tuple[str, int]:
        terms = self.terms.get(order.ord_id)
        if terms is None:
            return self.settle_ccy, 0
        left = sz - order.filled if sz > order.filled else 0
        before = max(order.sz - order.filled, 0) * self.unit_need(order.px, terms)
        return self.settle_ccy, left * self.unit_need(px, terms) - before
