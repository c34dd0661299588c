"""The algo orders one environment's exchange holds, indexed for the sequencer's checks.

Live algo orders are indexed per instrument (the trigger check after a trade visits only the
traded instrument's ones), attached TP/SL waiting on their order per that order's id, and
client ids and pending counts per account. `last` holds each instrument's last trade price.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sandex.domain.trading.algos import AlgoOrdType, AlgoState
from sandex.services.exchange.records import AlgoRecord

_STOP_TYPES = frozenset({AlgoOrdType.CONDITIONAL, AlgoOrdType.OCO})


def bucket(ord_type: AlgoOrdType, inst_id: str) -> str:
    """What a pending-count limit counts: TP/SL per instrument, trigger and trailing per account."""
    return f"stop:{inst_id}" if ord_type in _STOP_TYPES else ord_type.value


class AlgoDesk:
    def __init__(self) -> None:
        self._algos: dict[int, AlgoRecord] = {}  # live and waiting
        self._by_inst: dict[str, dict[int, None]] = {}  # live (not waiting), in placement order
        self._by_parent: dict[int, list[int]] = {}  # waiting on an order
        self._cl_ids: dict[tuple[int, str], int] = {}
        self._counts: dict[tuple[int, str], int] = {}
        self.last: dict[str, Decimal] = {}
        self.linked: dict[int, int] = {}  # a live SL's TP limit order id -> its algo id
        self.marks: dict[str, tuple[Decimal, Decimal]] = {}  # swaps: (mark, index) of the last UpdateMarks

    def restore(self, records: Iterable[AlgoRecord], last_prices: Mapping[str, Decimal]) -> None:
        for record in records:
            self.put(record)
        self.last.update(last_prices)

    @property
    def empty(self) -> bool:
        return not self._algos

    @property
    def has_waiting(self) -> bool:
        return bool(self._by_parent)

    def get(self, algo_id: int) -> AlgoRecord | None:
        return self._algos.get(algo_id)

    def find(self, account_id: int, algo_id: int | None, algo_cl_ord_id: str) -> AlgoRecord | None:
        """A live algo order of the account by id (wins) or client id; None when it is not live."""
        if algo_id is None:
            found = self._cl_ids.get((account_id, algo_cl_ord_id)) if algo_cl_ord_id else None
            algo_id = found
        record = None if algo_id is None else self._algos.get(algo_id)
        if record is None or record.account_id != account_id or record.waiting:
            return None
        return record

    def cl_taken(self, account_id: int, algo_cl_ord_id: str) -> bool:
        return (account_id, algo_cl_ord_id) in self._cl_ids

    def count(self, account_id: int, key: str) -> int:
        return self._counts.get((account_id, key), 0)

    def live_on(self, inst_id: str) -> list[AlgoRecord]:
        ids = self._by_inst.get(inst_id)
        return [self._algos[i] for i in ids] if ids else []

    def any_of(self, account_id: int, inst_ids: Iterable[str]) -> bool:
        """Whether the account has a live or waiting algo order on any of `inst_ids`."""
        wanted = set(inst_ids)
        return any(a.account_id == account_id and a.inst_id in wanted for a in self._algos.values())

    def waiting_on(self, ord_id: int) -> list[AlgoRecord]:
        return [self._algos[i] for i in self._by_parent.get(ord_id, ())]

    def put(self, record: AlgoRecord) -> None:
        """Add or update an algo order; a final one leaves the desk."""
        old = self._algos.pop(record.algo_id, None)
        if old is not None:
            self._unindex(old)
        if record.state is not AlgoState.LIVE:
            return
        self._algos[record.algo_id] = record
        if record.linked_ord_id is not None:
            self.linked[record.linked_ord_id] = record.algo_id
        if record.algo_cl_ord_id:
            self._cl_ids[(record.account_id, record.algo_cl_ord_id)] = record.algo_id
        if record.waiting and record.parent_ord_id is not None:
            self._by_parent.setdefault(record.parent_ord_id, []).append(record.algo_id)
            return
        self._by_inst.setdefault(record.inst_id, {})[record.algo_id] = None
        key = (record.account_id, bucket(record.ord_type, record.inst_id))
        self._counts[key] = self._counts.get(key, 0) + 1

    def _unindex(self, record: AlgoRecord) -> None:
        if record.linked_ord_id is not None:
            self.linked.pop(record.linked_ord_id, None)
        if record.algo_cl_ord_id:
            self._cl_ids.pop((record.account_id, record.algo_cl_ord_id), None)
        if record.waiting and record.parent_ord_id is not None:
            siblings = self._by_parent.get(record.parent_ord_id, [])
            if record.algo_id in siblings:
                siblings.remove(record.algo_id)
            if not siblings:
                self._by_parent.pop(record.parent_ord_id, None)
            return
        live = self._by_inst.get(record.inst_id)
        if live is not None:
            live.pop(record.algo_id, None)
            if not live:
                del self._by_inst[record.inst_id]
        key = (record.account_id, bucket(record.ord_type, record.inst_id))
        left = self._counts.get(key, 0) - 1
        if left > 0:
            self._counts[key] = left
        else:
            self._counts.pop(key, None)
