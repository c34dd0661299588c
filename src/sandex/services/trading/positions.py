"""Positions as users see them: stored rows marked at the current mark/index/last prices.

`PositionReader` turns committed `PositionRecord`s into `PositionView`s (upl, uplRatio, imr, mmr,
mgnRatio, liqPx, bkPx, bePx, notionalUsd: `domain/derivatives/formulas.py`) and a per-currency
`MarginSummary` (the Futures-mode fields of `account/balance`). Reads only: committed rows plus
the simulated market's prices through `MarkSource`; without a mark, the open average price stands
in for it (upl 0).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives import formulas as f
from sandex.domain.derivatives.contracts import ContractSpec, MgnMode, PosSide
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.fees import DEFAULT_TIER
from sandex.services.exchange.algo_positions import CLOSE_ALGOS, close_algos
from sandex.services.exchange.ports import MarkSource
from sandex.services.exchange.records import BalanceRecord, OrderRecord
from sandex.services.exchange.store import ExchangeStore, OrderQuery
from sandex.services.exchange.swap_records import MarginSummary, PositionRecord, PositionView
from sandex.services.exchange.units import amount

ZERO = Decimal(0)
# (environment, account id) -> its taker rate (liquidation fee, break-even): e.g.
# `lambda env, account: core.fee_tier(env, account).taker`
FeeRate = Callable[[Environment, int], Decimal]
LastPrice = Callable[[str], Decimal | None]  # inst id -> last trade price


@dataclass(frozen=True, slots=True)
class _Marked:
    record: PositionRecord
    spec: ContractSpec
    mark: Decimal
    view: PositionView


class PositionReader:
    def __init__(
        self,
        store: ExchangeStore,
        instruments: Mapping[str, Instrument],
        marks: MarkSource,
        *,
        fee_rate: FeeRate | None = None,
        last_px: LastPrice | None = None,
    ) -> None:
        self._store = store
        self._instruments = instruments
        self._marks = marks
        self._fee_rate = fee_rate or (lambda _environment, _account: DEFAULT_TIER.taker)
        self._last_px = last_px or (lambda _inst: None)

    # --- positions -------------------------------------------------------------------------------
    def positions(
        self, account_id: int, inst_ids: Collection[str] | None = None, pos_ids: Collection[int] | None = None
    ) -> list[PositionView]:
        """The account's live positions, marked now (`account/positions`)."""
        records = self._store.positions(account_id, inst_ids, pos_ids)
        closing = self._closing_orders(account_id) if records else []
        cash = self._cross_cash(account_id, records) if records else {}
        algos = close_algos(self._store.algos(account_id, CLOSE_ALGOS)) if records else {}
        return [
            replace(
                self._mark(r, closing, cash.get(self._ccy(r), ZERO)).view,
                close_algos=algos.get((r.inst_id, r.mgn_mode.value, r.pos_side), ()),
            )
            for r in records
        ]

    def view(self, record: PositionRecord, *, cross_cash: Decimal = ZERO) -> PositionView:
        """One record marked now (pushes: what changed in a commit). `cross_cash`: what a cross
        position can lose beyond its margin (its liqPx uses it)."""
        return self._mark(record, [], cross_cash).view

    # --- account/balance ------------------------------------------------------------------------
    def margin_summary(self, environment: Environment, account_id: int) -> list[MarginSummary]:
        """Per settlement currency with positions or a balance: the Futures-mode balance fields."""
        records = self._store.positions(account_id)
        balances = {b.ccy: b for b in self._store.balances(account_id)}
        marked = [self._mark(r, [], ZERO) for r in records]
        ccys = sorted({self._ccy(m.record) for m in marked} | set(balances))
        return [
            summarize(ccy, balances.get(ccy), [m.view for m in marked if self._ccy(m.record) == ccy])
            for ccy in ccys
        ]

    # --- internals -------------------------------------------------------------------------------
    def _ccy(self, record: PositionRecord) -> str:
        spec = self._instruments[record.inst_id].contract
        assert spec is not None
        return spec.settle_ccy

    def _closing_orders(self, account_id: int) -> list[OrderRecord]:
        pending = self._store.orders(account_id, OrderQuery(pending=True, limit=10_000))
        return [o for o in pending if o.reduce_only or _closes(o)]

    def _cross_cash(self, account_id: int, records: Sequence[PositionRecord]) -> dict[str, Decimal]:
        """Per currency: available cash + cross margin held (what cross positions can lose)."""
        out = {b.ccy: amount(b.available) for b in self._store.balances(account_id)}
        for r in records:
            if r.mgn_mode is MgnMode.CROSS:
                ccy = self._ccy(r)
                out[ccy] = out.get(ccy, ZERO) + amount(r.margin)
        return out

    def _mark(self, record: PositionRecord, closing: Sequence[OrderRecord], cross_cash: Decimal) -> _Marked:
        inst = self._instruments[record.inst_id]
        spec = inst.contract
        assert spec is not None, f"{record.inst_id} is not a swap"
        n, avg, cv, cm = record.pos, record.avg_px, spec.ct_val, spec.ct_mult
        mark = self._marks.mark_px(record.inst_id) or avg
        last = self._last_px(record.inst_id)
        tier = spec.tier_for(abs(n))
        fee_rate = self._fee_rate(record.environment, record.account_id)
        signed = -n if record.pos_side is PosSide.SHORT else n
        upl = f.upl(cv, cm, signed, avg, mark)
        margin = amount(record.margin)
        isolated = record.mgn_mode is MgnMode.ISOLATED
        imr = f.imr(cv, cm, n, mark, record.lever)
        initial = margin if isolated else imr
        maint = f.mmr(cv, cm, n, mark, tier.mmr)
        fee = f.liq_fee(cv, cm, n, mark, fee_rate)
        loss_room = margin if isolated else cross_cash
        equity = margin + upl if isolated else cross_cash + upl
        view = PositionView(
            record=record,
            inst_type=inst.inst_type.value,
            ccy=spec.settle_ccy,
            mark_px=self._marks.mark_px(record.inst_id),
            idx_px=self._marks.index_px(record.inst_id),
            last=last,
            upl=upl,
            upl_last_px=ZERO if last is None else f.upl(cv, cm, signed, avg, last),
            upl_ratio=f.upl_ratio(upl, initial),
            imr=None if isolated else imr,
            margin=margin if isolated else None,
            mmr=maint,
            mgn_ratio=f.mgn_ratio(equity, maint, fee),
            liq_px=f.liq_px(cv, cm, signed, avg, loss_room, tier.mmr, fee_rate),
            bk_px=f.bk_px(cv, cm, signed, avg, loss_room),
            be_px=f.be_px(cv, cm, signed, avg, -amount(record.fee), fee_rate),
            notional_usd=f.notional(cv, cm, n, mark),
            avail_pos=max(abs(n) - _held_by(record, closing), ZERO),
            tier=tier.tier,
            max_lever=tier.max_lever,
        )
        return _Marked(record, spec, mark, view)


def summarize(ccy: str, balance: BalanceRecord | None, views: Sequence[PositionView]) -> MarginSummary:
    """One currency's Futures-mode balance fields from its cash and its positions' views.

    OKX's identities (a real Futures-mode answer: `cashBal` 94.4261, one isolated position with
    `isoEq` = `frozenBal` 5.4686, `eq` 99.8947 = cashBal + isoEq, `availEq` = `availBal` = cashBal):
    eq = cash + cross upl + isolated equity; frozenBal = order frozen + cross imr + isolated equity;
    availEq = eq − frozenBal. Cross margin held in clearing counts as cash (OKX never moves it).
    """
    available = ZERO if balance is None else amount(balance.available)
    ord_frozen = ZERO if balance is None else amount(balance.frozen)
    cross = [v for v in views if v.record.mgn_mode is MgnMode.CROSS]
    iso = [v for v in views if v.record.mgn_mode is MgnMode.ISOLATED]
    cross_held = sum((amount(v.record.margin) for v in cross), ZERO)
    iso_margin = sum((v.margin or ZERO for v in iso), ZERO)
    cross_upl = sum((v.upl for v in cross), ZERO)
    iso_upl = sum((v.upl for v in iso), ZERO)
    cash = available + ord_frozen + cross_held
    iso_eq = iso_margin + iso_upl
    eq = cash + cross_upl + iso_eq
    imr = sum((v.imr or ZERO for v in cross), ZERO)
    mmr = sum((v.mmr for v in cross), ZERO)
    notional = sum((v.notional_usd for v in views), ZERO)
    return MarginSummary(
        ccy=ccy,
        cash_bal=cash,
        eq=eq,
        iso_eq=iso_eq,
        avail_eq=max(cash + cross_upl - ord_frozen - imr, ZERO),
        avail_bal=available,
        frozen_bal=ord_frozen + imr + iso_eq,
        ord_frozen=ord_frozen,
        upl=cross_upl + iso_upl,
        iso_upl=iso_upl,
        imr=imr,
        mmr=mmr,
        mgn_ratio=(cash + cross_upl) / mmr if cross and mmr else None,
        notional_lever=notional / eq if eq > 0 else ZERO,
        notional_usd=notional,
    )


def _closes(order: OrderRecord) -> bool:
    """A long/short-mode order that closes its side (sell long, buy short)."""
    if order.pos_side not in (PosSide.LONG, PosSide.SHORT):
        return False
    return (order.pos_side is PosSide.LONG) != (order.side.value == "buy")


def _held_by(record: PositionRecord, closing: Sequence[OrderRecord]) -> Decimal:
    """Contracts pending close orders would take from this position."""
    return sum(
        (
            o.sz - o.acc_fill_sz
            for o in closing
            if o.inst_id == record.inst_id
            and o.td_mode == record.mgn_mode.value
            and (o.pos_side or PosSide.NET) is record.pos_side
        ),
        ZERO,
    )
