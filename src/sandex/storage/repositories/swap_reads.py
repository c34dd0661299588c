"""Reads of committed swap state: positions (live and history), account settings, leverages,
open interest; and the row -> record mapping (mixed into `SqlExchangeStore`)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.derivatives.positions import CLOSED, LIVE
from sandex.services.exchange.store import PositionQuery
from sandex.services.exchange.swap_records import AccountSettingsRecord, LeverageRecord, PositionRecord
from sandex.storage.orm.swaps import AccountSettingsRow, LeverageRow, PositionRow


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


POSITIONS, SETTINGS, LEVERAGES = _table(PositionRow), _table(AccountSettingsRow), _table(LeverageRow)


class SwapReads:
    _sessions: sessionmaker[Session]

    def positions(
        self, account_id: int, inst_ids: Collection[str] | None = None, pos_ids: Collection[int] | None = None
    ) -> list[PositionRecord]:
        """The account's live positions (filtered by instruments / position ids), oldest first."""
        p = POSITIONS.c
        where: list[ColumnElement[bool]] = [p.account_id == account_id, p.state == LIVE]
        if inst_ids is not None:
            where.append(p.inst_id.in_(list(inst_ids)))
        if pos_ids is not None:
            where.append(p.pos_id.in_(list(pos_ids)))
        with self._sessions() as s:
            rows = s.execute(select(POSITIONS).where(*where).order_by(p.pos_id)).all()
        return [position_record(r) for r in rows]

    def positions_history(self, account_id: int, query: PositionQuery) -> list[PositionRecord]:
        """Closed positions and partly closed live ones, newest change first (u_time cursors)."""
        p = POSITIONS.c
        where: list[ColumnElement[bool]] = [p.account_id == account_id, p.close_type.is_not(None)]
        if query.inst_id:
            where.append(p.inst_id == query.inst_id)
        if query.mgn_mode is not None:
            where.append(p.mgn_mode == query.mgn_mode.value)
        if query.close_type is not None:
            where.append(p.close_type == query.close_type)
        if query.pos_id is not None:
            where.append(p.pos_id == query.pos_id)
        if query.after is not None:
            where.append(p.u_time < query.after)
        if query.before is not None:
            where.append(p.u_time > query.before)
        if query.since is not None:
            where.append(p.u_time >= query.since)
        statement = (
            select(POSITIONS).where(*where).order_by(p.u_time.desc(), p.pos_id.desc()).limit(query.limit)
        )
        with self._sessions() as s:
            rows = s.execute(statement).all()
        return [position_record(r) for r in rows]

    def account_settings(self, environment: Environment, account_id: int) -> AccountSettingsRecord:
        """The account's level and position mode (Spot mode, net, when never set)."""
        with self._sessions() as s:
            row = s.execute(select(SETTINGS).where(SETTINGS.c.account_id == account_id)).first()
        if row is None:
            return AccountSettingsRecord(environment, account_id, AcctLv.SPOT, PosMode.NET, 0)
        return settings_record(row)

    def leverages(
        self, account_id: int, inst_ids: Collection[str], mgn_mode: MgnMode | None = None
    ) -> list[LeverageRecord]:
        """The leverage rows set for these instruments (those never set are not stored: the
        default is min(10, the instrument's max))."""
        lv = LEVERAGES.c
        where: list[ColumnElement[bool]] = [lv.account_id == account_id, lv.inst_id.in_(list(inst_ids))]
        if mgn_mode is not None:
            where.append(lv.mgn_mode == mgn_mode.value)
        with self._sessions() as s:
            rows = s.execute(select(LEVERAGES).where(*where)).all()
        return [leverage_record(r) for r in rows]

    def open_interest(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, Decimal]:
        """Contracts open per instrument: the long side of every live position (= the short side)."""
        p = POSITIONS.c
        where = [p.environment == environment.value, p.state == LIVE, p.inst_id.in_(list(inst_ids))]
        with self._sessions() as s:
            rows = s.execute(select(p.inst_id, p.pos_side, p.pos).where(*where)).all()
        out = {inst_id: Decimal(0) for inst_id in inst_ids}
        for inst_id, pos_side, pos in rows:
            if pos_side == PosSide.LONG.value or (pos_side == PosSide.NET.value and pos > 0):
                out[inst_id] += abs(pos)
        return out

    def live_positions(self, environment: Environment) -> list[PositionRecord]:
        """Every live position of an environment (the sequencer's rebuild)."""
        p = POSITIONS.c
        with self._sessions() as s:
            rows = s.execute(
                select(POSITIONS).where(p.environment == environment.value, p.state == LIVE)
            ).all()
        return [position_record(r) for r in rows]

    def all_settings(
        self, environment: Environment
    ) -> tuple[list[AccountSettingsRecord], list[LeverageRecord]]:
        with self._sessions() as s:
            settings = s.execute(select(SETTINGS).where(SETTINGS.c.environment == environment.value)).all()
            levers = s.execute(select(LEVERAGES).where(LEVERAGES.c.environment == environment.value)).all()
        return [settings_record(r) for r in settings], [leverage_record(r) for r in levers]


def position_record(r: Any) -> PositionRecord:
    return PositionRecord(
        environment=Environment(r.environment),
        account_id=r.account_id,
        pos_id=r.pos_id,
        inst_id=r.inst_id,
        mgn_mode=MgnMode(r.mgn_mode),
        pos_side=PosSide(r.pos_side),
        pos=r.pos,
        avg_px=r.avg_px,
        margin=r.margin,
        lever=r.lever,
        realized_pnl=r.realized_pnl,
        pnl=r.pnl,
        fee=r.fee,
        funding_fee=r.funding_fee,
        liq_penalty=r.liq_penalty,
        c_time=r.c_time,
        u_time=r.u_time,
        trade_id=r.trade_id,
        open_max_pos=r.open_max_pos,
        close_total_pos=r.close_total_pos,
        close_avg_px=r.close_avg_px,
        state=CLOSED if r.state == CLOSED else LIVE,
        close_type=r.close_type,
        trigger_px=r.trigger_px,
        cost=r.cost,
        close_cost=r.close_cost,
    )


def settings_record(r: Any) -> AccountSettingsRecord:
    return AccountSettingsRecord(
        Environment(r.environment), r.account_id, AcctLv(r.acct_lv), PosMode(r.pos_mode), r.u_time
    )


def leverage_record(r: Any) -> LeverageRecord:
    return LeverageRecord(
        Environment(r.environment), r.account_id, r.inst_id, MgnMode(r.mgn_mode), PosSide(r.pos_side), r.lever
    )
