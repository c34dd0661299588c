"""TP/SL attached to an order (`attachAlgoOrds`), as the algo records that wait on it: what an
amend of them names and makes (the checks are the domain's `check_attached`)."""

from __future__ import annotations

from collections.abc import Sequence

from sandex.domain.errors import Reason, Rejected
from sandex.domain.trading.algos import AlgoOrdType, AttachedAlgo, AttachedAmend
from sandex.services.exchange.records import AlgoRecord


def attached_of(record: AlgoRecord) -> AttachedAlgo:
    """An attached TP/SL as the `attachAlgoOrds` item that would place it now."""
    return AttachedAlgo(
        record.attach_algo_cl_ord_id,
        record.tp_trigger_px,
        record.tp_ord_px,
        tp_trigger_px_type=record.tp_trigger_px_type,
        tp_ord_kind=record.tp_ord_kind,
        sl_trigger_px=record.sl_trigger_px,
        sl_ord_px=record.sl_ord_px,
        sl_trigger_px_type=record.sl_trigger_px_type,
    )


def with_legs(record: AlgoRecord, item: AttachedAlgo, ts: int) -> AlgoRecord:
    """The waiting algo with `item`'s legs: an `oco` when both are set, else a `conditional`."""
    both = item.tp_trigger_px is not None and item.sl_trigger_px is not None
    return record._replace(
        ord_type=AlgoOrdType.OCO if both else AlgoOrdType.CONDITIONAL,
        tp_trigger_px=item.tp_trigger_px,
        tp_ord_px=item.tp_ord_px,
        sl_trigger_px=item.sl_trigger_px,
        sl_ord_px=item.sl_ord_px,
        tp_trigger_px_type=item.tp_trigger_px_type if item.tp_trigger_px is not None else "last",
        sl_trigger_px_type=item.sl_trigger_px_type if item.sl_trigger_px is not None else "last",
        u_time=ts,
    )


def attached_target(current: Sequence[AlgoRecord], item: AttachedAmend) -> AlgoRecord | Rejected:
    """The order's TP/SL an amend item names: by `attachAlgoId` (wins) or `attachAlgoClOrdId`;
    naming none (the order-level `newTpTriggerPx`… fields), the order's first."""
    if item.attach_algo_id is None and not item.attach_algo_cl_ord_id:
        return current[0]
    for record in current:
        if item.attach_algo_id is not None:
            if record.algo_id == item.attach_algo_id:
                return record
        elif record.attach_algo_cl_ord_id == item.attach_algo_cl_ord_id:
            return record
    return Rejected(Reason.ATTACHED_AMEND_NOT_FOUND)
