"""`public/liquidation-orders`: the liquidations of swaps, per instrument, newest first.

Only filled ones are kept (`state=filled`): a liquidation is booked in full inside one command, so
nothing is ever "unfilled" and that state answers []. `instFamily`/`uly` name every swap of the
family; `instId` one swap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.services.exchange.liquidations import LiquidationRecord
from sandex.services.swap_funding.ports import FundingRateStore, LiquidationQuery

LIMIT_MAX = 100


@dataclass(frozen=True, slots=True)
class LiquidationOrders:
    """One swap's liquidations (OKX groups `details` per instrument)."""

    inst_id: str
    inst_family: str
    details: Sequence[LiquidationRecord]


@dataclass(frozen=True, slots=True)
class LiquidationFilter:
    inst_type: str
    inst_family: str = ""
    inst_id: str = ""
    state: str = "filled"
    after: int | None = None
    before: int | None = None
    limit: int = LIMIT_MAX


class LiquidationReader:
    def __init__(self, catalogue: Catalogue, store: FundingRateStore) -> None:
        self._catalogue = catalogue
        self._store = store

    def list(self, environment: Environment, wanted: LiquidationFilter) -> list[LiquidationOrders] | Rejected:
        if wanted.inst_type != "SWAP":
            return [] if wanted.inst_type in ("MARGIN", "FUTURES", "OPTION") else _bad("instType")
        if wanted.state not in ("filled", "unfilled"):
            return _bad("state")
        swaps = {
            inst.inst_id: inst.contract.inst_family
            for inst in self._catalogue.instruments.values()
            if inst.contract is not None
            and wanted.inst_family in ("", inst.contract.inst_family)
            and wanted.inst_id in ("", inst.inst_id)
        }
        if wanted.inst_id and wanted.inst_id not in swaps:
            return Rejected.of(Reason.INSTRUMENT_NOT_FOUND, field="instId")
        if wanted.state == "unfilled" or not swaps:
            return []
        query = LiquidationQuery(tuple(sorted(swaps)), wanted.after, wanted.before, wanted.limit)
        rows = self._store.liquidations(environment, query)
        grouped: dict[str, list[LiquidationRecord]] = {}
        for row in rows:
            grouped.setdefault(row.inst_id, []).append(row)
        return [LiquidationOrders(inst_id, swaps[inst_id], details) for inst_id, details in grouped.items()]


def _bad(field: str) -> Rejected:
    return Rejected.of(Reason.PARAM_ERROR, field=field)
