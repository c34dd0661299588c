"""Funding reads of committed state (`SqlFundingStore`): histories, transfer state, bills, and what
the sequencer's funding state is rebuilt from. The group commit's writes are in `funding_rows`,
deposit addresses and allow-lists in `funding_addresses`.

History lists are newest first; OKX's `after`/`before` cursors are timestamps here (ts < after,
ts > before), and `before` alone returns the records nearest to it, still newest first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.funding.model import (
    FINAL_WITHDRAWAL_STATES,
    DepositState,
    TransferType,
    WithdrawalState,
)
from sandex.domain.ledger.postings import PostingReason
from sandex.services.exchange.records import (
    DepositRecord,
    FundingBillRecord,
    FundingSnapshot,
    TransferRecord,
    WithdrawalRecord,
)
from sandex.services.exchange.store import FundingBillQuery, HistoryQuery
from sandex.storage.orm.funding import DepositRow, TransferRow, WithdrawalRow
from sandex.storage.orm.trading import PostingRow
from sandex.storage.repositories.funding_rows import deposit_record, transfer_record, withdrawal_record


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


TRANSFERS, WITHDRAWALS, DEPOSITS = _table(TransferRow), _table(WithdrawalRow), _table(DepositRow)
POSTINGS = _table(PostingRow)
_FINAL = [s.value for s in FINAL_WITHDRAWAL_STATES]
_NOT_COUNTED = [WithdrawalState.CANCELED.value, WithdrawalState.FAILED.value]
_BILL_REASONS = [
    r.value
    for r in (PostingReason.DEPOSIT, PostingReason.WITHDRAWAL, PostingReason.TRANSFER, PostingReason.FEE)
]


class SqlFundingStore:
    """Implements `sandex.services.exchange.store.FundingStore`."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def load_funding(self, since_ms: int) -> FundingSnapshot:
        w, d, t = WITHDRAWALS.c, DEPOSITS.c, TRANSFERS.c
        with self._sessions() as s:
            open_wd = s.execute(select(WITHDRAWALS).where(w.state.not_in(_FINAL))).all()
            recent = s.execute(select(WITHDRAWALS).where(w.created_ms >= since_ms)).all()
            open_dep = s.execute(select(DEPOSITS).where(d.state != DepositState.SUCCESS.value)).all()
            transfers = s.execute(select(TRANSFERS).where(t.client_id != "")).all()
            wd_clients = s.execute(select(WITHDRAWALS).where(w.client_id != "")).all()
            maxima = [s.scalar(select(func.max(col))) or 0 for col in (t.trans_id, w.wd_id, d.dep_id)]
        return FundingSnapshot(
            [withdrawal_record(r) for r in open_wd],
            [withdrawal_record(r) for r in recent],
            [deposit_record(r) for r in open_dep],
            [transfer_record(r) for r in transfers],
            [withdrawal_record(r) for r in wd_clients],
            *maxima,
        )

    def transfer(
        self, environment: Environment, user_id: int, trans_id: int | None, client_id: str | None
    ) -> TransferRecord | None:
        t = TRANSFERS.c
        where = [t.environment == environment.value]
        if trans_id is not None:
            where += [
                t.trans_id == trans_id,
                or_(t.user_id == user_id, t.src_user == user_id, t.dst_user == user_id),
            ]
        else:
            where += [t.user_id == user_id, t.client_id == (client_id or "")]
        with self._sessions() as s:
            row = s.execute(select(TRANSFERS).where(*where).order_by(t.trans_id.desc()).limit(1)).first()
        return None if row is None else transfer_record(row)

    def withdrawal(self, environment: Environment, user_id: int, wd_id: int) -> WithdrawalRecord | None:
        w = WITHDRAWALS.c
        with self._sessions() as s:
            row = s.execute(
                select(WITHDRAWALS).where(
                    w.wd_id == wd_id, w.user_id == user_id, w.environment == environment.value
                )
            ).first()
        return None if row is None else withdrawal_record(row)

    def withdrawals(
        self, environment: Environment, user_id: int, query: HistoryQuery
    ) -> list[WithdrawalRecord]:
        w = WITHDRAWALS.c
        where = [
            w.user_id == user_id,
            w.environment == environment.value,
            *_filters(w, query, "wd_id", "dest"),
        ]
        if query.client_id:
            where.append(w.client_id == query.client_id)
        rows = self._page(select(WITHDRAWALS).where(*where), w.created_ms, w.wd_id, query)
        return [withdrawal_record(r) for r in rows]

    def deposits(self, environment: Environment, user_id: int, query: HistoryQuery) -> list[DepositRecord]:
        d = DEPOSITS.c
        where = [
            d.user_id == user_id,
            d.environment == environment.value,
            *_filters(d, query, "dep_id", "dep_type"),
        ]
        if query.from_wd_id is not None:
            where.append(d.from_wd_id == query.from_wd_id)
        rows = self._page(select(DEPOSITS).where(*where), d.created_ms, d.dep_id, query)
        return [deposit_record(r) for r in rows]

    def used_quota_usd(self, environment: Environment, user_id: int, since_ms: int) -> Decimal:
        w = WITHDRAWALS.c
        with self._sessions() as s:
            values = s.scalars(
                select(w.usd_value).where(
                    w.user_id == user_id,
                    w.environment == environment.value,
                    w.created_ms >= since_ms,
                    w.state.not_in(_NOT_COUNTED),
                )
            ).all()
        return sum(values, Decimal(0))  # summed here: exact decimals are text in the database

    def funding_bills(self, account_id: int, query: FundingBillQuery) -> list[FundingBillRecord]:
        p, t, w = POSTINGS.c, TRANSFERS.c, WITHDRAWALS.c
        reasons = _BILL_REASONS if query.reasons is None else [r.value for r in query.reasons]
        transfer = p.reason == PostingReason.TRANSFER.value
        by_withdrawal = p.reason.in_([PostingReason.WITHDRAWAL.value, PostingReason.FEE.value])
        stmt = (
            select(
                p.bill_id,
                p.ccy,
                p.delta_available,
                p.delta_frozen,
                p.available_after,
                p.frozen_after,
                p.reason,
                p.ref,
                p.ts,
                t.type,
                func.coalesce(t.client_id, w.client_id, "").label("client_id"),
            )
            .select_from(POSTINGS)
            .outerjoin(TRANSFERS, transfer & (t.trans_id == p.ref))
            .outerjoin(WITHDRAWALS, by_withdrawal & (w.wd_id == p.ref))
            .where(p.account_id == account_id, p.reason.in_(reasons))
        )
        if query.ccy:
            stmt = stmt.where(p.ccy == query.ccy)
        if query.client_id:
            stmt = stmt.where(func.coalesce(t.client_id, w.client_id, "") == query.client_id)
        if query.since is not None:
            stmt = stmt.where(p.ts >= query.since)
        rows = self._page(
            stmt, p.ts, p.bill_id, HistoryQuery(after=query.after, before=query.before, limit=query.limit)
        )
        return [
            FundingBillRecord(
                r.bill_id,
                r.ccy,
                r.delta_available + r.delta_frozen,
                r.available_after + r.frozen_after,
                PostingReason(r.reason),
                r.ref,
                r.client_id,
                None if r.type is None else TransferType(r.type),
                r.ts,
            )
            for r in rows
        ]

    def _page(self, stmt: Select[Any], ts: Any, key: Any, query: HistoryQuery) -> list[Any]:
        if query.after is not None:
            stmt = stmt.where(ts < query.after)
        if query.before is not None:
            stmt = stmt.where(ts > query.before)
        nearest_newer = query.before is not None and query.after is None
        order = (ts.asc(), key.asc()) if nearest_newer else (ts.desc(), key.desc())
        with self._sessions() as s:
            rows = list(s.execute(stmt.order_by(*order).limit(query.limit)).all())
        return rows[::-1] if nearest_newer else rows


def _filters(c: Any, query: HistoryQuery, id_column: str, type_column: str) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if query.ccy:
        out.append(c.ccy == query.ccy)
    if query.record_id is not None:
        out.append(c[id_column] == query.record_id)
    if query.tx_id:
        out.append(c.tx_id == query.tx_id)
    if query.kind:
        out.append(c[type_column] == query.kind)
    if query.state:
        out.append(c.state == query.state)
    return out
