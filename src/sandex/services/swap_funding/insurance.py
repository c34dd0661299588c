"""`public/insurance-fund`: the insurance fund's balance, per settlement currency.

sandex keeps one insurance-fund account per environment for every swap (OKX keeps one per
instrument family), so every family of a currency shows the same balance. Its history is not
kept: the one row is the balance now (`type` regular_update). It may be negative: the fund pays
shortfalls and sandex has no auto-deleveraging.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.trading import Exchange


@dataclass(frozen=True, slots=True)
class InsuranceFund:
    inst_family: str
    ccy: str
    balance: Decimal
    ts: int


class InsuranceReader:
    def __init__(
        self, catalogue: Catalogue, exchange: Callable[[Environment], Exchange], clock: Clock
    ) -> None:
        self._catalogue = catalogue
        self._exchange = exchange
        self._clock = clock

    def get(
        self, environment: Environment, inst_type: str, inst_family: str
    ) -> list[InsuranceFund] | Rejected:
        if inst_type not in ("SWAP", "MARGIN", "FUTURES", "OPTION"):
            return Rejected.of(Reason.PARAM_ERROR, field="instType")
        if inst_type != "SWAP":
            return []
        if not inst_family:
            return Rejected.of(Reason.PARAM_EMPTY, field="instFamily")
        spec = next(
            (
                i.contract
                for i in self._catalogue.instruments.values()
                if i.contract is not None and i.contract.inst_family == inst_family
            ),
            None,
        )
        if spec is None:
            return Rejected.of(Reason.INSTRUMENT_NOT_FOUND, field="instFamily")
        x = self._exchange(environment)
        units = x.ledger.available(x.insurance_account, spec.settle_ccy)
        return [InsuranceFund(inst_family, spec.settle_ccy, from_amount(units), self._clock.now_ms())]
