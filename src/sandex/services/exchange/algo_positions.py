"""Whole-position TP/SL (`closeFraction` "1") as positions show them (`closeOrderAlgo`)."""

from __future__ import annotations

from collections.abc import Iterable

from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.trading.algos import AlgoOrdType, AlgoState
from sandex.services.exchange.records import AlgoRecord
from sandex.services.exchange.store import AlgoQuery
from sandex.services.exchange.swap_records import CloseAlgo

# the read: live swap TP/SL of an account (a position has at most one whole-position one: 51088)
CLOSE_ALGOS = AlgoQuery(
    frozenset({AlgoOrdType.CONDITIONAL, AlgoOrdType.OCO}),
    frozenset({AlgoState.LIVE}),
    inst_type="SWAP",
    limit=10_000,
)


def close_algos(records: Iterable[AlgoRecord]) -> dict[tuple[str, str, PosSide], tuple[CloseAlgo, ...]]:
    """Per position (inst_id, margin mode, side): its live `closeFraction` algos."""
    out: dict[tuple[str, str, PosSide], tuple[CloseAlgo, ...]] = {}
    for r in records:
        if not r.close_fraction:
            continue
        item = CloseAlgo(
            r.algo_id,
            r.tp_trigger_px,
            "" if r.tp_trigger_px is None else r.tp_trigger_px_type,
            r.sl_trigger_px,
            "" if r.sl_trigger_px is None else r.sl_trigger_px_type,
        )
        key = (r.inst_id, r.td_mode, r.pos_side or PosSide.NET)
        out[key] = (*out.get(key, ()), item)
    return out
