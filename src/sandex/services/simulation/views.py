"""What transports show of the simulated market: the control API's and `sandex market --json`'s answer."""

from __future__ import annotations

from typing import Any

from sandex.domain.money import format_decimal
from sandex.services.simulation.board import InstrumentMarket


def markets_json(markets: list[InstrumentMarket]) -> dict[str, Any]:
    return {"markets": [market_json(m) for m in markets]}


def market_json(m: InstrumentMarket) -> dict[str, Any]:
    return {
        "instId": m.inst_id,
        "refPx": format_decimal(m.ref_px),
        "state": m.state.value,
        "widen": format_decimal(m.widen),
        "drained": [s.value for s in m.drained],
        "shifting": m.shifting,
        "frozen": m.frozen,
        **(
            {}
            if m.index_px is None
            else {
                "markPx": "" if m.mark_px is None else format_decimal(m.mark_px),
                "indexPx": format_decimal(m.index_px),
                "markPinned": m.mark_pinned,
            }
        ),
    }
