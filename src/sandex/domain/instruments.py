"""Instruments and currencies of the catalogue: what can be traded and at which increments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sandex.domain.derivatives.contracts import ContractSpec, InstType
from sandex.domain.money import decimals_of

DEFAULT_UNIT_DECIMALS = 8  # a currency's smallest unit when its chains say nothing


class InstrumentState(StrEnum):
    LIVE = "live"
    SUSPEND = "suspend"
    PREOPEN = "preopen"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Instrument:
    """A spot pair, or a derivatives contract when `contract` is set. Prices move in `tick_sz`
    steps, sizes in `lot_sz` steps: base currency on spot, contracts on derivatives (for a swap,
    `base_ccy` is the underlying coin and `quote_ccy` the settlement currency)."""

    inst_id: str
    base_ccy: str
    quote_ccy: str
    tick_sz: Decimal
    lot_sz: Decimal
    min_sz: Decimal
    ref_px: Decimal
    inst_id_code: int
    list_time_ms: int
    state: InstrumentState = InstrumentState.LIVE
    max_lmt_sz: Decimal = Decimal("100000000")
    max_mkt_sz: Decimal = Decimal("1000000")
    max_lmt_amt: Decimal = Decimal("20000000")
    max_mkt_amt: Decimal = Decimal("1000000")
    contract: ContractSpec | None = None  # None: spot

    @property
    def inst_type(self) -> InstType:
        return InstType.SPOT if self.contract is None else self.contract.inst_type

    @property
    def px_decimals(self) -> int:
        return decimals_of(self.tick_sz)


@dataclass(frozen=True, slots=True)
class Chain:
    """A simulated network a currency moves on (deposits and withdrawals)."""

    name: str  # OKX style, e.g. "USDT-TRC20"
    needs_tag: bool
    min_dep: Decimal
    min_wd: Decimal
    wd_fee: Decimal
    wd_tick_sz: int  # decimals allowed in a withdrawal amount
    confirmations: int


@dataclass(frozen=True, slots=True)
class Currency:
    ccy: str
    name: str
    chains: tuple[Chain, ...]

    @property
    def unit_decimals(self) -> int:
        """Decimals of the currency's smallest unit: the most any of its chains allows (deposits and
        transfers are no finer than that)."""
        return max((c.wd_tick_sz for c in self.chains), default=DEFAULT_UNIT_DECIMALS)


class Catalogue:
    """The instruments and currencies a server offers, looked up by id."""

    def __init__(self, instruments: Iterable[Instrument], currencies: Iterable[Currency]) -> None:
        self._instruments: dict[str, Instrument] = {i.inst_id: i for i in instruments}
        self._currencies: dict[str, Currency] = {c.ccy: c for c in currencies}

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        return self._instruments

    @property
    def currencies(self) -> Mapping[str, Currency]:
        return self._currencies

    def instrument(self, inst_id: str) -> Instrument | None:
        return self._instruments.get(inst_id)

    def currency(self, ccy: str) -> Currency | None:
        return self._currencies.get(ccy)
