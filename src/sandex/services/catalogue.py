"""What can be traded: instrument listings by OKX instrument type."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import replace

from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Instrument, InstrumentState

INSTRUMENT_TYPES = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"})


class CatalogueService:
    def __init__(self, catalogue: Catalogue, halted: Container[str] = frozenset()) -> None:
        self._catalogue = catalogue
        self._halted = halted  # instruments halted by the market controls: listed as `suspend`

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    def list_instruments(
        self, inst_type: str, inst_id: str | None = None, family: str | None = None
    ) -> list[Instrument] | Rejected:
        """Spot pairs or swaps (other known types are simply empty). `family`: a derivatives
        `instFamily` (or the legacy `uly`, the same for linear swaps) to keep."""
        if not inst_type:
            return Rejected.of(Reason.PARAM_EMPTY, field="instType")
        if inst_type not in INSTRUMENT_TYPES:
            return Rejected.of(Reason.PARAM_ERROR, field="instType")
        if inst_id is None:
            listed = self.of_type(inst_type)
            return [self._shown(i) for i in listed if family is None or family_of(i) == family]
        found = self._catalogue.instrument(inst_id)
        if found is None or found.inst_type != inst_type:
            return Rejected.of(Reason.INSTRUMENT_NOT_FOUND)
        if family is not None and family_of(found) != family:
            return []
        return [self._shown(found)]

    def of_type(self, inst_type: str) -> list[Instrument]:
        """Every listed instrument of `inst_type` (`SPOT`, `SWAP`…), in catalogue order."""
        return [i for i in self._catalogue.instruments.values() if i.inst_type == inst_type]

    def _shown(self, inst: Instrument) -> Instrument:
        return replace(inst, state=InstrumentState.SUSPEND) if inst.inst_id in self._halted else inst


def family_of(inst: Instrument) -> str | None:
    """A derivative's `instFamily` (= `uly` for linear swaps); None for a spot pair."""
    return None if inst.contract is None else inst.contract.inst_family
