"""Algo orders on the sequencer: placing, canceling and amending them, and firing them.

After every command that traded, `settle` looks at the instruments whose last price moved and
fires the live algo orders there that the move reached: each places its order through the same
`Exchange.place` as any order, inside the same command, so the trade that fired it, the algo's
new state and the order it placed are committed together (none lost, none fired twice). Orders
placed that way may trade and fire more algos: `settle` loops, at most `MAX_ROUNDS` times.

Fully filled orders turn their attached TP/SL into live algo orders; canceled ones drop them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ids import IdGenerator
from sandex.domain.instruments import Instrument, InstrumentState
from sandex.domain.matching.events import OrderAmended, OrderCanceled, OrderFilled, outcome
from sandex.domain.matching.order import OrderSnapshot, OrdState, OrdType, Side, TgtCcy
from sandex.domain.money import ratio, whole_steps
from sandex.domain.trading import Exchange, Trade
from sandex.domain.trading.algos import (
    ADVANCE_TYPES,
    MARKET_PX,
    MAX_STOP_PER_INSTRUMENT,
    MAX_TRAILING,
    MAX_TRIGGER,
    AlgoAmendSpec,
    AlgoCancelSpec,
    AlgoOrdType,
    AlgoSpec,
    AlgoState,
    AttachedAlgo,
    PriceMove,
    Trail,
    TriggerSide,
    amend_attached,
    check_algo,
    check_attached,
    new_leg,
    opposite,
    trail_start,
    trail_step,
    trigger_fired,
)
from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec
from sandex.domain.trading.events import Event, PositionChanged
from sandex.domain.trading.swap_algos import LAST, TriggerPrices, check_swap_attached, swap_leg_fired
from sandex.services.exchange.algo_desk import AlgoDesk, bucket
from sandex.services.exchange.algo_swaps import (
    AlgoPositions,
    NoSwaps,
    amended_px_types,
    check_swap_attach,
    check_swap_placement,
    close_size,
    closed_positions,
    place_tp_limit,
    swap_order,
)
from sandex.services.exchange.attached import attached_of, attached_target, with_legs
from sandex.services.exchange.commands import AlgoAck, AmendAlgos, CancelAlgos, PlaceAlgos
from sandex.services.exchange.records import AlgoRecord
from sandex.services.exchange.units import OrderExtras, amount, px_of, sz_of

MAX_ROUNDS = 8  # algo orders firing algo orders: bounded (the rest fire on the next trade)
ALGO_ID_BASE = 800_000_000_000_000_000
_LIMITS = {
    AlgoOrdType.CONDITIONAL: (MAX_STOP_PER_INSTRUMENT, Reason.STOP_ORDERS_LIMIT),
    AlgoOrdType.OCO: (MAX_STOP_PER_INSTRUMENT, Reason.STOP_ORDERS_LIMIT),
    AlgoOrdType.TRIGGER: (MAX_TRIGGER, Reason.TRIGGER_ORDERS_LIMIT),
    AlgoOrdType.MOVE_ORDER_STOP: (MAX_TRAILING, Reason.TRAILING_ORDERS_LIMIT),
}
SOURCES = {  # OKX order `source` of the order an algo places
    AlgoOrdType.TRIGGER: "6",
    AlgoOrdType.CONDITIONAL: "7",
    AlgoOrdType.OCO: "7",
    AlgoOrdType.MOVE_ORDER_STOP: "25",
}
_LIVE = AlgoState.LIVE
TP_LIMIT = "limit"  # attached `tpOrdKind`: a TP limit order instead of a conditional TP
MARK, INDEX = "mark", "index"  # the prices `UpdateMarks` moves (`last` moves with trades)
_TRAILING = AlgoOrdType.MOVE_ORDER_STOP


@dataclass(slots=True)
class Settled:
    """What `settle` added to a command: the events of the orders algos placed, the algos changed."""

    events: list[Event] = field(default_factory=list)
    algos: list[AlgoRecord] = field(default_factory=list)


class AlgoRunner:
    """The algo side of one environment's exchange (`x`), its algo orders in `desk`."""

    def __init__(
        self,
        environment: Environment,
        x: Exchange,
        desk: AlgoDesk,
        instruments: Mapping[str, Instrument],
        algo_ids: IdGenerator,
        extras: dict[int, OrderExtras],
        halted: set[str],
        positions: AlgoPositions | None = None,
    ) -> None:
        self._environment = environment
        self.positions: AlgoPositions = positions or NoSwaps()  # swaps: the derivatives core's state
        self.x = x
        self.desk = desk
        self._instruments = instruments
        self._ids = algo_ids
        self._extras = extras
        self._halted = halted

    def has_swap_algos(self, account_id: int) -> bool:
        """Whether the account has algo orders on swaps (they block a position-mode change)."""
        swaps = [i for i, inst in self._instruments.items() if inst.contract is not None]
        return bool(swaps) and self.desk.any_of(account_id, swaps)

    def last_price(self, inst: Instrument) -> Decimal:
        """The last trade price; the reference price until the instrument first traded."""
        return self.desk.last.get(inst.inst_id, inst.ref_px)

    def prices(self, inst: Instrument) -> TriggerPrices:
        """The prices a swap algo can watch: last, and the mark and index of the last `UpdateMarks`."""
        mark = self.desk.marks.get(inst.inst_id)
        last = self.last_price(inst)
        return TriggerPrices(last) if mark is None else TriggerPrices(last, mark[0], mark[1])

    # --- commands ----------------------------------------------------------------------------
    def place(self, cmd: PlaceAlgos, ts: int) -> tuple[list[AlgoAck], list[AlgoRecord]]:
        acks: list[AlgoAck] = []
        made: list[AlgoRecord] = []
        for spec in cmd.items:
            record = self._new_algo(cmd, spec, ts)
            if isinstance(record, Rejected):
                acks.append(AlgoAck("", spec.algo_cl_ord_id, spec.tag, ts, record))
                continue
            self.desk.put(record)
            made.append(record)
            acks.append(AlgoAck(str(record.algo_id), spec.algo_cl_ord_id, spec.tag, ts))
        return acks, made

    def _new_algo(self, cmd: PlaceAlgos, spec: AlgoSpec, ts: int) -> AlgoRecord | Rejected:
        inst = self._instruments.get(spec.inst_id)
        if inst is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        if inst.state is not InstrumentState.LIVE or spec.inst_id in self._halted:
            return Rejected(Reason.INSTRUMENT_SUSPENDED)
        last = self.last_price(inst)
        prices = self.prices(inst)
        if inst.contract is None:
            refused = check_algo(inst, spec, last)
        else:
            pos_mode = self.positions.pos_mode(cmd.account_id)
            refused = check_swap_placement(
                inst, spec, prices, pos_mode, self.desk.live_on(spec.inst_id), cmd.account_id
            )
        if refused is not None:
            return refused
        if spec.algo_cl_ord_id and self.desk.cl_taken(cmd.account_id, spec.algo_cl_ord_id):
            return Rejected(Reason.ALGO_CLORDID_EXISTS)
        limit, reason = _LIMITS[spec.ord_type]
        if self.desk.count(cmd.account_id, bucket(spec.ord_type, spec.inst_id)) >= limit:
            return Rejected.of(reason, limit=str(limit))
        trail = Trail(True, None, None)
        if spec.ord_type is _TRAILING:
            trail = trail_start(
                spec.side, spec.active_px, spec.callback_ratio, spec.callback_spread, inst.tick_sz, last
            )
        return AlgoRecord(
            algo_id=self._ids.next_id(),
            environment=self._environment,
            account_id=cmd.account_id,
            inst_id=spec.inst_id,
            ord_type=spec.ord_type,
            side=spec.side,
            sz=spec.sz,
            tgt_ccy=spec.tgt_ccy,
            td_mode=spec.td_mode,
            state=_LIVE,
            algo_cl_ord_id=spec.algo_cl_ord_id,
            tag=spec.tag,
            reduce_only=spec.reduce_only,
            c_time=ts,
            u_time=ts,
            tp_trigger_px=spec.tp_trigger_px,
            tp_ord_px=spec.tp_ord_px,
            sl_trigger_px=spec.sl_trigger_px,
            sl_ord_px=spec.sl_ord_px,
            trigger_px=spec.trigger_px,
            ord_px=spec.ord_px,
            callback_ratio=spec.callback_ratio,
            callback_spread=spec.callback_spread,
            active_px=spec.active_px,
            activated=trail.activated,
            extreme_px=trail.extreme,
            move_trigger_px=trail.trigger,
            last_px=last,
            pos_side=spec.pos_side,
            close_fraction=spec.close_fraction,
            cxl_on_close_pos=spec.cxl_on_close_pos,
            tp_trigger_px_type=spec.tp_trigger_px_type if spec.tp_trigger_px is not None else LAST,
            sl_trigger_px_type=spec.sl_trigger_px_type if spec.sl_trigger_px is not None else LAST,
            trigger_px_type=spec.trigger_px_type,
            placed_px=None if spec.trigger_px is None else prices.of(spec.trigger_px_type),
        )

    def cancel(self, cmd: CancelAlgos, ts: int) -> tuple[list[AlgoAck], list[AlgoRecord]]:
        """Cancel live algo orders. `cancel-algos` takes every kind (OKX's current docs have no other
        cancel endpoint, and ccxt cancels trailing stops there); the legacy `cancel-advance-algos`
        (nautilus) only takes trailing stops. Anything else is refused as not found (51400)."""
        acks: list[AlgoAck] = []
        done: list[AlgoRecord] = []
        for item in cmd.items:
            record = self._target(cmd.account_id, item)
            if record is None or (cmd.advance and record.ord_type not in ADVANCE_TYPES):
                refused = Rejected(Reason.CANCEL_FAILED)
                acks.append(AlgoAck(_id_text(item.algo_id), item.algo_cl_ord_id, "", ts, refused))
                continue
            canceled = record._replace(state=AlgoState.CANCELED, u_time=ts)
            self.desk.put(canceled)
            done.append(canceled)
            acks.append(AlgoAck(str(record.algo_id), record.algo_cl_ord_id, record.tag, ts))
        return acks, done

    def _target(self, account_id: int, item: AlgoCancelSpec | AlgoAmendSpec) -> AlgoRecord | None:
        if item.algo_id is None and not item.algo_cl_ord_id:
            return None
        record = self.desk.find(account_id, item.algo_id, item.algo_cl_ord_id)
        return record if record is not None and record.inst_id == item.inst_id else None

    def amend(self, cmd: AmendAlgos, ts: int) -> tuple[list[AlgoAck], list[AlgoRecord]]:
        acks: list[AlgoAck] = []
        done: list[AlgoRecord] = []
        for item in cmd.items:
            record = self._target(cmd.account_id, item)
            if record is None or record.ord_type is _TRAILING:
                refused = Rejected(Reason.ALGO_AMEND_NOT_FOUND)
                acks.append(
                    AlgoAck(_id_text(item.algo_id), item.algo_cl_ord_id, "", ts, refused, item.req_id)
                )
                continue
            amended = self._amended(record, item, ts)
            if isinstance(amended, Rejected):
                if item.cxl_on_fail:
                    canceled = record._replace(state=AlgoState.CANCELED, u_time=ts)
                    self.desk.put(canceled)
                    done.append(canceled)
                ack = AlgoAck(
                    str(record.algo_id), record.algo_cl_ord_id, record.tag, ts, amended, item.req_id
                )
                acks.append(ack)
                continue
            self.desk.put(amended)
            done.append(amended)
            acks.append(
                AlgoAck(str(record.algo_id), record.algo_cl_ord_id, record.tag, ts, None, item.req_id)
            )
        return acks, done

    def _amended(self, record: AlgoRecord, item: AlgoAmendSpec, ts: int) -> AlgoRecord | Rejected:
        """The algo order with the amend's changes, checked as if placed now; "0" deletes a leg."""
        changes = (
            item.new_sz,
            item.new_tp_trigger_px,
            item.new_tp_ord_px,
            item.new_sl_trigger_px,
            item.new_sl_ord_px,
            item.new_trigger_px,
            item.new_ord_px,
        )
        if all(value is None for value in changes):
            return Rejected.of(Reason.PARAM_EMPTY, field="newSz")
        tp = new_leg(record.tp_trigger_px, record.tp_ord_px, item.new_tp_trigger_px, item.new_tp_ord_px)
        sl = new_leg(record.sl_trigger_px, record.sl_ord_px, item.new_sl_trigger_px, item.new_sl_ord_px)
        stop = record.ord_type is not AlgoOrdType.TRIGGER
        if stop and tp[0] is None and sl[0] is None and tp[1] is None and sl[1] is None:
            return Rejected(Reason.ALGO_NEEDS_TP_OR_SL)
        inst = self._instruments[record.inst_id]
        last = self.last_price(inst)
        retyped = amended_px_types(record, item, swap=inst.contract is not None)
        if isinstance(retyped, Rejected):
            return retyped
        new = retyped._replace(
            sz=record.sz if item.new_sz is None else item.new_sz,
            tp_trigger_px=tp[0] if stop else None,
            tp_ord_px=tp[1] if stop else None,
            sl_trigger_px=sl[0] if stop else None,
            sl_ord_px=sl[1] if stop else None,
            trigger_px=record.trigger_px if item.new_trigger_px is None else item.new_trigger_px,
            ord_px=record.ord_px if item.new_ord_px is None else item.new_ord_px,
            u_time=ts,
            last_px=last,  # a trigger order fires on crossing its price from where the price is now
        )
        if inst.contract is None:
            new = new._replace(placed_px=None if new.trigger_px is None else last)
            refused = check_algo(inst, spec_of(new), last)
        else:
            prices = self.prices(inst)
            new = new._replace(placed_px=None if new.trigger_px is None else prices.of(new.trigger_px_type))
            others = [a for a in self.desk.live_on(inst.inst_id) if a.algo_id != record.algo_id]
            pos_mode = self.positions.pos_mode(record.account_id)
            refused = check_swap_placement(inst, spec_of(new), prices, pos_mode, others, record.account_id)
        return refused if refused is not None else new

    # --- TP/SL attached to ordinary orders ---------------------------------------------------------
    def check_attach(self, account_id: int, spec: OrderSpec) -> Rejected | None:
        """Why an order's `attachAlgoOrds` are refused (checked before the order is placed)."""
        inst = self._instruments.get(spec.inst_id)
        if inst is None:
            return None  # the order itself is refused for that
        market = spec.ord_type is OrdType.MARKET
        px = None if market else spec.px
        if inst.contract is not None:
            refused = check_swap_attach(spec, inst, px, self.prices(inst))
        else:
            refused = check_attached(inst, spec.side, px, self.last_price(inst), spec.attach_algo_ords)
        if refused is not None:
            return refused
        for item in spec.attach_algo_ords:
            if item.attach_algo_cl_ord_id and self.desk.cl_taken(account_id, item.attach_algo_cl_ord_id):
                return Rejected(Reason.ALGO_CLORDID_EXISTS)
        return None

    def attach(self, account_id: int, spec: OrderSpec, ord_id: int, ts: int) -> list[AlgoRecord]:
        """The TP/SL of a just placed order, waiting for it to fill: an `oco` when both legs are
        given, else a `conditional`, on the other side, for the size it will have filled."""
        made: list[AlgoRecord] = []
        swap = self._instruments[spec.inst_id].contract is not None  # swaps: it closes what it opened
        for item in spec.attach_algo_ords:
            if item.tp_ord_kind == TP_LIMIT:  # no trigger: the limit order is placed on the fill
                item = replace(item, tp_trigger_px=None)
            both = (
                item.tp_trigger_px is not None or item.tp_ord_kind == TP_LIMIT
            ) and item.sl_trigger_px is not None
            record = AlgoRecord(
                algo_id=self._ids.next_id(),
                environment=self._environment,
                account_id=account_id,
                inst_id=spec.inst_id,
                ord_type=AlgoOrdType.OCO if both else AlgoOrdType.CONDITIONAL,
                side=opposite(spec.side),
                sz=spec.sz,  # replaced by the filled size when the order is filled
                tgt_ccy=None if swap else TgtCcy.BASE_CCY,
                td_mode=spec.td_mode,
                state=_LIVE,
                algo_cl_ord_id=item.attach_algo_cl_ord_id,
                tag=spec.tag,
                reduce_only=swap,
                c_time=ts,
                u_time=ts,
                tp_trigger_px=item.tp_trigger_px,
                tp_ord_px=item.tp_ord_px,
                sl_trigger_px=item.sl_trigger_px,
                sl_ord_px=item.sl_ord_px,
                parent_ord_id=ord_id,
                attach_algo_cl_ord_id=item.attach_algo_cl_ord_id,
                waiting=True,
                pos_side=spec.pos_side,
                tp_trigger_px_type=item.tp_trigger_px_type if item.tp_trigger_px is not None else LAST,
                sl_trigger_px_type=item.sl_trigger_px_type if item.sl_trigger_px is not None else LAST,
                tp_ord_kind=item.tp_ord_kind,
            )
            self.desk.put(record)
            made.append(record)
        self._extras.setdefault(ord_id, OrderExtras()).attached = tuple(made)  # shown on its pushes
        return made

    def plan_attached(self, account_id: int, spec: AmendSpec, ts: int) -> list[AlgoRecord] | Rejected | None:
        """The TP/SL an amend's `attachAlgoOrds` make of the order's, checked like a placement
        against the order's price after the amend; nothing changes yet (`amend_attached` does once
        the order's amend is done). None: no such pending order (the order's amend refuses it)."""
        order = self._pending(account_id, spec)
        if order is None:
            return None
        current = self.desk.waiting_on(order.ord_id)
        if not current:
            return Rejected(Reason.ATTACHED_AMEND_NONE)
        changed: dict[int, AlgoRecord] = {}
        after: dict[int, AttachedAlgo] = {}
        for item in spec.attach_algo_ords:
            target = attached_target(current, item)
            if isinstance(target, Rejected):
                return target
            if target.algo_id in changed:
                return Rejected(Reason.ATTACHED_AMEND_REPEATED)
            after[target.algo_id] = amend_attached(attached_of(target), item)
            changed[target.algo_id] = with_legs(target, after[target.algo_id], ts)
        inst = self._instruments[order.inst_id]
        px = spec.new_px if spec.new_px is not None else px_of(inst, order.px)
        items = tuple(after.get(a.algo_id) or attached_of(a) for a in current)
        if inst.contract is None:
            refused = check_attached(inst, order.side, px, self.last_price(inst), items)
        else:
            refused = check_swap_attached(inst, order.side, px, self.prices(inst), items)
        return refused if refused is not None else list(changed.values())

    def amend_attached(self, ord_id: int, records: Sequence[AlgoRecord]) -> None:
        """Keep the amended TP/SL of order `ord_id` (its amend went through)."""
        for record in records:
            self.desk.put(record)
        self._extras.setdefault(ord_id, OrderExtras()).attached = tuple(self.desk.waiting_on(ord_id))

    def _pending(self, account_id: int, spec: AmendSpec) -> OrderSnapshot | None:
        engine = self.x.engine(spec.inst_id)
        if engine is None:
            return None
        ord_id = spec.ord_id if spec.ord_id is not None else engine.order_id_for(account_id, spec.cl_ord_id)
        order = None if ord_id is None else engine.order(ord_id)
        return order if order is not None and order.account_id == account_id else None

    # --- what a command's events do to algo orders ---------------------------------------------
    def settle(self, events: Sequence[Event], ts: int) -> Settled:
        """Apply what `events` (one command's) did to algo orders, and fire the algo orders the
        price moves reached; the orders they place are settled the same way, `MAX_ROUNDS` deep."""
        out = Settled()
        self._run(events, out, ts)
        return out

    def on_marks(
        self, marks: Sequence[tuple[str, Decimal, Decimal]], ts: int, caused: Sequence[Event] = ()
    ) -> Settled:
        """`UpdateMarks` (swap inst_id, mark, index): keep them, fire the live swap algos whose
        legs watch the mark or the index and were reached, then settle what their orders and
        `caused` (what the marks already did: liquidations) did, as after any command."""
        out = Settled()
        if caused:  # first: a liquidated position's tied TP/SL go before any mark fires them
            self._run(caused, out, ts)
        placed: list[Event] = []
        for inst_id, mark, index in marks:
            self.desk.marks[inst_id] = (mark, index)
            for record in self.desk.live_on(inst_id):
                for watched, px in ((MARK, mark), (INDEX, index)):
                    if self.desk.get(record.algo_id) is record:  # not fired by the mark just now
                        placed.extend(self._evaluate(record, PriceMove.at(px), watched, out, ts))
        out.events.extend(placed)
        self._run(placed, out, ts)
        return out

    def _run(self, events: Sequence[Event], out: Settled, ts: int) -> None:
        pending: Sequence[Event] = events
        rounds = 0
        traded: set[tuple[int, str]] = set()  # (account, swap inst_id) that traded: positions may have closed
        while pending:
            spawned: list[Event] = []  # TP limit orders placed as their parent filled
            moves = self._scan(pending, out, ts, traded, spawned)
            out.events.extend(spawned)
            if not (moves or spawned) or rounds == MAX_ROUNDS or self.desk.empty:
                break
            rounds += 1
            placed: list[Event] = []
            for inst_id, move in moves.items():
                for record in self.desk.live_on(inst_id):
                    placed.extend(self._evaluate(record, move, LAST, out, ts))
            out.events.extend(placed)
            pending = spawned + placed
        if traded:
            self._positions_closed(traded, out, ts)

    def _positions_closed(self, traded: set[tuple[int, str]], out: Settled, ts: int) -> None:
        """Cancel the `cxlOnClosePos` (and whole-position) TP/SL of positions the command closed."""
        live = [record for inst_id in {i for _, i in traded} for record in self.desk.live_on(inst_id)]
        for record in closed_positions(traded, live, self.positions):
            canceled = record._replace(state=AlgoState.CANCELED, u_time=ts)
            self.desk.put(canceled)
            out.algos.append(canceled)

    def _scan(
        self,
        events: Sequence[Event],
        out: Settled,
        ts: int,
        traded: set[tuple[int, str]],
        spawned: list[Event],
    ) -> dict[str, PriceMove]:
        """Record each instrument's last price, make or drop attached TP/SL of orders that filled
        or were canceled (placing swap TP limit orders into `spawned`), end the SL of a filled TP
        limit order; the price moves of the instruments that traded."""
        ticks: dict[str, list[int]] = {}  # per instrument: lowest, highest, last trade (in ticks)
        waiting = self.desk.has_waiting or bool(self.desk.linked)
        for ev in events:
            if isinstance(ev, Trade):
                fill = ev.fill
                seen = ticks.get(fill.inst_id)
                if seen is None:
                    ticks[fill.inst_id] = [fill.px, fill.px, fill.px]
                else:
                    seen[0], seen[1], seen[2] = min(seen[0], fill.px), max(seen[1], fill.px), fill.px
                if self._instruments[fill.inst_id].contract is not None:
                    traded.add((fill.taker_account_id, fill.inst_id))
                    traded.add((fill.maker_account_id, fill.inst_id))
            elif isinstance(ev, PositionChanged):  # e.g. taken over at liquidation without a trade
                traded.add((ev.position.account_id, ev.position.inst_id))
            elif waiting and isinstance(ev, OrderFilled | OrderCanceled | OrderAmended):  # amended: to filled
                order = ev.order
                if order.state is OrdState.FILLED or order.state is OrdState.CANCELED:
                    self._note_last(ticks)  # a TP/SL made live takes the last price up to here
                    filled = order.state is OrdState.FILLED
                    self._parent_done(order.ord_id, filled, order.filled, out, ts, spawned)
                    if filled:
                        self._tp_filled(order.ord_id, out, ts)
                    waiting = self.desk.has_waiting or bool(self.desk.linked)
        self._note_last(ticks)
        moves: dict[str, PriceMove] = {}
        for inst_id, (lo, hi, _) in ticks.items():
            inst = self._instruments[inst_id]
            moves[inst_id] = PriceMove(px_of(inst, lo), px_of(inst, hi), self.desk.last[inst_id])
        return moves

    def _note_last(self, ticks: dict[str, list[int]]) -> None:
        """Each instrument's last trade price so far (prices are made once per instrument and
        command, not once per trade: this runs after every command that trades)."""
        for inst_id, seen in ticks.items():
            self.desk.last[inst_id] = px_of(self._instruments[inst_id], seen[2])

    def _parent_done(
        self, ord_id: int, filled: bool, lots: int, out: Settled, ts: int, spawned: list[Event]
    ) -> None:
        for record in self.desk.waiting_on(ord_id):
            if filled:
                inst = self._instruments[record.inst_id]
                last = self.desk.last.get(record.inst_id, inst.ref_px)
                now = record._replace(waiting=False, sz=sz_of(inst, lots), u_time=ts, last_px=last)
                if now.tp_ord_kind == TP_LIMIT:
                    now = place_tp_limit(self.x, self._extras, now, spawned, ts)
            else:
                now = record._replace(state=AlgoState.CANCELED, u_time=ts)
            self.desk.put(now)
            out.algos.append(now)

    def _tp_filled(self, ord_id: int, out: Settled, ts: int) -> None:
        """A TP limit order filled: its SL is done (`effective` on the TP side)."""
        algo_id = self.desk.linked.get(ord_id)
        record = None if algo_id is None else self.desk.get(algo_id)
        if record is None:
            return
        done = record._replace(
            state=AlgoState.EFFECTIVE,
            ord_id=ord_id,
            actual_side=TriggerSide.TP,
            actual_sz=record.sz,
            actual_px=record.tp_ord_px,
            trigger_time=ts,
            u_time=ts,
        )
        self.desk.put(done)
        out.algos.append(done)

    def _evaluate(
        self, record: AlgoRecord, move: PriceMove, watched: str, out: Settled, ts: int
    ) -> list[Event]:
        """Fire `record` if `move` of the `watched` price (last, mark, index) reached it (placing
        its order); a trailing stop follows the last price."""
        if record.ord_type is AlgoOrdType.TRIGGER:
            assert record.trigger_px is not None and record.ord_px is not None
            if record.trigger_px_type != watched:
                return []
            placed = record.placed_px if record.placed_px is not None else record.last_px
            if not trigger_fired(record.trigger_px, placed, move):
                return []
            return self._fire(record, record.ord_px, None, out, ts)
        if record.ord_type is _TRAILING:
            return self._trail(record, move, out, ts) if watched == LAST else []
        leg = swap_leg_fired(
            record.ord_type,
            record.side,
            record.tp_trigger_px,
            record.tp_trigger_px_type,
            record.sl_trigger_px,
            record.sl_trigger_px_type,
            watched,
            move,
        )
        if leg is None:
            return []
        ord_px = record.tp_ord_px if leg is TriggerSide.TP else record.sl_ord_px
        assert ord_px is not None
        return self._fire(record, ord_px, leg, out, ts)

    def _trail(self, record: AlgoRecord, move: PriceMove, out: Settled, ts: int) -> list[Event]:
        inst = self._instruments[record.inst_id]
        before = Trail(record.activated, record.extreme_px, record.move_trigger_px)
        after = trail_step(
            record.side,
            before,
            record.active_px,
            record.callback_ratio,
            record.callback_spread,
            inst.tick_sz,
            move,
        )
        if after.fired:
            tracked = record._replace(activated=True, extreme_px=after.extreme, move_trigger_px=after.trigger)
            return self._fire(tracked, MARKET_PX, None, out, ts)
        if after != before:  # stored, so a restart continues from the same extreme
            now = record._replace(
                activated=after.activated, extreme_px=after.extreme, move_trigger_px=after.trigger, u_time=ts
            )
            self.desk.put(now)
            out.algos.append(now)
        return []

    def _fire(
        self, record: AlgoRecord, ord_px: Decimal, leg: TriggerSide | None, out: Settled, ts: int
    ) -> list[Event]:
        """Place the algo order's order; the algo is then `effective`, or `order_failed` with the
        refusal's reason (rendered as OKX's code) when the exchange refused the order."""
        unlinked: list[Event] = []  # an SL firing cancels its TP limit order first
        if record.linked_ord_id is not None and leg is TriggerSide.SL:
            unlinked = self.x.cancel(record.account_id, CancelSpec(record.inst_id, record.linked_ord_id), ts)
            if isinstance(outcome(unlinked), Rejected):
                unlinked = []
        spec = self._order_of(record, ord_px)
        events: list[Event] = unlinked
        done: OrderSnapshot | Rejected
        if isinstance(spec, Rejected):
            done = spec
        elif record.inst_id in self._halted:
            done = Rejected(Reason.INSTRUMENT_SUSPENDED)
        else:
            placed = self.x.place(record.account_id, spec, ts)
            events = unlinked + placed
            done = outcome(placed)
        fired = record._replace(
            actual_sz=None if isinstance(spec, Rejected) else spec.sz,
            actual_px=ord_px,
            actual_side=leg,
            trigger_time=ts,
            u_time=ts,
        )
        if isinstance(done, Rejected):
            fired = fired._replace(state=AlgoState.ORDER_FAILED, fail_code=done.reason.value)
            self.desk.put(fired)
            out.algos.append(fired)
            return unlinked
        ord_id = done.ord_id
        extras = self._extras.setdefault(ord_id, OrderExtras())
        extras.algo_id, extras.algo_cl_ord_id = record.algo_id, record.algo_cl_ord_id
        extras.source = SOURCES[record.ord_type]
        fired = fired._replace(state=AlgoState.EFFECTIVE, ord_id=ord_id)
        self.desk.put(fired)
        out.algos.append(fired)
        return events

    def _order_of(self, record: AlgoRecord, ord_px: Decimal) -> OrderSpec | Rejected:
        """The order a triggered algo places. Swaps: a swap order, a `closeFraction` one sized to
        the whole position now (51169 without one). Spot: a trigger order cut to the balance."""
        inst = self._instruments[record.inst_id]
        if inst.contract is not None:
            sz = close_size(record, inst, self.positions) if record.close_fraction else record.sz
            return sz if isinstance(sz, Rejected) else swap_order(record, sz, ord_px)
        market = ord_px == MARKET_PX
        sz = record.sz
        if record.ord_type is AlgoOrdType.TRIGGER:  # OKX: on the balance there is when it is short
            sz = self._affordable(record, inst, None if market else ord_px)
        return OrderSpec(
            record.inst_id,
            record.side,
            OrdType.MARKET if market else OrdType.LIMIT,
            sz,
            None if market else ord_px,
            record.tgt_ccy if market else None,
            "",
            record.tag,
        )

    def _affordable(self, record: AlgoRecord, inst: Instrument, px: Decimal | None) -> Decimal:
        """A trigger order's size, cut to what the account's available balance pays for."""
        ledger = self.x.ledger
        if record.side is Side.SELL:
            avail = amount(ledger.available(record.account_id, inst.base_ccy))
            fits = whole_steps(avail, inst.lot_sz) * inst.lot_sz
            return min(record.sz, fits) if fits > 0 else record.sz
        avail = amount(ledger.available(record.account_id, inst.quote_ccy))
        if px is None:  # a market buy: quote-sized unless told otherwise
            if record.tgt_ccy is TgtCcy.BASE_CCY:
                return record.sz
            step = inst.tick_sz * inst.lot_sz
            fits = whole_steps(avail, step) * step
            return min(record.sz, fits) if fits > 0 else record.sz
        fits = whole_steps(ratio(avail, px), inst.lot_sz) * inst.lot_sz
        return min(record.sz, fits) if fits > 0 else record.sz


def _id_text(algo_id: int | None) -> str:
    return "" if algo_id is None else str(algo_id)


def spec_of(record: AlgoRecord) -> AlgoSpec:
    """A stored algo order as the placement it would be now (amends are checked like placements)."""
    return AlgoSpec(
        inst_id=record.inst_id,
        ord_type=record.ord_type,
        side=record.side,
        sz=record.sz,
        td_mode=record.td_mode,
        tgt_ccy=record.tgt_ccy,
        algo_cl_ord_id=record.algo_cl_ord_id,
        tag=record.tag,
        reduce_only=record.reduce_only,
        tp_trigger_px=record.tp_trigger_px,
        tp_ord_px=record.tp_ord_px,
        sl_trigger_px=record.sl_trigger_px,
        sl_ord_px=record.sl_ord_px,
        trigger_px=record.trigger_px,
        ord_px=record.ord_px,
        callback_ratio=record.callback_ratio,
        callback_spread=record.callback_spread,
        active_px=record.active_px,
        tp_trigger_px_type=record.tp_trigger_px_type,
        sl_trigger_px_type=record.sl_trigger_px_type,
        trigger_px_type=record.trigger_px_type,
        pos_side=record.pos_side,
        close_fraction=record.close_fraction,
        cxl_on_close_pos=record.cxl_on_close_pos,
    )
