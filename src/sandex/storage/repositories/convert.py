"""Convert trades: written by the sequencer's group commit (`write_convert_rows`, in its transaction)
and read back for `asset/convert/history` (`SqlConvertStore`, implements `ConvertStore`).

Newest first; OKX's `after`/`before` are trade times (ts < after, ts > before), and `before` alone
returns the trades nearest to it, still newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, func, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.matching.order import Side
from sandex.services.convert.ports import HistoryQuery
from sandex.services.exchange.records import ConvertTradeRecord
from sandex.storage.orm.convert import ConvertTradeRow

_TABLE: Table = ConvertTradeRow.__table__  # type: ignore[assignment]
_C = _TABLE.c
TRADE_PREFIX = "trader"  # a tradeId is "trader<trade_no>" (`services/convert/views.py`)


def write_convert_rows(s: Session, records: Sequence[ConvertTradeRecord]) -> None:
    """Insert a batch's convert trades inside the sequencer's transaction (with their postings)."""
    s.execute(insert(_TABLE), [_values(r) for r in records])


class SqlConvertStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def convert_trades(
        self, environment: Environment, user_id: int, query: HistoryQuery
    ) -> list[ConvertTradeRecord]:
        q = select(_TABLE).where(
            _C.user_id == user_id, _C.environment == environment.value, _C.tag == query.tag
        )
        if query.cl_t_req_id:  # ccxt's fetch_convert_trade sends the tradeId it was given here
            q = q.where(or_(_C.cl_t_req_id == query.cl_t_req_id, _C.trade_no == _trade_no(query.cl_t_req_id)))
        if query.after is not None:
            q = q.where(_C.ts < query.after)
        if query.before is not None:
            q = q.where(_C.ts > query.before)
        oldest_first = query.before is not None and query.after is None
        order = (_C.ts, _C.trade_no) if oldest_first else (_C.ts.desc(), _C.trade_no.desc())
        with self._sessions() as s:
            rows = s.execute(q.order_by(*order).limit(query.limit)).all()
        records = [_record(r) for r in rows]
        return records[::-1] if oldest_first else records

    def convert_trade_by_client(
        self, environment: Environment, user_id: int, cl_t_req_id: str
    ) -> ConvertTradeRecord | None:
        q = select(_TABLE).where(
            _C.user_id == user_id, _C.environment == environment.value, _C.cl_t_req_id == cl_t_req_id
        )
        with self._sessions() as s:
            row = s.execute(q.limit(1)).first()
        return None if row is None else _record(row)

    def max_convert_no(self) -> int:
        with self._sessions() as s:
            found = s.scalar(select(func.max(_C.trade_no)))
        return int(found or 0)


def _trade_no(trade_id: str) -> int:
    digits = trade_id.removeprefix(TRADE_PREFIX)
    return int(digits) if trade_id.startswith(TRADE_PREFIX) and digits.isdigit() and len(digits) < 19 else -1


def _values(r: ConvertTradeRecord) -> dict[str, Any]:
    return {
        "trade_no": r.trade_no,
        "environment": r.environment.value,
        "user_id": r.user_id,
        "account_id": r.account_id,
        "inst_id": r.inst_id,
        "base_ccy": r.base_ccy,
        "quote_ccy": r.quote_ccy,
        "side": r.side.value,
        "fill_px": r.fill_px,
        "base_sz": r.base_sz,
        "quote_sz": r.quote_sz,
        "cl_t_req_id": r.cl_t_req_id,
        "tag": r.tag,
        "ts": r.ts,
    }


def _record(r: Row[Any]) -> ConvertTradeRecord:
    return ConvertTradeRecord(
        r.trade_no,
        Environment(r.environment),
        r.user_id,
        r.account_id,
        r.inst_id,
        r.base_ccy,
        r.quote_ccy,
        Side(r.side),
        r.fill_px,
        r.base_sz,
        r.quote_sz,
        r.cl_t_req_id,
        r.tag,
        r.ts,
    )
