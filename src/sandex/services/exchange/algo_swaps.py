"""Algo orders on swaps, the parts the spot runner does not have: what they read of positions and
account settings (`AlgoPositions`, given by the derivatives core), a swap algo's placement, the
order it places when it triggers, attached TP limit orders and trigger price types on amends.

The runner (`algo_runner.py`) stays the one place algos are placed, fired and canceled; it calls
these for instruments with a `contract`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol

from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.derivatives.positions import PosKey
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.matching.events import outcome
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading import Exchange
from sandex.domain.trading.algos import (
    MARKET_PX,
    AlgoAmendSpec,
    AlgoOrdType,
    AlgoSpec,
    AlgoState,
    TriggerSide,
    check_trailing,
)
from sandex.domain.trading.commands import OrderSpec
from sandex.domain.trading.events import Event
from sandex.domain.trading.swap_algos import TriggerPrices, check_swap_algo, check_swap_attached
from sandex.services.exchange.records import AlgoRecord
from sandex.services.exchange.units import OrderExtras, sz_of


class AlgoPositions(Protocol):
    """The derivatives state swap algos read, in the sequencer (swap-core's)."""

    def pos_mode(self, account_id: int) -> PosMode | None:
        """The account's position mode; None while it is in Spot mode (swap algos: 51010)."""
        ...

    def position(self, account_id: int, inst_id: str, mgn_mode: MgnMode, pos_side: PosSide) -> Decimal:
        """The position's contracts (signed in net mode: + long, - short); 0 when there is none."""
        ...


class NoSwaps:
    """No derivatives core: every account is in Spot mode and holds no position."""

    def pos_mode(self, account_id: int) -> PosMode | None:
        return None

    def position(self, account_id: int, inst_id: str, mgn_mode: MgnMode, pos_side: PosSide) -> Decimal:
        return Decimal(0)


class BookPositions:
    """`AlgoPositions` read from an exchange's position book (`x.swaps.book`), in contracts."""

    def __init__(self, x: Exchange, instruments: Mapping[str, Instrument]) -> None:
        self._book = x.swaps.book
        self._instruments = instruments

    def pos_mode(self, account_id: int) -> PosMode | None:
        settings = self._book.settings_of(account_id)
        return settings.pos_mode if settings.acct_lv is AcctLv.FUTURES else None

    def position(self, account_id: int, inst_id: str, mgn_mode: MgnMode, pos_side: PosSide) -> Decimal:
        pos = self._book.get(PosKey(account_id, inst_id, mgn_mode, pos_side))
        return Decimal(0) if pos is None else sz_of(self._instruments[inst_id], pos.pos)


def pos_side_of(record: AlgoRecord) -> PosSide:
    """The position an algo order's order goes to: its `posSide`, `net` when none was sent."""
    return record.pos_side or PosSide.NET


def check_swap_placement(
    inst: Instrument,
    spec: AlgoSpec,
    prices: TriggerPrices,
    pos_mode: PosMode | None,
    live: Iterable[AlgoRecord],
    account_id: int,
) -> Rejected | None:
    """A swap algo order's placement: Futures mode (51010), the swap rules, a trailing stop's spot
    rules, and one whole-position TP/SL per position (51088) among the account's `live` ones."""
    if pos_mode is None:
        return Rejected(Reason.SWAP_ACCOUNT_MODE)
    refused = check_swap_algo(inst, spec, prices, pos_mode)
    if refused is None and spec.ord_type is AlgoOrdType.MOVE_ORDER_STOP:
        refused = check_trailing(inst, spec, prices.last)
    if refused is not None or not spec.close_fraction:
        return refused
    side = spec.pos_side or PosSide.NET
    for other in live:
        same = other.account_id == account_id and other.td_mode == spec.td_mode and pos_side_of(other) is side
        if same and other.close_fraction:
            return Rejected(Reason.CLOSE_FRACTION_ONE)
    return None


def close_size(record: AlgoRecord, inst: Instrument, positions: AlgoPositions) -> Decimal | Rejected:
    """What a `closeFraction` algo closes when it triggers: the whole position on its side, if its
    order reduces it (a sell closes a long, a buy a short); else 51169, nothing to close."""
    pos = positions.position(record.account_id, record.inst_id, MgnMode(record.td_mode), pos_side_of(record))
    if record.pos_side in (PosSide.LONG, PosSide.SHORT):
        return abs(pos) if pos != 0 else Rejected(Reason.NO_POSITION_TO_CLOSE)
    closes = pos > 0 if record.side is Side.SELL else pos < 0
    return abs(pos) if closes else Rejected(Reason.NO_POSITION_TO_CLOSE)


def swap_order(record: AlgoRecord, sz: Decimal, ord_px: Decimal) -> OrderSpec:
    """The swap order a triggered algo places: its margin mode, position side and reduce-only,
    at market or at `ord_px` (a `closeFraction` algo is reduce-only in net mode by rule)."""
    market = ord_px == MARKET_PX
    return OrderSpec(
        record.inst_id,
        record.side,
        OrdType.MARKET if market else OrdType.LIMIT,
        sz,
        None if market else ord_px,
        None,
        "",
        record.tag,
        td_mode=record.td_mode,
        pos_side=record.pos_side,
        reduce_only=record.reduce_only and record.pos_side in (None, PosSide.NET),  # OKX: net mode only
    )


def check_swap_attach(
    spec: OrderSpec, inst: Instrument, px: Decimal | None, prices: TriggerPrices
) -> Rejected | None:
    """A swap order's `attachAlgoOrds`: not on a reduce-only order nor a long/short close (51333),
    then the TP/SL rules (`check_swap_attached`)."""
    closes = (spec.side is Side.SELL and spec.pos_side is PosSide.LONG) or (
        spec.side is Side.BUY and spec.pos_side is PosSide.SHORT
    )
    if spec.reduce_only or closes:
        return Rejected(Reason.ATTACH_ON_CLOSE)
    return check_swap_attached(inst, spec.side, px, prices, spec.attach_algo_ords)


def closed_positions(
    traded: Iterable[tuple[int, str]], live: Iterable[AlgoRecord], positions: AlgoPositions
) -> list[AlgoRecord]:
    """The live algos tied to a position (`cxlOnClosePos`, and whole-position `closeFraction` ones)
    whose position is gone after a command in which its account traded that instrument (so it was
    closed: a trade that leaves no position closed one)."""
    pairs = set(traded)
    gone: list[AlgoRecord] = []
    for record in live:
        tied = record.cxl_on_close_pos or record.close_fraction
        if not tied or (record.account_id, record.inst_id) not in pairs:
            continue
        pos = positions.position(
            record.account_id, record.inst_id, MgnMode(record.td_mode), pos_side_of(record)
        )
        if pos == 0:
            gone.append(record)
    return gone


def place_tp_limit(
    x: Exchange, extras: dict[int, OrderExtras], record: AlgoRecord, spawned: list[Event], ts: int
) -> AlgoRecord:
    """A swap TP limit (`tpOrdKind` limit) as its parent fills: its reduce-only limit order is
    placed now (its events into `spawned`); the SL stays live linked to it (one ends the other), or
    without an SL the algo is done."""
    assert record.tp_ord_px is not None
    spec = swap_order(record._replace(reduce_only=True), record.sz, record.tp_ord_px)
    events = x.place(record.account_id, spec, ts)
    done = outcome(events)
    if isinstance(done, Rejected):
        if record.sl_trigger_px is not None:
            return record
        return record._replace(state=AlgoState.ORDER_FAILED, fail_code=done.reason.value, trigger_time=ts)
    spawned.extend(events)
    made = extras.setdefault(done.ord_id, OrderExtras())
    made.algo_id, made.algo_cl_ord_id = record.algo_id, record.algo_cl_ord_id
    if record.sl_trigger_px is not None:
        return record._replace(linked_ord_id=done.ord_id)
    return record._replace(
        state=AlgoState.EFFECTIVE,
        ord_id=done.ord_id,
        linked_ord_id=done.ord_id,
        actual_side=TriggerSide.TP,
        actual_sz=record.sz,
        actual_px=record.tp_ord_px,
        trigger_time=ts,
    )


def amended_px_types(record: AlgoRecord, item: AlgoAmendSpec, *, swap: bool) -> AlgoRecord | Rejected:
    """The algo with an amend's new trigger price types: spot watches the last price only (51000
    naming the field, as before), a swap leg any of last, mark, index."""
    tp, sl, trigger = item.new_tp_trigger_px_type, item.new_sl_trigger_px_type, item.new_trigger_px_type
    for value, wire in (
        (tp, "newTpTriggerPxType"),
        (sl, "newSlTriggerPxType"),
        (trigger, "newTriggerPxType"),
    ):
        if value is not None and not swap and value != "last":
            return Rejected.of(Reason.PARAM_ERROR, field=wire)
    return record._replace(
        tp_trigger_px_type=tp or record.tp_trigger_px_type,
        sl_trigger_px_type=sl or record.sl_trigger_px_type,
        trigger_px_type=trigger or record.trigger_px_type,
    )
