"""The group commit's rows, written with one `executemany` per table.

This is the hottest write path of sandex (several rows per order, thousands of orders per
second), so it bypasses SQLAlchemy's per-row parameter processing: the SQL text is built once per
backend from the column lists below, and each record becomes a plain tuple here, converted exactly
as the column types (`BigUnits`, `DecimalText`) would: ledger units as text on SQLite and as
integers on PostgreSQL (stored NUMERIC), decimals in plain notation. The upserts use
`INSERT ... ON CONFLICT ... DO UPDATE`, which SQLite and PostgreSQL spell alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sandex.services.exchange.records import (
    AlgoRecord,
    BalanceRecord,
    ChangeSet,
    FillRecord,
    OrderRecord,
    PostingRecord,
    TradeRecord,
)
from sandex.services.exchange.swap_records import AccountSettingsRecord, LeverageRecord, PositionRecord
from sandex.storage.repositories._sql import insert_text

ORDER_COLUMNS = (
    "ord_id",
    "environment",
    "account_id",
    "inst_id",
    "side",
    "ord_type",
    "tgt_ccy",
    "td_mode",
    "px",
    "sz",
    "acc_fill_sz",
    "fill_notional",
    "fee",
    "fee_ccy",
    "state",
    "stp_mode",
    "cancel_cause",
    "cl_ord_id",
    "tag",
    "c_time",
    "u_time",
    "seq",
    "last_trade_id",
    "last_fill_px",
    "last_fill_sz",
    "last_fill_time",
    "algo_id",
    "algo_cl_ord_id",
    "source",
    "pos_side",
    "reduce_only",
    "lever",
    "pnl",
    "category",
    "reserve_rate",
)
ALGO_COLUMNS = (
    "algo_id",
    "environment",
    "account_id",
    "inst_id",
    "ord_type",
    "side",
    "sz",
    "tgt_ccy",
    "td_mode",
    "state",
    "algo_cl_ord_id",
    "tag",
    "reduce_only",
    "c_time",
    "u_time",
    "tp_trigger_px",
    "tp_ord_px",
    "sl_trigger_px",
    "sl_ord_px",
    "trigger_px",
    "ord_px",
    "callback_ratio",
    "callback_spread",
    "active_px",
    "activated",
    "extreme_px",
    "move_trigger_px",
    "last_px",
    "ord_id",
    "actual_sz",
    "actual_px",
    "actual_side",
    "trigger_time",
    "fail_code",
    "parent_ord_id",
    "attach_algo_cl_ord_id",
    "waiting",
    "pos_side",
    "close_fraction",
    "cxl_on_close_pos",
    "tp_trigger_px_type",
    "sl_trigger_px_type",
    "trigger_px_type",
    "placed_px",
    "tp_ord_kind",
    "linked_ord_id",
)
FILL_COLUMNS = (
    "trade_id",
    "ord_id",
    "bill_id",
    "environment",
    "account_id",
    "inst_id",
    "side",
    "px",
    "sz",
    "exec_type",
    "fee",
    "fee_ccy",
    "fee_rate",
    "cl_ord_id",
    "tag",
    "ts",
    "pos_side",
    "fill_pnl",
    "fill_mark_px",
)
TRADE_COLUMNS = ("trade_id", "environment", "inst_id", "px", "sz", "taker_side", "ts")
POSTING_COLUMNS = (
    "bill_id",
    "account_id",
    "ccy",
    "delta_available",
    "delta_frozen",
    "available_after",
    "frozen_after",
    "reason",
    "ref",
    "ord_id",
    "inst_id",
    "ts",
    "sub_type",
    "pnl",
    "pos_bal_chg",
    "sz",
    "px",
    "mgn_mode",
)
BALANCE_COLUMNS = ("account_id", "ccy", "available", "frozen", "updated_ms")
POSITION_COLUMNS = (
    "pos_id",
    "environment",
    "account_id",
    "inst_id",
    "mgn_mode",
    "pos_side",
    "pos",
    "avg_px",
    "cost",
    "margin",
    "lever",
    "realized_pnl",
    "pnl",
    "fee",
    "funding_fee",
    "liq_penalty",
    "c_time",
    "u_time",
    "trade_id",
    "open_max_pos",
    "close_total_pos",
    "close_cost",
    "close_avg_px",
    "state",
    "close_type",
    "trigger_px",
)
SETTINGS_COLUMNS = ("account_id", "environment", "acct_lv", "pos_mode", "u_time")
LEVERAGE_COLUMNS = ("account_id", "inst_id", "mgn_mode", "pos_side", "environment", "lever")


def _upsert(table: str, columns: Sequence[str], keys: Sequence[str], dialect: str) -> str:
    changes = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    return f"{insert_text(table, columns, dialect)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {changes}"


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


class BulkWriter:
    """Writes a `ChangeSet`'s rows inside the caller's transaction."""

    def __init__(self, dialect: str) -> None:
        self._big: Callable[[int], Any] = str if dialect == "sqlite" else int
        self._orders = _upsert("orders", ORDER_COLUMNS, ("ord_id",), dialect)
        self._fills = insert_text("fills", FILL_COLUMNS, dialect)
        self._trades = insert_text("trades", TRADE_COLUMNS, dialect)
        self._postings = insert_text("postings", POSTING_COLUMNS, dialect)
        self._balances = _upsert("balances", BALANCE_COLUMNS, ("account_id", "ccy"), dialect)
        self._algos = _upsert("algo_orders", ALGO_COLUMNS, ("algo_id",), dialect)
        self._positions = _upsert("positions", POSITION_COLUMNS, ("pos_id",), dialect)
        self._settings = _upsert("account_settings", SETTINGS_COLUMNS, ("account_id",), dialect)
        self._leverages = _upsert(
            "leverages", LEVERAGE_COLUMNS, ("account_id", "inst_id", "mgn_mode", "pos_side"), dialect
        )

    def write(self, cursor: Any, changes: ChangeSet) -> None:
        """Each table's rows with one DB-API `executemany` on `cursor` (inside the caller's transaction)."""
        for sql, rows in (
            (self._orders, [self._order(o) for o in changes.orders]),
            (self._trades, [_trade(t) for t in changes.trades]),
            (self._fills, [self._fill(f) for f in changes.fills]),
            (self._postings, [self._posting(p) for p in changes.postings]),
            (self._balances, [self._balance(b) for b in changes.balances]),
            (self._algos, [_algo(a) for a in changes.algos]),
            (self._positions, [self._position(p) for p in changes.positions]),
            (self._settings, [_settings(r) for r in changes.settings]),
            (self._leverages, [_leverage(r) for r in changes.leverages]),
        ):
            if rows:
                cursor.executemany(sql, rows)

    def _order(self, o: OrderRecord) -> tuple[Any, ...]:
        cause = o.cancel_cause
        return (
            o.ord_id,
            o.environment.value,
            o.account_id,
            o.inst_id,
            o.side.value,
            o.ord_type.value,
            o.tgt_ccy.value,
            o.td_mode,
            _dec(o.px),
            _dec(o.sz),
            _dec(o.acc_fill_sz),
            _dec(o.fill_notional),
            self._big(o.fee),
            o.fee_ccy,
            o.state.value,
            o.stp_mode.value,
            None if cause is None else cause.value,
            o.cl_ord_id,
            o.tag,
            o.c_time,
            o.u_time,
            o.seq,
            o.last_trade_id,
            _dec(o.last_fill_px),
            _dec(o.last_fill_sz),
            o.last_fill_time,
            o.algo_id,
            o.algo_cl_ord_id,
            o.source,
            None if o.pos_side is None else o.pos_side.value,
            o.reduce_only,
            _dec(o.lever),
            self._big(o.pnl),
            o.category,
            _dec(o.reserve_rate),
        )

    def _fill(self, f: FillRecord) -> tuple[Any, ...]:
        return (
            f.trade_id,
            f.ord_id,
            f.bill_id,
            f.environment.value,
            f.account_id,
            f.inst_id,
            f.side.value,
            _dec(f.px),
            _dec(f.sz),
            f.exec_type.value,
            self._big(f.fee),
            f.fee_ccy,
            _dec(f.fee_rate),
            f.cl_ord_id,
            f.tag,
            f.ts,
            None if f.pos_side is None else f.pos_side.value,
            self._big(f.fill_pnl),
            _dec(f.fill_mark_px),
        )

    def _posting(self, p: PostingRecord) -> tuple[Any, ...]:
        big = self._big
        return (
            p.bill_id,
            p.account_id,
            p.ccy,
            big(p.delta_available),
            big(p.delta_frozen),
            big(p.available_after),
            big(p.frozen_after),
            p.reason.value,
            p.ref,
            p.ord_id,
            p.inst_id,
            p.ts,
            p.sub_type,
            None if p.pnl is None else big(p.pnl),
            None if p.pos_bal_chg is None else big(p.pos_bal_chg),
            _dec(p.sz),
            _dec(p.px),
            p.mgn_mode,
        )

    def _balance(self, b: BalanceRecord) -> tuple[Any, ...]:
        return (b.account_id, b.ccy, self._big(b.available), self._big(b.frozen), b.updated_ms)

    def _position(self, p: PositionRecord) -> tuple[Any, ...]:
        big = self._big
        return (
            p.pos_id,
            p.environment.value,
            p.account_id,
            p.inst_id,
            p.mgn_mode.value,
            p.pos_side.value,
            _dec(p.pos),
            _dec(p.avg_px),
            big(p.cost),
            big(p.margin),
            _dec(p.lever),
            big(p.realized_pnl),
            big(p.pnl),
            big(p.fee),
            big(p.funding_fee),
            big(p.liq_penalty),
            p.c_time,
            p.u_time,
            p.trade_id,
            _dec(p.open_max_pos),
            _dec(p.close_total_pos),
            big(p.close_cost),
            _dec(p.close_avg_px),
            p.state,
            p.close_type,
            _dec(p.trigger_px),
        )


def _settings(r: AccountSettingsRecord) -> tuple[Any, ...]:
    return (r.account_id, r.environment.value, r.acct_lv.value, r.pos_mode.value, r.u_time)


def _leverage(r: LeverageRecord) -> tuple[Any, ...]:
    return (r.account_id, r.inst_id, r.mgn_mode.value, r.pos_side.value, r.environment.value, _dec(r.lever))


def _trade(t: TradeRecord) -> tuple[Any, ...]:
    return (t.trade_id, t.environment.value, t.inst_id, _dec(t.px), _dec(t.sz), t.taker_side.value, t.ts)


def _algo(a: AlgoRecord) -> tuple[Any, ...]:
    return (
        a.algo_id,
        a.environment.value,
        a.account_id,
        a.inst_id,
        a.ord_type.value,
        a.side.value,
        _dec(a.sz),
        None if a.tgt_ccy is None else a.tgt_ccy.value,
        a.td_mode,
        a.state.value,
        a.algo_cl_ord_id,
        a.tag,
        a.reduce_only,
        a.c_time,
        a.u_time,
        _dec(a.tp_trigger_px),
        _dec(a.tp_ord_px),
        _dec(a.sl_trigger_px),
        _dec(a.sl_ord_px),
        _dec(a.trigger_px),
        _dec(a.ord_px),
        _dec(a.callback_ratio),
        _dec(a.callback_spread),
        _dec(a.active_px),
        a.activated,
        _dec(a.extreme_px),
        _dec(a.move_trigger_px),
        _dec(a.last_px),
        a.ord_id,
        _dec(a.actual_sz),
        _dec(a.actual_px),
        None if a.actual_side is None else a.actual_side.value,
        a.trigger_time,
        a.fail_code,
        a.parent_ord_id,
        a.attach_algo_cl_ord_id,
        a.waiting,
        None if a.pos_side is None else a.pos_side.value,
        a.close_fraction,
        a.cxl_on_close_pos,
        a.tp_trigger_px_type,
        a.sl_trigger_px_type,
        a.trigger_px_type,
        _dec(a.placed_px),
        a.tp_ord_kind,
        a.linked_ord_id,
    )
