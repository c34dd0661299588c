"""The exchange core's storage: the sequencer's group commit, its lease, the inbox, ledger accounts.

`SqlExchangeStore` implements `sandex.services.exchange.store.ExchangeStore`; the reads (orders,
fills, bills, balances) live in `trading_reads` and are mixed in. Every method runs in its own
transaction. `write` is the one path that changes exchange state: one transaction per group
commit, which first proves (and refreshes) the writer's lease, so a process that lost the lease
can never write over the state another writer owns.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Update

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import PENDING_STATES
from sandex.domain.trading.algos import AlgoState
from sandex.services.exchange.funding_fees import FundingRateRecord
from sandex.services.exchange.records import (
    ChangeSet,
    FeeTierRecord,
    IdMaxima,
    InboxItem,
    InboxOutcome,
    LedgerAccount,
    LedgerAccountKind,
    StoredState,
)
from sandex.services.exchange.store import LeaseLostError, LeaseState
from sandex.storage.db import BUSY_TIMEOUT_MS
from sandex.storage.orm.trading import (
    AlgoOrderRow,
    FeeTierRow,
    InboxRow,
    LeaseRow,
    LedgerAccountRow,
    LedgerBalanceRow,
    OrderRow,
    PostingRow,
    TradeRow,
)
from sandex.storage.repositories._sql import dialect_insert, driver_sql, upsert
from sandex.storage.repositories.convert import write_convert_rows
from sandex.storage.repositories.exchange_reads import (
    ExchangeReads,
    algo_record,
    balance_record,
    order_record,
)
from sandex.storage.repositories.exchange_write import BulkWriter
from sandex.storage.repositories.funding_rates import (
    last_funding_settled,
    write_funding_rate_rows,
    write_liquidation_rows,
)
from sandex.storage.repositories.funding_rows import write_funding_rows
from sandex.storage.repositories.swap_reads import POSITIONS, SwapReads

LEASE = "sequencer"
# ... and count the commit: a replica in another process applies the batches in this order
LEASE_PROOF = (
    "UPDATE sequencer_lease SET heartbeat_ms = {now}, commit_seq = commit_seq + 1"
    " WHERE name = %s AND owner = %s"
)
# The database's clock in ms (PostgreSQL): the time of the statement's execution, not of its
# transaction's start, so a heartbeat written after a wait is as fresh as the write.
PG_NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint"
# A writer or lease statement waits this long at most for a row lock (a frozen holder's): then the
# waiting process looks at the lease again instead of hanging behind it.
LEASE_LOCK_TIMEOUT = "500ms"
# The group commit's own PostgreSQL session: a transaction left open by a frozen process ends (and
# frees the lease row) on its own, and no statement hangs the writer.
WRITER_SESSION = (
    "SET idle_in_transaction_session_timeout = '2s'",
    "SET statement_timeout = '10s'",
    "SET lock_timeout = '2s'",
)
_PENDING = [s.value for s in PENDING_STATES]
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired


def _lease_proof(dialect: str, owner: str, now_ms: int | None) -> tuple[str, tuple[object, ...]]:
    """The group commit's first statement: refresh the lease, which fails (no row) unless ours."""
    if now_ms is None and dialect == "postgresql":
        return LEASE_PROOF.format(now=PG_NOW_MS), (LEASE, owner)
    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    return driver_sql(LEASE_PROOF.format(now="%s"), dialect), (now, LEASE, owner)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


ORDERS, TRADES = _table(OrderRow), _table(TradeRow)
POSTINGS, BALANCES, ACCOUNTS = _table(PostingRow), _table(LedgerBalanceRow), _table(LedgerAccountRow)
INBOX, LEASES, FEE_TIERS = _table(InboxRow), _table(LeaseRow), _table(FeeTierRow)
ALGOS = _table(AlgoOrderRow)
_LIVE_ALGO = AlgoState.LIVE.value


class SqlExchangeStore(ExchangeReads, SwapReads):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions)
        self._writer: BulkWriter | None = None
        self._commit_conn: Connection | None = None

    # --- accounts --------------------------------------------------------------------------------
    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int:
        found = self.find_account(user_id, environment, kind)
        if found is not None:
            return found
        with self._sessions.begin() as s:
            values = {
                "user_id": user_id,
                "environment": environment.value,
                "kind": kind.value,
                "created_ms": now_ms,
            }
            statement = dialect_insert(s, ACCOUNTS).values(**values)
            s.execute(statement.on_conflict_do_nothing(index_elements=["user_id", "environment", "kind"]))
        created = self.find_account(user_id, environment, kind)
        assert created is not None
        return created

    def find_account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None:
        with self._sessions() as s:
            found: int | None = s.scalar(
                select(ACCOUNTS.c.id).where(
                    ACCOUNTS.c.user_id == user_id,
                    ACCOUNTS.c.environment == environment.value,
                    ACCOUNTS.c.kind == kind.value,
                )
            )
        return found

    def fee_account(self, environment: Environment) -> int:
        """The environment's fee account (the migration creates it; re-created after a wipe)."""
        return self.system_account(environment, LedgerAccountKind.FEE)

    def system_account(self, environment: Environment, kind: LedgerAccountKind) -> int:
        """The environment's own account of `kind` (fee, swap clearing, insurance fund): the oldest
        one, created on first use (only the lease holder creates them, so no race creates two)."""
        oldest = select(func.min(ACCOUNTS.c.id)).where(
            ACCOUNTS.c.user_id.is_(None),
            ACCOUNTS.c.environment == environment.value,
            ACCOUNTS.c.kind == kind.value,
        )
        with self._sessions.begin() as s:
            found: int | None = s.scalar(oldest)
            if found is None:
                row = {"environment": environment.value, "kind": kind.value, "created_ms": 0}
                s.execute(ACCOUNTS.insert().values(user_id=None, **row))
                found = s.scalar(oldest)
        assert found is not None
        return found

    def accounts(self, ids: Collection[int]) -> list[LedgerAccount]:
        with self._sessions() as s:
            rows = s.execute(select(ACCOUNTS).where(ACCOUNTS.c.id.in_(list(ids)))).all()
        return [
            LedgerAccount(r.id, r.user_id, Environment(r.environment), LedgerAccountKind(r.kind))
            for r in rows
        ]

    # --- the writer ------------------------------------------------------------------------------
    def load_state(self, environment: Environment) -> StoredState:
        with self._sessions() as s:
            pending = s.execute(
                select(ORDERS).where(ORDERS.c.environment == environment.value, ORDERS.c.state.in_(_PENDING))
            ).all()
            balances = s.execute(
                select(BALANCES)
                .join(ACCOUNTS, ACCOUNTS.c.id == BALANCES.c.account_id)
                .where(ACCOUNTS.c.environment == environment.value)
            ).all()
            tiers = s.execute(
                select(FEE_TIERS)
                .join(ACCOUNTS, ACCOUNTS.c.id == FEE_TIERS.c.account_id)
                .where(ACCOUNTS.c.environment == environment.value)
            ).all()
            algos = s.execute(
                select(ALGOS).where(ALGOS.c.environment == environment.value, ALGOS.c.state == _LIVE_ALGO)
            ).all()
        orders = [order_record(r) for r in pending]
        last_seqs: dict[str, int] = {}
        for o in orders:
            last_seqs[o.inst_id] = max(last_seqs.get(o.inst_id, 0), o.seq)
        fee_tiers = {r.account_id: FeeTier(r.maker, r.taker, r.level) for r in tiers}
        settings, leverages = self.all_settings(environment)
        return StoredState(
            orders,
            [balance_record(r) for r in balances],
            last_seqs,
            fee_tiers,
            [algo_record(r) for r in algos],
            self.live_positions(environment),
            settings,
            leverages,
        )

    def id_maxima(self) -> IdMaxima:
        with self._sessions() as s:
            ord_id = s.scalar(select(func.max(ORDERS.c.ord_id)))
            trade_id = s.scalar(select(func.max(TRADES.c.trade_id)))
            bill_id = s.scalar(select(func.max(POSTINGS.c.bill_id)))
            deposit_id = s.scalar(
                select(func.max(POSTINGS.c.ref)).where(POSTINGS.c.reason == PostingReason.DEPOSIT.value)
            )
            algo_id = s.scalar(select(func.max(ALGOS.c.algo_id)))
            pos_id = s.scalar(select(func.max(POSITIONS.c.pos_id)))
        return IdMaxima(ord_id or 0, trade_id or 0, bill_id or 0, deposit_id or 0, algo_id or 0, pos_id or 0)

    def funding_settled(self) -> dict[str, FundingRateRecord]:
        return last_funding_settled(self._sessions)

    def write(self, changes: ChangeSet, lease_owner: str, now_ms: int | None) -> None:
        conn = self._commit_connection()
        try:
            with conn.begin():
                cursor = conn.connection.cursor()  # DB-API: no per-statement SQLAlchemy overhead
                cursor.execute(*_lease_proof(conn.dialect.name, lease_owner, now_ms))
                if cursor.rowcount != 1:
                    raise LeaseLostError(f"{lease_owner} no longer holds the sequencer lease")
                self._bulk(conn).write(cursor, changes)
                if (
                    changes.funding
                    or changes.inbox
                    or changes.fee_tiers
                    or changes.convert_trades
                    or (changes.funding_rates or changes.liquidations)
                ):  # rare
                    with Session(bind=conn) as s:
                        self._write_side_rows(s, changes)
        except Exception:
            self._close_commit_connection()  # a broken connection is never reused
            raise

    def _commit_connection(self) -> Connection:
        """The group commit's own connection, held between commits (by the sequencer's one thread):
        taking one from the pool and a Session per commit cost more than writing a batch's rows."""
        conn = self._commit_conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._commit_conn = self._engine.connect()
            if conn.dialect.name == "sqlite":
                # No checkpoint inside a group commit (copying the WAL into the database and syncing
                # it took 30-80 ms, a stall for every order waiting): `checkpoint` does it aside.
                conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            else:
                for statement in WRITER_SESSION:
                    conn.exec_driver_sql(statement)
            conn.commit()
        return conn

    def _close_commit_connection(self) -> None:
        conn, self._commit_conn = self._commit_conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()  # not back to the pool: its settings are the group commit's own
                conn.close()

    def checkpoint(self, *, truncate: bool = False) -> tuple[int, int] | None:
        """Copy committed WAL frames into the SQLite database; (frames in the WAL, frames
        checkpointed), or None on PostgreSQL, which needs nothing of the kind.

        By default beside the writer (PASSIVE: it never waits for or blocks the group commit). Under
        continuous commits that never lets the log start over (a new commit always lands before the
        checkpoint catches up), so the WAL file grew by the whole load (346 MB in 2 minutes, 10 GB
        in a bulk build). `truncate=True` catches up: run on the writer's thread between two commits
        (`Sequencer.exclusive`), through the group commit's connection, it copies what the last
        PASSIVE left and empties the file (TRUNCATE) without waiting for anyone (busy timeout 0: a
        reader still on the log makes it a PASSIVE one that leaves the file as it is; try again)."""
        if self._engine.dialect.name != "sqlite":
            return None
        if not truncate:
            with self._engine.connect() as conn:
                row = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            return int(row[1]), int(row[2])
        conn = self._commit_connection()
        try:
            conn.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                busy, log, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                conn.commit()
        except Exception:
            self._close_commit_connection()
            raise
        return (int(log), int(done)) if busy else (0, 0)  # not busy: the file is empty

    @property
    def _engine(self) -> Engine:
        engine: Engine = self._sessions.kw["bind"]
        return engine

    def _bulk(self, conn: Connection) -> BulkWriter:
        writer = self._writer
        if writer is None:
            writer = self._writer = BulkWriter(conn.dialect.name)
        return writer

    def _write_side_rows(self, s: Session, changes: ChangeSet) -> None:
        if changes.funding:  # transfers, withdrawals, deposits: committed with their postings
            write_funding_rows(s, changes.funding)
        for record in changes.fee_tiers:
            self._write_fee_tier(s, record)
        if changes.convert_trades:  # committed with their postings: acknowledged means in history
            write_convert_rows(s, changes.convert_trades)
        if changes.funding_rates:  # with the settlement's postings: a funding time settles once
            write_funding_rate_rows(s, changes.funding_rates)
        if changes.liquidations:
            write_liquidation_rows(s, changes.liquidations)
        for outcome in changes.inbox:
            s.execute(
                update(INBOX)
                .where(INBOX.c.id == outcome.id, INBOX.c.state == "pending")
                .values(state=outcome.state, result=outcome.result, done_ms=outcome.done_ms)
            )

    def _write_fee_tier(self, s: Session, record: FeeTierRecord) -> None:
        tier = record.tier
        if tier is None:
            s.execute(delete(FEE_TIERS).where(FEE_TIERS.c.account_id == record.account_id))
            return
        values = {
            "account_id": record.account_id,
            "level": tier.level,
            "maker": tier.maker,
            "taker": tier.taker,
            "updated_ms": record.updated_ms,
        }
        upsert(s, FEE_TIERS, ("account_id",), values)

    # --- the lease -------------------------------------------------------------------------------
    def acquire_lease(self, owner: str, now_ms: int | None, stale_ms: int) -> bool:
        now = self._now(now_ms)
        free = or_(LEASES.c.owner == owner, LEASES.c.owner == "", LEASES.c.heartbeat_ms < now - stale_ms)
        taken = self._lease_update(
            update(LEASES)
            .where(LEASES.c.name == LEASE, free)
            .values(
                owner=owner,
                heartbeat_ms=now,
                epoch=case((LEASES.c.owner == owner, LEASES.c.epoch), else_=LEASES.c.epoch + 1),
            )
        )
        return taken == 1

    def take_over(self, owner: str, holder: str, stale_ms: int) -> bool:
        now = self._now(None)
        taken = self._lease_update(
            update(LEASES)
            .where(LEASES.c.name == LEASE, LEASES.c.owner == holder, LEASES.c.heartbeat_ms <= now - stale_ms)
            .values(owner=owner, heartbeat_ms=now, epoch=LEASES.c.epoch + 1)
        )
        return taken == 1

    def fence(self, holder: str) -> int:
        if self._engine.dialect.name != "postgresql" or not holder:
            return 0  # SQLite: one host's processes, and a dead one holds no lock
        with self._engine.begin() as conn:
            ended = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :holder AND pid <> pg_backend_pid()"
                ),
                {"holder": holder},
            ).all()
        return len(ended)

    def lease_state(self) -> LeaseState:
        now = self._now(None)
        with self._sessions() as s:
            row = s.execute(
                select(LEASES.c.owner, LEASES.c.heartbeat_ms, LEASES.c.epoch, now.label("now")).where(
                    LEASES.c.name == LEASE
                )
            ).first()
        if row is None:
            return LeaseState("", 0, 0, 0)
        beat = int(row.heartbeat_ms)
        return LeaseState(str(row.owner), beat, int(row.now) - beat, int(row.epoch))

    def heartbeat(self, owner: str, now_ms: int | None) -> bool:
        beat = self._lease_update(
            update(LEASES)
            .where(LEASES.c.name == LEASE, LEASES.c.owner == owner)
            .values(heartbeat_ms=self._now(now_ms))
        )
        if beat is None:  # someone holds the row (a standby taking over?): the next look tells
            raise TimeoutError(f"the lease row stayed locked: {owner} could not refresh its lease")
        return beat == 1

    def commit_seq(self) -> int:
        with self._sessions() as s:
            seq = s.scalar(select(LEASES.c.commit_seq).where(LEASES.c.name == LEASE))
        return int(seq or 0)

    def bump_commit_seq(self, owner: str) -> int:
        with self._sessions.begin() as s:
            s.execute(
                update(LEASES)
                .where(LEASES.c.name == LEASE, LEASES.c.owner == owner)
                .values(commit_seq=LEASES.c.commit_seq + 1)
            )
            seq = s.scalar(select(LEASES.c.commit_seq).where(LEASES.c.name == LEASE, LEASES.c.owner == owner))
        if seq is None:
            raise LeaseLostError(f"{owner} no longer holds the sequencer lease")
        return int(seq)

    def release_lease(self, owner: str) -> None:
        self._close_commit_connection()  # the writer is done: its held connection goes back
        with self._sessions.begin() as s:
            s.execute(
                update(LEASES)
                .where(and_(LEASES.c.name == LEASE, LEASES.c.owner == owner))
                .values(owner="", heartbeat_ms=0)
            )

    def lease_holder(self) -> tuple[str, int]:
        state = self.lease_state()
        return state.owner, state.heartbeat_ms

    def _lease_update(self, statement: Update) -> int | None:
        """Rows a lease statement changed, waiting for the row lock only briefly: None (nothing
        done) when the lock stayed taken, e.g. by a holder frozen inside its commit."""
        try:
            with self._sessions.begin() as s:
                if self._engine.dialect.name == "postgresql":
                    s.execute(text(f"SET LOCAL lock_timeout = '{LEASE_LOCK_TIMEOUT}'"))
                changed: int = s.execute(statement).rowcount  # type: ignore[attr-defined]
                return changed
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            return None

    def _now(self, now_ms: int | None) -> ColumnElement[int]:
        """`now_ms`, or the database's clock (PostgreSQL; this host's on SQLite) when None."""
        if now_ms is not None:
            return literal(now_ms, BigInteger)
        if self._engine.dialect.name == "postgresql":
            return cast(func.extract("epoch", func.clock_timestamp()) * 1000, BigInteger)
        return literal(time.time_ns() // 1_000_000, BigInteger)

    # --- the inbox -------------------------------------------------------------------------------
    def add_inbox(self, kind: str, payload: str, now_ms: int) -> int:
        with self._sessions.begin() as s:
            row = InboxRow(kind=kind, payload=payload, state="pending", result="", created_ms=now_ms)
            s.add(row)
            s.flush()
            return row.id

    def pending_inbox(self, limit: int, kinds: Collection[str] | None = None) -> list[InboxItem]:
        query = select(INBOX.c.id, INBOX.c.kind, INBOX.c.payload, INBOX.c.created_ms).where(
            INBOX.c.state == "pending"
        )
        if kinds is not None:
            query = query.where(INBOX.c.kind.in_(list(kinds)))
        with self._sessions() as s:
            rows = s.execute(query.order_by(INBOX.c.id).limit(limit)).all()
        return [InboxItem(r.id, r.kind, r.payload, r.created_ms) for r in rows]

    def inbox_outcome(self, item_id: int) -> InboxOutcome | None:
        with self._sessions() as s:
            row = s.execute(select(INBOX).where(INBOX.c.id == item_id)).first()
        if row is None or row.state == "pending":
            return None
        return InboxOutcome(row.id, row.state, row.result, row.done_ms or 0)
