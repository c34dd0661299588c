"""Reads of committed exchange state (orders, fills, bills, balances) and the row <-> record mapping.

Lists are newest first. Cursors follow OKX: `after` pages to older rows (id < after), `before` to
newer ones (id > before): those nearest the cursor, still returned newest first.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, not_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import PosSide
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import PENDING_STATES, CancelCause, OrdState, OrdType, Side, StpMode, TgtCcy
from sandex.domain.trading.algos import AlgoOrdType, AlgoState, TriggerSide
from sandex.services.exchange.records import (
    AlgoRecord,
    BalanceRecord,
    ExecType,
    FillRecord,
    OrderRecord,
    PostingRecord,
)
from sandex.services.exchange.store import AlgoQuery, BillQuery, FillQuery, OrderQuery
from sandex.storage.orm.trading import AlgoOrderRow, FillRow, LedgerBalanceRow, OrderRow, PostingRow, TradeRow


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


_ORDERS, _FILLS, _POSTINGS, _BALANCES = (
    _table(OrderRow),
    _table(FillRow),
    _table(PostingRow),
    _table(LedgerBalanceRow),
)
_ALGOS, _TRADES = _table(AlgoOrderRow), _table(TradeRow)
SWAP_SUFFIX = "-SWAP"
_PENDING = [s.value for s in PENDING_STATES]
_FINISHED = [OrdState.FILLED.value, OrdState.CANCELED.value]
_NOT_BILLS = [PostingReason.FREEZE.value, PostingReason.UNFREEZE.value]


class ExchangeReads:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def order(self, account_id: int, inst_id: str, ord_id: int | None, cl_ord_id: str) -> OrderRecord | None:
        o = _ORDERS.c
        where = [o.account_id == account_id, o.inst_id == inst_id]
        where.append(o.ord_id == ord_id if ord_id is not None else o.cl_ord_id == cl_ord_id)
        with self._sessions() as s:
            row = s.execute(select(_ORDERS).where(*where).order_by(o.ord_id.desc()).limit(1)).first()
        return None if row is None else order_record(row)

    def orders(self, account_id: int, query: OrderQuery) -> list[OrderRecord]:
        o = _ORDERS.c
        states = _PENDING if query.pending else _FINISHED
        if query.states is not None:
            states = [s.value for s in query.states if s.value in states]
        where: list[ColumnElement[bool]] = [o.account_id == account_id, o.state.in_(states)]
        if query.inst_id:
            where.append(o.inst_id == query.inst_id)
        if query.ord_type is not None:
            where.append(o.ord_type == query.ord_type.value)
        where.extend(_window(o.c_time, query.since, query.begin, query.end))
        if query.drop_unfilled_canceled_before is not None:
            where.append(
                not_(
                    and_(
                        o.state == OrdState.CANCELED.value,
                        o.last_trade_id.is_(None),
                        o.u_time < query.drop_unfilled_canceled_before,
                    )
                )
            )
        rows = self._page(select(_ORDERS).where(*where), o.ord_id, query.after, query.before, query.limit)
        return [order_record(r) for r in rows]

    def fills(self, account_id: int, query: FillQuery) -> list[FillRecord]:
        f = _FILLS.c
        where: list[ColumnElement[bool]] = [f.account_id == account_id]
        if query.inst_id:
            where.append(f.inst_id == query.inst_id)
        if query.ord_id is not None:
            where.append(f.ord_id == query.ord_id)
        where.extend(_window(f.ts, query.since, query.begin, query.end))
        rows = self._page(select(_FILLS).where(*where), f.bill_id, query.after, query.before, query.limit)
        return [fill_record(r) for r in rows]

    def bills(self, account_id: int, query: BillQuery) -> list[PostingRecord]:
        p = _POSTINGS.c
        where: list[ColumnElement[bool]] = [p.account_id == account_id]
        if query.reasons is not None:
            where.append(p.reason.in_([r.value for r in query.reasons if r.value not in _NOT_BILLS]))
        else:
            where.append(p.reason.not_in(_NOT_BILLS))
        if query.ccy:
            where.append(p.ccy == query.ccy)
        where.extend(_window(p.ts, query.since, query.begin, query.end))
        rows = self._page(select(_POSTINGS).where(*where), p.bill_id, query.after, query.before, query.limit)
        return [posting_record(r) for r in rows]

    def algo(self, account_id: int, algo_id: int | None, algo_cl_ord_id: str) -> AlgoRecord | None:
        """An algo order of the account by id (wins), else the newest with that client id."""
        a = _ALGOS.c
        where = [a.account_id == account_id, a.waiting.is_(False)]
        where.append(a.algo_id == algo_id if algo_id is not None else a.algo_cl_ord_id == algo_cl_ord_id)
        with self._sessions() as s:
            row = s.execute(select(_ALGOS).where(*where).order_by(a.algo_id.desc()).limit(1)).first()
        return None if row is None else algo_record(row)

    def algos(self, account_id: int, query: AlgoQuery) -> list[AlgoRecord]:
        a = _ALGOS.c
        where: list[ColumnElement[bool]] = [
            a.account_id == account_id,
            a.waiting.is_(False),
            a.state.in_([s.value for s in query.states]),
            a.ord_type.in_([t.value for t in query.ord_types]),
        ]
        if query.inst_id:
            where.append(a.inst_id == query.inst_id)
        if query.inst_type is not None:  # catalogue ids: a swap's ends in -SWAP, a spot pair's never
            swap = a.inst_id.like(f"%{SWAP_SUFFIX}")
            where.append(swap if query.inst_type == "SWAP" else not_(swap))
        if query.algo_id is not None:
            where.append(a.algo_id == query.algo_id)
        if query.algo_cl_ord_id:
            where.append(a.algo_cl_ord_id == query.algo_cl_ord_id)
        if query.since is not None:
            where.append(a.c_time >= query.since)
        rows = self._page(select(_ALGOS).where(*where), a.algo_id, query.after, query.before, query.limit)
        return [algo_record(r) for r in rows]

    def attached_algos(self, account_id: int, ord_ids: Collection[int]) -> list[AlgoRecord]:
        a = _ALGOS.c
        if not ord_ids:
            return []
        stmt = select(_ALGOS).where(a.account_id == account_id, a.parent_ord_id.in_(list(ord_ids)))
        with self._sessions() as s:
            rows = s.execute(stmt.order_by(a.algo_id)).all()
        return [algo_record(r) for r in rows]

    def last_prices(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, Decimal]:
        t = _TRADES.c
        out: dict[str, Decimal] = {}
        with self._sessions() as s:
            for inst_id in inst_ids:  # the newest trade of each: one index probe apiece
                px = s.scalar(
                    select(t.px)
                    .where(t.environment == environment.value, t.inst_id == inst_id)
                    .order_by(t.trade_id.desc())
                    .limit(1)
                )
                if px is not None:
                    out[inst_id] = px
        return out

    def balances(self, account_id: int) -> list[BalanceRecord]:
        with self._sessions() as s:
            rows = s.execute(select(_BALANCES).where(_BALANCES.c.account_id == account_id)).all()
        return [balance_record(r) for r in rows]

    def _page(
        self, stmt: Select[Any], key: Any, after: int | None, before: int | None, limit: int
    ) -> list[Row[Any]]:
        if after is not None:
            stmt = stmt.where(key < after)
        if before is not None:
            stmt = stmt.where(key > before)
        nearest_newer = before is not None and after is None
        stmt = stmt.order_by(key.asc() if nearest_newer else key.desc()).limit(limit)
        with self._sessions() as s:
            rows = list(s.execute(stmt).all())
        return rows[::-1] if nearest_newer else rows


def _window(column: Any, since: int | None, begin: int | None, end: int | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for bound in (since, begin):
        if bound is not None:
            out.append(column >= bound)
    if end is not None:
        out.append(column <= end)
    return out


# --- mapping -------------------------------------------------------------------------------------
def order_record(r: Any) -> OrderRecord:
    return OrderRecord(
        ord_id=r.ord_id,
        environment=Environment(r.environment),
        account_id=r.account_id,
        inst_id=r.inst_id,
        side=Side(r.side),
        ord_type=OrdType(r.ord_type),
        tgt_ccy=TgtCcy(r.tgt_ccy),
        td_mode=r.td_mode,
        px=r.px,
        sz=r.sz,
        acc_fill_sz=r.acc_fill_sz,
        fill_notional=r.fill_notional,
        fee=r.fee,
        fee_ccy=r.fee_ccy,
        state=OrdState(r.state),
        stp_mode=StpMode(r.stp_mode),
        cancel_cause=None if r.cancel_cause is None else CancelCause(r.cancel_cause),
        cl_ord_id=r.cl_ord_id,
        tag=r.tag,
        c_time=r.c_time,
        u_time=r.u_time,
        seq=r.seq,
        last_trade_id=r.last_trade_id,
        last_fill_px=r.last_fill_px,
        last_fill_sz=r.last_fill_sz,
        last_fill_time=r.last_fill_time,
        algo_id=r.algo_id,
        algo_cl_ord_id=r.algo_cl_ord_id,
        source=r.source,
        pos_side=None if r.pos_side is None else PosSide(r.pos_side),
        reduce_only=bool(r.reduce_only),
        lever=r.lever,
        pnl=r.pnl,
        category=r.category,
        reserve_rate=r.reserve_rate,
    )


def algo_record(r: Any) -> AlgoRecord:
    return AlgoRecord(
        algo_id=r.algo_id,
        environment=Environment(r.environment),
        account_id=r.account_id,
        inst_id=r.inst_id,
        ord_type=AlgoOrdType(r.ord_type),
        side=Side(r.side),
        sz=r.sz,
        tgt_ccy=None if r.tgt_ccy is None else TgtCcy(r.tgt_ccy),
        td_mode=r.td_mode,
        state=AlgoState(r.state),
        algo_cl_ord_id=r.algo_cl_ord_id,
        tag=r.tag,
        reduce_only=bool(r.reduce_only),
        c_time=r.c_time,
        u_time=r.u_time,
        tp_trigger_px=r.tp_trigger_px,
        tp_ord_px=r.tp_ord_px,
        sl_trigger_px=r.sl_trigger_px,
        sl_ord_px=r.sl_ord_px,
        trigger_px=r.trigger_px,
        ord_px=r.ord_px,
        callback_ratio=r.callback_ratio,
        callback_spread=r.callback_spread,
        active_px=r.active_px,
        activated=bool(r.activated),
        extreme_px=r.extreme_px,
        move_trigger_px=r.move_trigger_px,
        last_px=r.last_px,
        ord_id=r.ord_id,
        actual_sz=r.actual_sz,
        actual_px=r.actual_px,
        actual_side=None if r.actual_side is None else TriggerSide(r.actual_side),
        trigger_time=r.trigger_time,
        fail_code=r.fail_code,
        parent_ord_id=r.parent_ord_id,
        attach_algo_cl_ord_id=r.attach_algo_cl_ord_id,
        waiting=bool(r.waiting),
        pos_side=None if r.pos_side is None else PosSide(r.pos_side),
        close_fraction=bool(r.close_fraction),
        cxl_on_close_pos=bool(r.cxl_on_close_pos),
        tp_trigger_px_type=r.tp_trigger_px_type,
        sl_trigger_px_type=r.sl_trigger_px_type,
        trigger_px_type=r.trigger_px_type,
        placed_px=r.placed_px,
        tp_ord_kind=r.tp_ord_kind,
        linked_ord_id=r.linked_ord_id,
    )


def fill_record(r: Any) -> FillRecord:
    return FillRecord(
        r.bill_id,
        r.trade_id,
        Environment(r.environment),
        r.ord_id,
        r.account_id,
        r.inst_id,
        Side(r.side),
        r.px,
        r.sz,
        ExecType(r.exec_type),
        r.fee,
        r.fee_ccy,
        r.fee_rate,
        r.cl_ord_id,
        r.tag,
        r.ts,
        None if r.pos_side is None else PosSide(r.pos_side),
        r.fill_pnl,
        r.fill_mark_px,
    )


def posting_record(r: Any) -> PostingRecord:
    return PostingRecord(
        r.bill_id,
        r.account_id,
        r.ccy,
        r.delta_available,
        r.delta_frozen,
        r.available_after,
        r.frozen_after,
        PostingReason(r.reason),
        r.ref,
        r.ord_id,
        r.inst_id,
        r.ts,
        r.sub_type,
        r.pnl,
        r.pos_bal_chg,
        r.sz,
        r.px,
        r.mgn_mode,
    )


def balance_record(r: Any) -> BalanceRecord:
    return BalanceRecord(r.account_id, r.ccy, r.available, r.frozen, r.updated_ms)
