"""Deletes old simulated-market history in small batches (`sandex.services.retention.RetentionStore`).

Every delete first picks at most `limit` keys with a bounded read, then deletes those keys, so no
call scans a large table: the market's own rows through the account indexes (only the last
minute's remain), the public tape and users' fills from the head of their primary key (ids grow
with time), users' orders with a cursor over the primary key, candles through (environment, bar,
ts). The row with the highest id of `orders`, `trades` and `postings` is never deleted: the
exchange continues its ids from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, or_, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import OrdState
from sandex.storage.orm.market import CandleRow, SystemUserRow
from sandex.storage.orm.trading import FillRow, LedgerAccountRow, OrderRow, PostingRow, TradeRow


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


ORDERS, FILLS, POSTINGS, TRADES = _table(OrderRow), _table(FillRow), _table(PostingRow), _table(TradeRow)
CANDLES, ACCOUNTS, SYSTEM_USERS = _table(CandleRow), _table(LedgerAccountRow), _table(SystemUserRow)
_CLOSED = (OrdState.FILLED.value, OrdState.CANCELED.value)


class SqlRetentionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._orders_after = 0  # where the scan of users' orders goes on (see `prune_user_orders`)

    # --- the market's own rows -------------------------------------------------------------------
    def prune_system_orders(self, before_ms: int, limit: int) -> int:
        o = ORDERS.c
        with self._sessions.begin() as s:
            where = [o.account_id.in_(_system_accounts(s)), o.state.in_(_CLOSED), o.u_time < before_ms]
            keys = _keys(s, select(o.ord_id).where(*where, o.ord_id < _newest(o.ord_id)), o.ord_id, limit)
            return _delete(s, ORDERS, [o.ord_id], keys)

    def prune_system_fills(self, before_ms: int, limit: int) -> int:
        f = FILLS.c
        with self._sessions.begin() as s:
            pick = select(f.trade_id, f.ord_id).where(f.account_id.in_(_system_accounts(s)), f.ts < before_ms)
            return _delete(s, FILLS, [f.trade_id, f.ord_id], _keys(s, pick, f.bill_id, limit))

    def prune_system_bills(self, before_ms: int, limit: int) -> int:
        p = POSTINGS.c
        with self._sessions.begin() as s:
            accounts = or_(p.account_id.in_(_system_accounts(s)), p.account_id.in_(_fee_accounts()))
            where = [accounts, p.reason != PostingReason.DEPOSIT.value, p.ts < before_ms]
            keys = _keys(s, select(p.bill_id).where(*where, p.bill_id < _newest(p.bill_id)), p.bill_id, limit)
            return _delete(s, POSTINGS, [p.bill_id], keys)

    # --- what users can read, kept as long as OKX serves it --------------------------------------
    def prune_user_orders(self, before_ms: int, limit: int) -> int:
        """Closed orders completed before `before_ms`. Ids grow with creation time, so the scan goes
        on from where the last one stopped and starts over once it meets an order created after
        `before_ms` (no order from there on can have completed before it)."""
        o = ORDERS.c
        with self._sessions.begin() as s:
            page = s.execute(
                select(o.ord_id, o.state, o.u_time, o.c_time)
                .where(o.ord_id > self._orders_after, o.ord_id < _newest(o.ord_id))
                .order_by(o.ord_id)
                .limit(limit)
            ).all()
            done = [r.ord_id for r in page if r.state in _CLOSED and r.u_time < before_ms]
            deleted = _delete(s, ORDERS, [o.ord_id], [(ord_id,) for ord_id in done])
        young = len(page) < limit or page[-1].c_time >= before_ms
        self._orders_after = 0 if young else page[-1].ord_id
        return deleted

    def prune_user_fills(self, before_ms: int, limit: int) -> int:
        f = FILLS.c
        with self._sessions.begin() as s:
            head = select(f.trade_id, f.ord_id, f.ts).order_by(f.trade_id).limit(limit).subquery()
            keys = s.execute(select(head.c.trade_id, head.c.ord_id).where(head.c.ts < before_ms)).all()
            return _delete(s, FILLS, [f.trade_id, f.ord_id], [tuple(k) for k in keys])

    def prune_trades(self, before_ms: int, limit: int) -> int:
        t = TRADES.c
        with self._sessions.begin() as s:
            head = select(t.trade_id, t.ts).order_by(t.trade_id).limit(limit).subquery()
            pick = select(head.c.trade_id).where(head.c.ts < before_ms, head.c.trade_id < _newest(t.trade_id))
            return _delete(s, TRADES, [t.trade_id], [tuple(k) for k in s.execute(pick).all()])

    def prune_candles(self, bar: str, before_ms: int, limit: int) -> int:
        c = CANDLES.c
        columns = [c.environment, c.bar, c.inst_id, c.ts]
        deleted = 0
        with self._sessions.begin() as s:
            for env in Environment:
                pick = select(*columns).where(c.environment == env.value, c.bar == bar, c.ts < before_ms)
                deleted += _delete(s, CANDLES, columns, _keys(s, pick, c.ts, limit - deleted))
        return deleted


def _system_accounts(s: Session) -> list[int]:
    """The ledger accounts of the market's own users (maker, flow)."""
    users = select(SYSTEM_USERS.c.user_id)
    return list(s.scalars(select(ACCOUNTS.c.id).where(ACCOUNTS.c.user_id.in_(users))))


def _fee_accounts() -> Select[tuple[int]]:
    return select(ACCOUNTS.c.id).where(ACCOUNTS.c.user_id.is_(None))


def _newest(column: Any) -> Any:
    return select(func.max(column)).scalar_subquery()


def _keys(s: Session, pick: Select[Any], order: ColumnElement[Any], limit: int) -> list[tuple[Any, ...]]:
    if limit <= 0:
        return []
    return [tuple(row) for row in s.execute(pick.order_by(order).limit(limit)).all()]


def _delete(s: Session, table: Table, columns: Sequence[Any], keys: Sequence[tuple[Any, ...]]) -> int:
    if not keys:
        return 0
    if len(columns) == 1:
        s.execute(table.delete().where(columns[0].in_([key[0] for key in keys])))
    else:
        s.execute(table.delete().where(tuple_(*columns).in_(keys)))
    return len(keys)
