"""Swap funding rates: written by the sequencer's group commit (`write_funding_rate_rows`, in its
transaction, with the settlement's postings) and read back for `public/funding-rate-history` and
for the last settled time of each swap (`SqlFundingRateStore`, implements `FundingRateStore`).

Newest first; OKX's `after`/`before` are funding times (time < after, time > before), and `before`
alone returns the settlements nearest to it, still newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import PosSide
from sandex.services.exchange.funding_fees import FundingRateRecord
from sandex.services.exchange.liquidations import LiquidationRecord
from sandex.services.swap_funding.ports import HistoryQuery, LiquidationQuery
from sandex.storage.orm.funding_rates import FundingRateRow, LiquidationRow

_TABLE: Table = FundingRateRow.__table__  # type: ignore[assignment]
_C = _TABLE.c
_LIQ: Table = LiquidationRow.__table__  # type: ignore[assignment]
_L = _LIQ.c


def write_funding_rate_rows(s: Session, records: Sequence[FundingRateRecord]) -> None:
    s.execute(insert(_TABLE), [_values(r) for r in records])


class SqlFundingRateStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def history(self, inst_id: str, query: HistoryQuery) -> list[FundingRateRecord]:
        q = select(_TABLE).where(_C.inst_id == inst_id, _C.funding_time >= query.since)
        if query.after is not None:
            q = q.where(_C.funding_time < query.after)
        if query.before is not None:
            q = q.where(_C.funding_time > query.before)
        oldest_first = query.before is not None and query.after is None
        order = _C.funding_time if oldest_first else _C.funding_time.desc()
        with self._sessions() as s:
            rows = s.execute(q.order_by(order).limit(query.limit)).all()
        records = [_record(r) for r in rows]
        return records[::-1] if oldest_first else records

    def last_settled(self) -> dict[str, FundingRateRecord]:
        return last_funding_settled(self._sessions)

    def liquidations(self, environment: Environment, query: LiquidationQuery) -> list[LiquidationRecord]:
        q = select(_LIQ).where(_L.environment == environment.value, _L.inst_id.in_(query.inst_ids))
        if query.after is not None:
            q = q.where(_L.ts < query.after)
        if query.before is not None:
            q = q.where(_L.ts > query.before)
        oldest_first = query.before is not None and query.after is None
        order = (_L.ts, _L.id) if oldest_first else (_L.ts.desc(), _L.id.desc())
        with self._sessions() as s:
            rows = s.execute(q.order_by(*order).limit(query.limit)).all()
        records = [_liquidation(r) for r in rows]
        return records[::-1] if oldest_first else records


def last_funding_settled(sessions: sessionmaker[Session]) -> dict[str, FundingRateRecord]:
    """Each swap's newest settlement."""
    newest = select(_C.inst_id, func.max(_C.funding_time).label("t")).group_by(_C.inst_id).subquery()
    q = select(_TABLE).join(newest, (newest.c.inst_id == _C.inst_id) & (newest.c.t == _C.funding_time))
    with sessions() as s:
        return {r.inst_id: _record(r) for r in s.execute(q).all()}


def write_liquidation_rows(s: Session, records: Sequence[LiquidationRecord]) -> None:
    s.execute(insert(_LIQ), [_liquidation_values(r) for r in records])


def _liquidation_values(r: LiquidationRecord) -> dict[str, Any]:
    return {
        "environment": r.environment.value,
        "inst_id": r.inst_id,
        "pos_side": r.pos_side.value,
        "side": r.side,
        "sz": r.sz,
        "bk_px": r.bk_px,
        "bk_loss": r.bk_loss,
        "ccy": r.ccy,
        "ts": r.ts,
        "category": r.category,
    }


def _liquidation(r: Row[Any]) -> LiquidationRecord:
    environment, pos_side = Environment(r.environment), PosSide(r.pos_side)
    return LiquidationRecord(
        environment, r.inst_id, pos_side, r.side, r.sz, r.bk_px, r.bk_loss, r.ccy, r.ts, r.category
    )


def _values(r: FundingRateRecord) -> dict[str, Any]:
    return {
        "inst_id": r.inst_id,
        "funding_time": r.funding_time,
        "funding_rate": r.funding_rate,
        "realized_rate": r.realized_rate,
        "formula_type": r.formula_type,
        "method": r.method,
        "ts": r.ts,
    }


def _record(r: Row[Any]) -> FundingRateRecord:
    return FundingRateRecord(
        r.inst_id, r.funding_time, r.funding_rate, r.realized_rate, r.ts, r.formula_type, r.method
    )
