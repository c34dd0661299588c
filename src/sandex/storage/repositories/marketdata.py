"""Market data's storage: candles, trade marks and system users; reads of the public tape.

`SqlMarketStore` implements `sandex.services.marketdata.ports.MarketStore`. Every method runs its own
transaction. Candle writes are upserts (a candle is rewritten while its bar is open).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.marketdata.bars import MINUTE
from sandex.domain.marketdata.candles import Candle, CandleValues
from sandex.domain.matching.order import Side
from sandex.domain.simulation.history import SyntheticTrade
from sandex.services.exchange.records import TradeRecord
from sandex.services.marketdata.ports import (
    CandleQuery,
    ReplayTrade,
    StoredCandle,
    SyntheticTape,
    TradeQuery,
)
from sandex.storage.orm.accounts import UserRow
from sandex.storage.orm.market import CandleMarkRow, CandleRow, SystemUserRow
from sandex.storage.orm.trading import TradeRow
from sandex.storage.repositories._sql import dialect_insert, driver_sql, insert_text, upsert

SYSTEM_LABEL = "sandex market"  # label of the system users (shown in user lists)
_CANDLE_KEYS = ("environment", "bar", "inst_id", "ts")
_VALUE_COLUMNS = ("ts", "o", "h", "l", "c", "vol", "vol_ccy", "trades")
_CANDLE_COLUMNS = (*_CANDLE_KEYS, *_VALUE_COLUMNS[1:])
_TRADE_COLUMNS = ("trade_id", "environment", "inst_id", "px", "sz", "taker_side", "ts")


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


CANDLES, MARKS, SYSTEM_USERS = _table(CandleRow), _table(CandleMarkRow), _table(SystemUserRow)
TRADES, USERS = _table(TradeRow), _table(UserRow)


class SqlMarketStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # --- candles ---------------------------------------------------------------------------------
    def save_candles(self, rows: Sequence[StoredCandle], marks: Mapping[Environment, int]) -> None:
        with self._sessions.begin() as s:
            if rows:
                statement = dialect_insert(s, CANDLES)
                changes = {
                    name: statement.excluded[name]
                    for name in ("o", "h", "l", "c", "vol", "vol_ccy", "trades")
                }
                s.execute(
                    statement.on_conflict_do_update(index_elements=list(_CANDLE_KEYS), set_=changes),
                    [_candle_values(row) for row in rows],
                )
            for env, mark in marks.items():
                upsert(s, MARKS, ["environment"], {"environment": env.value, "last_trade_id": mark})

    def candles(self, query: CandleQuery) -> list[CandleValues]:
        c = CANDLES.c
        where = [c.environment == query.environment.value, c.bar == query.bar, c.inst_id == query.inst_id]
        if query.after is not None:
            where.append(c.ts < query.after)
        if query.before is not None:
            where.append(c.ts > query.before)
        if query.since is not None:
            where.append(c.ts >= query.since)
        with self._sessions() as s:
            rows = s.execute(select(CANDLES).where(*where).order_by(c.ts.desc()).limit(query.limit)).all()
        return [_candle(r) for r in rows]

    def candles_at(self, environment: Environment, bar: str, ts: int) -> dict[str, CandleValues]:
        c = CANDLES.c
        with self._sessions() as s:
            rows = s.execute(
                select(CANDLES).where(c.environment == environment.value, c.bar == bar, c.ts == ts)
            ).all()
        return {r.inst_id: _candle(r) for r in rows}

    def minutes_since(self, environment: Environment, since: int) -> dict[str, list[CandleValues]]:
        """Through the driver: every start reads a day of minutes for every instrument (the tickers'
        windows), and per-value processing would be most of that start's time."""
        out: dict[str, list[CandleValues]] = {}
        columns = ", ".join(("inst_id", *_VALUE_COLUMNS))
        sql = (
            f"SELECT {columns} FROM {CANDLES.name} "  # noqa: S608 - constant names only
            "WHERE environment = %s AND bar = %s AND ts >= %s ORDER BY ts"
        )
        with self._sessions() as s:
            connection = s.connection()
            rows = connection.exec_driver_sql(
                driver_sql(sql, connection.dialect.name), (environment.value, MINUTE.name, since)
            ).all()
        dec = Decimal
        for inst_id, ts, o, h, lo, c, vol, vol_ccy, n in rows:
            values = CandleValues(ts, dec(o), dec(h), dec(lo), dec(c), dec(vol), dec(vol_ccy), n)
            out.setdefault(inst_id, []).append(values)
        return out

    def candle_mark(self, environment: Environment) -> int:
        with self._sessions() as s:
            found = s.scalar(select(MARKS.c.last_trade_id).where(MARKS.c.environment == environment.value))
        return int(found or 0)

    def has_history(self, environment: Environment, inst_id: str) -> bool:
        c, t = CANDLES.c, TRADES.c
        minute = select(c.ts).where(
            c.environment == environment.value, c.bar == MINUTE.name, c.inst_id == inst_id
        )
        trade = select(t.trade_id).where(t.environment == environment.value, t.inst_id == inst_id)
        with self._sessions() as s:
            return any(s.scalar(q.limit(1)) is not None for q in (minute, trade))

    def lowest_trade_id(self) -> int | None:
        with self._sessions() as s:
            found = s.scalar(select(func.min(TRADES.c.trade_id)))
        return None if found is None else int(found)

    def save_history(self, history: SyntheticTape) -> None:
        """Bulk writes through the driver (no per-value processing), each value formatted once for
        all environments: a day of history for every instrument is a few hundred thousand rows,
        written while `sandex serve` starts."""
        envs = [_ENV_TEXT[env] for env in history.environments]
        with self._sessions.begin() as s:
            connection = s.connection()
            if history.trades:
                _bulk(
                    connection,
                    TRADES.name,
                    _TRADE_COLUMNS,
                    _history_trades(history.trades, envs, history.first_id),
                )
            if history.candles:
                _bulk(connection, CANDLES.name, _CANDLE_COLUMNS, _history_candles(history.candles, envs))
            for env, mark in history.marks.items():
                upsert(s, MARKS, ["environment"], {"environment": env.value, "last_trade_id": mark})

    # --- the public tape -------------------------------------------------------------------------
    def trades(self, query: TradeQuery) -> list[TradeRecord]:
        t = TRADES.c
        where = [t.environment == query.environment.value, t.inst_id == query.inst_id]
        if query.after_id is not None:
            where.append(t.trade_id < query.after_id)
        if query.before_id is not None:
            where.append(t.trade_id > query.before_id)
        if query.after_ts is not None:
            where.append(t.ts < query.after_ts)
        if query.since_ts is not None:
            where.append(t.ts >= query.since_ts)
        with self._sessions() as s:
            rows = s.execute(
                select(TRADES).where(*where).order_by(t.trade_id.desc()).limit(query.limit)
            ).all()
        return [_trade(r) for r in rows]

    def trades_after(
        self, environment: Environment, inst_id: str, trade_id: int, limit: int
    ) -> list[ReplayTrade]:
        """Through the driver, each distinct price and size made a `Decimal` once: a start after a
        crash replays every trade the stored candles miss (per-row ORM processing was most of it).
        One instrument's, through (environment, inst_id, trade_id) in index order: only the trades
        to replay are read (by trade id across the environment, a quiet demo's read walked every
        newer live trade: ~45 ms of CPU per 500k trades on each start, with nothing to replay)."""
        sql = (
            f"SELECT trade_id, ts, px, sz FROM {TRADES.name} "  # noqa: S608 - constant names only
            "WHERE environment = %s AND inst_id = %s AND trade_id > %s ORDER BY trade_id LIMIT %s"
        )
        with self._sessions() as s:
            connection = s.connection()
            cursor = connection.connection.cursor()  # DB-API: plain tuples
            try:
                cursor.execute(
                    driver_sql(sql, connection.dialect.name), (environment.value, inst_id, trade_id, limit)
                )
                rows = cursor.fetchall()
            finally:
                cursor.close()
        decimals: dict[str, Decimal] = {}
        out: list[ReplayTrade] = []
        for tid, ts, px, sz in rows:
            dpx = decimals.get(px)
            if dpx is None:
                dpx = decimals[px] = Decimal(px)
            dsz = decimals.get(sz)
            if dsz is None:
                dsz = decimals[sz] = Decimal(sz)
            out.append((tid, inst_id, ts, dpx, dsz))
        return out

    def last_trades(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, TradeRecord]:
        """One index probe per instrument: the newest per instrument by GROUP BY walked the index
        entry of every trade the environment ever had (~0.3 s per 500k trades on each start)."""
        t = TRADES.c
        out: dict[str, TradeRecord] = {}
        with self._sessions() as s:
            for inst_id in inst_ids:
                newest = (
                    select(TRADES)
                    .where(t.environment == environment.value, t.inst_id == inst_id)
                    .order_by(t.trade_id.desc())
                    .limit(1)
                )
                row = s.execute(newest).first()
                if row is not None:
                    out[inst_id] = _trade(row)
        return out

    # --- system users ----------------------------------------------------------------------------
    def system_user(self, role: str, now_ms: int) -> int:
        with self._sessions.begin() as s:
            found = s.scalar(select(SYSTEM_USERS.c.user_id).where(SYSTEM_USERS.c.role == role))
            if found is not None:
                return int(found)
            user_id = s.execute(
                USERS.insert()
                .values(
                    uid=_free_uid(s, role),
                    email=None,
                    sub_name=None,
                    master_id=None,
                    label=SYSTEM_LABEL,
                    password_hash=None,
                    status=UserStatus.FROZEN.value,
                    created_ms=now_ms,
                    totp_enabled=False,
                    totp_last_step=0,
                    can_transfer_out=False,
                )
                .returning(USERS.c.id)
            ).scalar_one()
            s.execute(SYSTEM_USERS.insert().values(role=role, user_id=user_id))
            return int(user_id)


def _free_uid(s: Session, role: str) -> str:
    """A stable 18-digit uid for `role` ("99…"), moved on in the unlikely case it is taken."""
    for attempt in range(100):
        digest = hashlib.sha256(f"{role}:{attempt}".encode()).hexdigest()
        uid = "99" + str(int(digest, 16) % 10**16).zfill(16)
        if s.scalar(select(USERS.c.id).where(USERS.c.uid == uid)) is None:
            return uid
    raise RuntimeError("no free uid for a system user")


def _candle_values(row: StoredCandle) -> dict[str, Any]:
    v = row.values
    return {
        "environment": row.environment.value,
        "bar": row.bar,
        "inst_id": row.inst_id,
        "ts": v.ts,
        "o": v.o,
        "h": v.h,
        "l": v.l,
        "c": v.c,
        "vol": v.vol,
        "vol_ccy": v.vol_ccy,
        "trades": v.n,
    }


def _bulk(connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: COPY (an INSERT per row costs it a round trip's worth each); SQLite: executemany."""
    dialect = connection.dialect.name
    if dialect != "postgresql":
        connection.exec_driver_sql(insert_text(table, columns, dialect), rows)
        return
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # constant names only
    with connection.connection.dbapi_connection.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


def _history_trades(
    trades: Sequence[tuple[str, SyntheticTrade]], envs: Sequence[str], first_id: int
) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    trade_id = first_id
    for inst_id, t in trades:
        px, sz, side = format(t.px, "f"), format(t.sz, "f"), _SIDE_TEXT[t.side]
        for env in envs:
            out.append((trade_id, env, inst_id, px, sz, side, t.ts))
            trade_id += 1
    return out


def _history_candles(
    candles: Sequence[tuple[str, str, Candle]], envs: Sequence[str]
) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for inst_id, bar, v in candles:
        decimals = [format(d, "f") for d in (v.o, v.h, v.l, v.c, v.vol, v.vol_ccy)]
        out.extend((env, bar, inst_id, v.ts, *decimals, v.n) for env in envs)
    return out


# plain strings for the driver, looked up once (an enum's `.value` is slow in bulk)
_ENV_TEXT = {env: env.value for env in Environment}
_SIDE_TEXT = {side: side.value for side in Side}


def _candle(r: Any) -> CandleValues:
    return CandleValues(r.ts, r.o, r.h, r.l, r.c, r.vol, r.vol_ccy, r.trades)


def _trade(r: Any) -> TradeRecord:
    return TradeRecord(
        r.trade_id, Environment(r.environment), r.inst_id, r.px, r.sz, Side(r.taker_side), r.ts
    )
