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

    def list_instruments(self, inst_type: str, inst_id: str | None = None) -> list[Instrument] | Rejected:
        """Spot instruments; sandex lists no derivatives, so other known types are simply empty."""
        if not inst_type:
            return Rejected.of(Reason.PARAM_EMPTY, field="instType")
        if inst_type not in INSTRUMENT_TYPES:
            return Rejected.of(Reason.PARAM_ERROR, field="instType")
        if inst_type != "SPOT":
            return []
        if inst_id is None:
            return [self._shown(i) for i in self._catalogue.instruments.values()]
        found = self._catalogue.instrument(inst_id)
        if found is None:
            return Rejected.of(Reason.INSTRUMENT_NOT_FOUND)
        return [self._shown(found)]

    def _shown(self, inst: Instrument) -> Instrument:
        return replace(inst, state=InstrumentState.SUSPEND) if inst.inst_id in self._halted else inst
