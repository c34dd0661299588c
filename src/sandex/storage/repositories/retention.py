"""Deletes old simulated-market history in small batches (`sandex.services.retention.RetentionStore`).

A round is one transaction (one commit). Every delete first picks at most `limit` keys with a
bounded read, then deletes those keys, so no round scans a large table: the market's own rows
account by account along the account indexes (oldest first, stopping at `limit`), the public tape
and fills from the head of their primary key (ids grow with time), closed orders with a cursor
over the primary key, candles through (environment, bar, ts). The row with the highest id of
`orders`, `trades` and `postings` is never deleted: the exchange continues its ids from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, Table, func, or_, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import OrdState
from sandex.services.retention import Cutoffs
from sandex.storage.orm.accounts import LoginThrottleRow
from sandex.storage.orm.market import CandleRow, SystemUserRow
from sandex.storage.orm.trading import FillRow, LedgerAccountRow, OrderRow, PostingRow, TradeRow


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


ORDERS, FILLS, POSTINGS, TRADES = _table(OrderRow), _table(FillRow), _table(PostingRow), _table(TradeRow)
CANDLES, ACCOUNTS, SYSTEM_USERS = _table(CandleRow), _table(LedgerAccountRow), _table(SystemUserRow)
THROTTLES = _table(LoginThrottleRow)
_CLOSED = (OrdState.FILLED.value, OrdState.CANCELED.value)
_DEPOSIT = PostingReason.DEPOSIT.value


class SqlRetentionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._orders_after = 0  # where the scan of all closed orders goes on (see `_closed_orders`)

    def prune(self, cutoffs: Cutoffs, limit: int) -> dict[str, int]:
        with self._sessions.begin() as s:
            accounts, f, t = _system_accounts(s), FILLS.c, TRADES.c
            counts = {
                "system_orders": _system_orders(s, accounts, cutoffs.system, limit),
                "system_fills": _system_fills(s, accounts, cutoffs.system, limit),
                "system_bills": _system_bills(s, accounts, cutoffs.system, limit),
                "orders": self._closed_orders(s, cutoffs.orders, limit),
                "fills": _head(s, FILLS, [f.trade_id, f.ord_id], f.ts, cutoffs.fills, limit),
                "trades": _head(s, TRADES, [t.trade_id], t.ts, cutoffs.trades, limit, newest=True),
            }
            for bar, before in cutoffs.candles.items():
                counts[bar] = _candles(s, bar, before, limit)
            if cutoffs.counters:
                counts["counters"] = _idle_counters(s, cutoffs.counters, limit)
        return counts

    def _closed_orders(self, s: Session, before_ms: int, limit: int) -> int:
        """Closed orders completed before `before_ms`. Ids grow with creation time, so the scan goes
        on from where the last one stopped and starts over once it meets an order created after
        `before_ms` (no order from there on can have completed before it)."""
        o = ORDERS.c
        page = s.execute(
            select(o.ord_id, o.state, o.u_time, o.c_time)
            .where(o.ord_id > self._orders_after, o.ord_id < _newest(o.ord_id))
            .order_by(o.ord_id)
            .limit(limit)
        ).all()
        done = [(r.ord_id,) for r in page if r.state in _CLOSED and r.u_time < before_ms]
        young = len(page) < limit or page[-1].c_time >= before_ms
        self._orders_after = 0 if young else page[-1].ord_id
        return _delete(s, ORDERS, [o.ord_id], done)


# --- the market's own rows: along the account indexes, no sort (see `_some`) ----------------------
def _system_orders(s: Session, accounts: Sequence[int], before_ms: int, limit: int) -> int:
    o = ORDERS.c
    where = [
        o.account_id.in_(accounts),
        o.state.in_(_CLOSED),
        o.u_time < before_ms,
        o.ord_id < _newest(o.ord_id),
    ]
    return _delete(s, ORDERS, [o.ord_id], _some(s, select(o.ord_id).where(*where), limit))


def _system_fills(s: Session, accounts: Sequence[int], before_ms: int, limit: int) -> int:
    f = FILLS.c
    pick = select(f.trade_id, f.ord_id).where(f.account_id.in_(accounts), f.ts < before_ms)
    return _delete(s, FILLS, [f.trade_id, f.ord_id], _some(s, pick, limit))


def _system_bills(s: Session, accounts: Sequence[int], before_ms: int, limit: int) -> int:
    """Deposits stay: the next deposit id continues from the highest one stored."""
    p = POSTINGS.c
    where = [
        p.account_id.in_(accounts),
        p.reason != _DEPOSIT,
        p.ts < before_ms,
        p.bill_id < _newest(p.bill_id),
    ]
    return _delete(s, POSTINGS, [p.bill_id], _some(s, select(p.bill_id).where(*where), limit))


def _head(
    s: Session, table: Table, key: Sequence[Any], ts: Any, before_ms: int, limit: int, *, newest: bool = False
) -> int:
    """The old among the first `limit` rows by primary key (ids grow with time): a bounded read."""
    head = select(*key, ts).order_by(*key).limit(limit).subquery()
    where = [head.c[ts.name] < before_ms]
    if newest:
        where.append(head.c[key[0].name] < _newest(key[0]))
    rows = s.execute(select(*(head.c[k.name] for k in key)).where(*where)).all()
    return _delete(s, table, key, [tuple(r) for r in rows])


def _candles(s: Session, bar: str, before_ms: int, limit: int) -> int:
    c = CANDLES.c
    columns = [c.environment, c.bar, c.inst_id, c.ts]
    envs = [env.value for env in Environment]
    pick = select(*columns).where(c.environment.in_(envs), c.bar == bar, c.ts < before_ms)
    return _delete(s, CANDLES, columns, _some(s, pick, limit))


def _idle_counters(s: Session, before_ms: int, limit: int) -> int:
    """Attempt counters whose window opened and whose lock ended before `before_ms`: they count
    nothing (a missing row reads as a fresh counter), and a racing reservation that still read one
    finds its compare-and-set miss and starts a fresh row."""
    c = THROTTLES.c
    columns = [c.scope, c.subject]
    pick = select(*columns).where(c.window_start_ms < before_ms, c.locked_until_ms < before_ms)
    return _delete(s, THROTTLES, columns, _some(s, pick, limit))


def _system_accounts(s: Session) -> list[int]:
    """The ledger accounts of the market's own users (maker, flow) and the fee accounts (no user)."""
    users = select(SYSTEM_USERS.c.user_id)
    a = ACCOUNTS.c
    return list(s.scalars(select(a.id).where(or_(a.user_id.in_(users), a.user_id.is_(None))).order_by(a.id)))


def _newest(column: Any) -> Any:
    return select(func.max(column)).scalar_subquery()


def _some(s: Session, pick: Select[Any], limit: int) -> list[tuple[Any, ...]]:
    """Up to `limit` keys, in whatever order the index walk finds them: no sort, so the read stops
    after `limit` matches even with millions of old rows left (a first prune of a big database)."""
    return [tuple(row) for row in s.execute(pick.limit(limit)).all()]


def _delete(s: Session, table: Table, columns: Sequence[Any], keys: Sequence[tuple[Any, ...]]) -> int:
    if not keys:
        return 0
    if len(columns) == 1:
        s.execute(table.delete().where(columns[0].in_([key[0] for key in keys])))
    else:
        s.execute(table.delete().where(tuple_(*columns).in_(keys)))
    return len(keys)
