"""A `MarkSource` over the sequencer's own marks (the last `UpdateMarks`): for reads in the same
process before (or instead of) the simulated market's own source. Reading a dict the writer
replaces whole is safe from reader threads; the values may be one market step old."""

from __future__ import annotations

from decimal import Decimal

from sandex.services.exchange.core import ExchangeCore


class CoreMarks:
    def __init__(self, core: ExchangeCore) -> None:
        self._core = core

    def mark_px(self, inst_id: str) -> Decimal | None:
        found = self._core.marks().get(inst_id)
        return None if found is None else found[0]

    def index_px(self, inst_id: str) -> Decimal | None:
        found = self._core.marks().get(inst_id)
        return None if found is None else found[1]
