"""The simulated market's state and its controls for tests (issue "Market data").

    control = MarketControl(board, catalogue, states)
    control.set_price("BTC-USDT", Decimal("95000"))       # InstrumentMarket | Rejected
    control.shift("BTC-USDT", Decimal("-5"), over_ms=60_000)
    control.freeze(True) / control.widen("BTC-USDT", Decimal(3)) / control.drain("BTC-USDT", Side.BUY)
    control.halt("BTC-USDT") / control.resume("BTC-USDT") / control.market("BTC-USDT") / control.reset()
    control.control(SetPrice("BTC-USDT", Decimal("95000")))  # the writer applies commands so

`MarketBoard` holds one reference price per instrument (shared by live and demo: both markets
follow the same index) and the controls tests set; a swap's reference follows its index (the spot
pair's reference) times a small seeded premium noise and any premium a control set (`SwapMarks`
keeps that and the swap's mark price); the market maker (`runtime/marketmaker.py`)
reads it every step and re-centres its quotes on it. Every change wakes the market maker at
once, so a new price shows in the book well within a second. Refusals are `Rejected` values
naming the field; a refused control changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sandex.domain.clock import DAY_MS, Clock
from sandex.domain.derivatives.contracts import ContractSpec
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Instrument, InstrumentState
from sandex.domain.marketdata.bars import UTC8_MS
from sandex.domain.marketdata.candles import Candle
from sandex.domain.marketdata.rolling import DayStats, DayWindow
from sandex.domain.matching.order import Side
from sandex.domain.simulation.walk import RandomStream, ReferencePath, volatility_for
from sandex.services.exchange.commands import (
    DrainQuotes,
    FollowPrices,
    FreezeMark,
    FreezeMarket,
    HaltInstrument,
    MarketCommand,
    ResumeInstrument,
    SetMark,
    SetPrice,
    ShiftMark,
    ShiftPrice,
    ShowMarket,
    WidenSpread,
)
from sandex.services.simulation.swaps import SwapMarks

log = logging.getLogger("sandex.market")

StreamFactory = Callable[[str], RandomStream]  # a seeded stream per name: same name, same numbers
MAX_SHIFT_MS = 7 * DAY_MS
MAX_WIDEN = Decimal(1000)
MAX_POINTS = 200_000


@dataclass(slots=True)
class Controls:
    widen: Decimal = Decimal(1)
    drained: frozenset[Side] = frozenset()


@dataclass(frozen=True, slots=True)
class InstrumentMarket:
    """One instrument's simulated market as the controls see it."""

    inst_id: str
    ref_px: Decimal
    state: InstrumentState
    widen: Decimal
    drained: tuple[Side, ...]
    shifting: bool
    frozen: bool  # the whole market is frozen
    mark_px: Decimal | None = None  # swaps: the last mark (None before the first step)
    index_px: Decimal | None = None  # swaps: the index followed (None: a spot pair)
    mark_pinned: bool = False  # swaps: a control holds the mark


@dataclass(slots=True)
class _Instrument:
    path: ReferencePath
    index: DayWindow
    controls: Controls = field(default_factory=Controls)
    version: int = 0  # bumped by every control change: the market maker rebuilds its grid


class MarketBoard:
    def __init__(self, catalogue: Catalogue, *, volatility: float, streams: StreamFactory) -> None:
        self._catalogue = catalogue
        self._volatility = volatility
        self._streams = streams
        self.frozen = False
        self._items: dict[str, _Instrument] = {}
        self._named: dict[str, RandomStream] = {}
        self.halted: set[str] = set()  # suspended instruments (the same set object for the board's life)
        self.moves = 0  # bumped whenever a reference price may have moved (market data's cache key)
        self.swaps = SwapMarks(catalogue, self.stream)
        self.reset()

    def reset(self) -> None:
        """Every price back to the catalogue's, every control off, the random streams restarted."""
        self.frozen = False
        self.halted.clear()
        self.moves += 1
        self._named = {}
        self._items = {
            inst_id: self._fresh(inst) for inst_id, inst in sorted(self._catalogue.instruments.items())
        }
        self.swaps.reset()
        self._follow_indexes()

    def _fresh(self, inst: Instrument) -> _Instrument:
        stream = self.stream(f"walk:{inst.inst_id}")
        path = ReferencePath(inst.ref_px, inst.tick_sz, volatility_for(inst, self._volatility), stream)
        return _Instrument(path, DayWindow(carry=inst.ref_px))

    def stream(self, name: str) -> RandomStream:
        """The random stream called `name` (made once per reset: its numbers go on, not repeat)."""
        found = self._named.get(name)
        if found is None:
            found = self._named[name] = self._streams(name)
        return found

    @property
    def inst_ids(self) -> list[str]:
        return list(self._items)

    def path(self, inst_id: str) -> ReferencePath:
        return self._items[inst_id].path

    def controls(self, inst_id: str) -> Controls:
        return self._items[inst_id].controls

    def version(self, inst_id: str) -> int:
        return self._items[inst_id].version

    def touch(self, inst_id: str) -> None:
        self._items[inst_id].version += 1
        self.moves += 1  # every control change (set, shift, follow) touches

    def step(self, dt_ms: int, now_ms: int) -> None:
        """Move every reference price by one step (shifts go on while frozen; noise does not); each
        swap then follows its index."""
        self.moves += 1
        for inst_id, item in self._items.items():
            if inst_id not in self.swaps.specs:
                item.path.step(dt_ms, now_ms, frozen=self.frozen)
                item.index.add(now_ms, item.path.px, Decimal(0))
        self.swaps.step(dt_ms, now_ms, frozen=self.frozen)
        self._follow_indexes()

    def _follow_indexes(self) -> None:
        for inst_id, spec in self.swaps.specs.items():
            index = self._items[spec.index_id].path
            self._items[inst_id].path.set(self.swaps.reference_of(inst_id, index.px))

    def prices(self) -> dict[str, Decimal]:
        """Every instrument's reference price now (what `follow` takes)."""
        return {inst_id: item.path.px for inst_id, item in self._items.items()}

    def marks(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Every swap's last mark and index (none before the first `update_marks`)."""
        found = {
            inst_id: (self.swaps.mark_px(inst_id), self.index_px(inst_id)) for inst_id in self.swaps.specs
        }
        return {inst_id: (m, i) for inst_id, (m, i) in found.items() if m is not None and i is not None}

    def follow(
        self, prices: Mapping[str, Decimal], marks: Mapping[str, tuple[Decimal, Decimal]], now_ms: int
    ) -> None:
        """Move to another board's prices and marks (an API process follows its sequencer's board,
        which alone steps): the index windows fill from these, as on the sequencer from its steps."""
        self.moves += 1
        for inst_id, px in prices.items():
            item = self._items.get(inst_id)
            if item is None:
                continue
            if item.path.px != px:
                item.path.set(px)
            if inst_id not in self.swaps.specs:
                item.index.add(now_ms, px, Decimal(0))
        for inst_id, (mark, index) in marks.items():
            self.swaps.follow(inst_id, mark, index, now_ms)

    def contract(self, inst_id: str) -> ContractSpec | None:
        """The swap's contract, or None for a spot pair (or an unknown id)."""
        return self.swaps.specs.get(inst_id)

    def index_px(self, inst_id: str) -> Decimal | None:
        """A spot pair's reference price (its index); for a swap, the index it follows."""
        spec = self.swaps.specs.get(inst_id)
        item = self._items.get(inst_id if spec is None else spec.index_id)
        return None if item is None else item.path.px

    def mark_px(self, inst_id: str) -> Decimal | None:
        """A swap's mark price as of the last `update_marks` (None: not a swap, or none yet)."""
        return self.swaps.mark_px(inst_id)

    def update_marks(
        self, mids: dict[str, Decimal | None], now_ms: int
    ) -> list[tuple[str, Decimal, Decimal]]:
        """Every swap's new mark from its book's mid (None: no two-sided book): `(inst_id, mark, index)`."""
        indexes = {inst_id: self._items[spec.index_id].path.px for inst_id, spec in self.swaps.specs.items()}
        self.moves += 1
        return self.swaps.update(mids, indexes, now_ms)

    def index_minutes(self, inst_id: str, now_ms: int) -> list[Candle] | None:
        """The index's 1-minute candles over the last 24 h, oldest first (None: not an index)."""
        item = self._items.get(inst_id)
        return None if item is None or inst_id in self.swaps.specs else item.index.minutes(now_ms)

    def index_stats(self, inst_id: str, now_ms: int) -> tuple[DayStats, Decimal, Decimal] | None:
        """24 h open/high/low of the index and its price at the start of the UTC and UTC+8 days."""
        item = self._items.get(inst_id)
        if item is None or inst_id in self.swaps.specs:
            return None
        window = item.index
        stats = window.stats(now_ms)
        px = item.path.px
        if stats is None:
            return DayStats(px, px, px, Decimal(0), Decimal(0)), px, px
        return stats, _sod(window, now_ms, 0) or px, _sod(window, now_ms, UTC8_MS) or px


def _sod(window: DayWindow, now_ms: int, offset_ms: int) -> Decimal | None:
    day_start = (now_ms + offset_ms) // DAY_MS * DAY_MS - offset_ms
    return window.sod(day_start, now_ms)


class MarketControl:
    def __init__(
        self, board: MarketBoard, catalogue: Catalogue, states: InstrumentStates | None, clock: Clock
    ) -> None:
        self._board = board
        self._catalogue = catalogue
        self._states = states
        self._clock = clock
        self._listeners: list[Callable[[], None]] = []

    @property
    def board(self) -> MarketBoard:
        return self._board

    def control(self, command: MarketCommand) -> list[InstrumentMarket] | Rejected:
        """Apply a market command (the exchange core's `MarketControls` port): the instruments it
        touched as they are now (every one for freeze, unfreeze and a bare show), or why not."""
        match command:
            case FreezeMarket(frozen):
                return self.freeze(frozen)
            case ShowMarket(""):
                return self.markets()
            case _:
                outcome = self._one(command)
                return outcome if isinstance(outcome, Rejected) else [outcome]

    def _one(self, command: InstrumentCommand) -> InstrumentMarket | Rejected:
        match command:
            case SetPrice(inst_id, px):
                return self.set_price(inst_id, px)
            case ShiftPrice(inst_id, pct, over_ms):
                return self.shift(inst_id, pct, over_ms)
            case FollowPrices(inst_id, points):
                return self.follow(inst_id, points)
            case WidenSpread(inst_id, factor):
                return self.widen(inst_id, factor)
            case DrainQuotes(inst_id, side):
                return self.drain(inst_id, side)
            case HaltInstrument(inst_id):
                return self.halt(inst_id)
            case ResumeInstrument(inst_id):
                return self.resume(inst_id)
            case ShowMarket(inst_id):
                return self.market(inst_id)
            case SetMark() | ShiftMark() | FreezeMark():
                return self._mark_control(command)

    def _mark_control(self, command: SetMark | ShiftMark | FreezeMark) -> InstrumentMarket | Rejected:
        match command:
            case SetMark(inst_id, px):
                return self.set_mark(inst_id, px)
            case ShiftMark(inst_id, pct, over_ms):
                return self.shift_mark(inst_id, pct, over_ms)
            case FreezeMark(inst_id, frozen):
                return self.freeze_mark(inst_id, frozen)

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every change (the market maker re-quotes at once)."""
        self._listeners.append(listener)

    # --- prices ----------------------------------------------------------------------------------
    def set_price(self, inst_id: str, px: Decimal) -> InstrumentMarket | Rejected:
        """Jump the reference price to `px` (rounded to the tick); the book re-centres on it."""
        if (refused := self._unknown(inst_id)) is not None:
            return refused
        if not px.is_finite() or px <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="px")
        index = self._swap_index(inst_id)
        if index is not None:  # a swap: its premium over the index moves
            self._board.swaps.set_premium(inst_id, px, index)
        else:
            self._board.path(inst_id).set(px)
        return self._changed(inst_id, f"price set to {px}")

    def shift(self, inst_id: str, pct: Decimal, over_ms: int = 0) -> InstrumentMarket | Rejected:
        """Move the reference price by `pct` percent, linearly over `over_ms` (0: at once)."""
        if (refused := self._unknown(inst_id)) is not None:
            return refused
        if not pct.is_finite() or pct <= -100 or pct > 10_000:
            return Rejected.of(Reason.PARAM_ERROR, field="pct")
        if not 0 <= over_ms <= MAX_SHIFT_MS:
            return Rejected.of(Reason.PARAM_ERROR, field="over_ms")
        if self._swap_index(inst_id) is not None:
            self._board.swaps.shift_premium(inst_id, 1 + pct / 100, self._clock.now_ms(), over_ms)
        else:
            self._board.path(inst_id).shift(1 + pct / 100, self._clock.now_ms(), over_ms)
        return self._changed(inst_id, f"shift {pct}% over {over_ms} ms")

    def follow(self, inst_id: str, points: Sequence[tuple[int, Decimal]]) -> InstrumentMarket | Rejected:
        """Follow imported prices: `(ms from now, price)` points in time order (`sandex market import`)."""
        if (refused := self._unknown(inst_id)) is not None:
            return refused
        if self._swap_index(inst_id) is not None:  # swaps follow their index: import that instead
            return Rejected.of(Reason.PARAM_ERROR, field="inst_id")
        if not points or len(points) > MAX_POINTS:
            return Rejected.of(Reason.PARAM_ERROR, field="points")
        offsets = [offset for offset, _ in points]
        if (
            offsets[0] < 0
            or offsets != sorted(offsets)
            or any(not px.is_finite() or px <= 0 for _, px in points)
        ):
            return Rejected.of(Reason.PARAM_ERROR, field="points")
        now = self._clock.now_ms()
        self._board.path(inst_id).follow([(now + offset, px) for offset, px in points])
        return self._changed(inst_id, f"following {len(points)} imported prices")

    def freeze(self, on: bool = True) -> list[InstrumentMarket]:
        """Stop (or restart) every random move and the simulated taker flow; quotes stay."""
        self._board.frozen = on
        log.info("market %s", "frozen" if on else "unfrozen")
        self._notify()
        return self.markets()

    # --- marks of swaps -------------------------------------------------------------------------
    def set_mark(self, inst_id: str, px: Decimal) -> InstrumentMarket | Rejected:
        """Hold a swap's mark at `px` (rounded to the tick) from the next market step on."""
        if (refused := self._not_swap(inst_id)) is not None:
            return refused
        if not px.is_finite() or px <= 0:
            return Rejected.of(Reason.PARAM_ERROR, field="px")
        self._board.swaps.pin(inst_id, px)
        return self._changed(inst_id, f"mark held at {px}")

    def shift_mark(self, inst_id: str, pct: Decimal, over_ms: int = 0) -> InstrumentMarket | Rejected:
        """Move a swap's mark by `pct` percent, linearly over `over_ms` (0: at once); it then holds."""
        if (refused := self._not_swap(inst_id)) is not None:
            return refused
        if not pct.is_finite() or pct <= -100 or pct > 10_000:
            return Rejected.of(Reason.PARAM_ERROR, field="pct")
        if not 0 <= over_ms <= MAX_SHIFT_MS:
            return Rejected.of(Reason.PARAM_ERROR, field="over_ms")
        self._board.swaps.shift_mark(inst_id, 1 + pct / 100, self._clock.now_ms(), over_ms)
        return self._changed(inst_id, f"mark shift {pct}% over {over_ms} ms")

    def freeze_mark(self, inst_id: str, frozen: bool) -> InstrumentMarket | Rejected:
        if (refused := self._not_swap(inst_id)) is not None:
            return refused
        self._board.swaps.freeze_mark(inst_id, frozen)
        return self._changed(inst_id, "mark held" if frozen else "mark follows the index")

    def _swap_index(self, inst_id: str) -> Decimal | None:
        """A swap's index price now; None for a spot pair."""
        return None if self._board.contract(inst_id) is None else self._board.index_px(inst_id)

    def _not_swap(self, inst_id: str) -> Rejected | None:
        if (refused := self._unknown(inst_id)) is not None:
            return refused
        if self._board.contract(inst_id) is None:
            return Rejected.of(Reason.PARAM_ERROR, field="inst_id")
        return None

    # --- liquidity -------------------------------------------------------------------------------
    def widen(self, inst_id: str, factor: Decimal) -> InstrumentMarket | Rejected:
        """Spread and level spacing times `factor` (1 = normal)."""
        if (refused := self._unknown(inst_id)) is not None:
            return refused
        if not factor.is_finite() or factor <= 0 or factor > MAX_WIDEN:
            return Rejected.of(Reason.PARAM_ERROR, field="factor")
        self._board.controls(inst_id).widen = factor
        return self._changed(inst_id, f"spread x{factor}")

    def drain(self, inst_id: str, side: Side | None) -> InstrumentMarket | Rejected:
        """Withdraw the market maker's quotes on `side` (both sides add up); None restores them."""
        if (refused := self._unknown(inst_id)) is not None:
            return refused
        controls = self._board.controls(inst_id)
        controls.drained = frozenset() if side is None else controls.drained | {side}
        return self._changed(inst_id, f"drained {sorted(controls.drained) or 'nothing'}")

    def halt(self, inst_id: str) -> InstrumentMarket | Rejected:
        """State `suspend`: new orders are refused (51155) and the market maker withdraws."""
        return self._set_halted(inst_id, True)

    def resume(self, inst_id: str) -> InstrumentMarket | Rejected:
        return self._set_halted(inst_id, False)

    def _set_halted(self, inst_id: str, halted: bool) -> InstrumentMarket | Rejected:
        if (refused := self._unknown(inst_id)) is not None:
            return refused
        if halted:
            self._board.halted.add(inst_id)
        else:
            self._board.halted.discard(inst_id)
        if self._states is not None:
            self._states.set_state(inst_id, InstrumentState.SUSPEND if halted else InstrumentState.LIVE)
        return self._changed(inst_id, "halted" if halted else "resumed")

    # --- reading and reset -----------------------------------------------------------------------
    def market(self, inst_id: str) -> InstrumentMarket | Rejected:
        if (refused := self._unknown(inst_id)) is not None:
            return refused
        board = self._board
        path, controls = board.path(inst_id), board.controls(inst_id)
        state = (
            InstrumentState.SUSPEND if inst_id in board.halted else self._catalogue.instruments[inst_id].state
        )
        swap = board.contract(inst_id) is not None
        return InstrumentMarket(
            inst_id,
            path.px,
            state,
            controls.widen,
            tuple(sorted(controls.drained)),
            path.shifting,
            board.frozen,
            board.mark_px(inst_id),
            board.index_px(inst_id) if swap else None,
            board.swaps.pinned(inst_id),
        )

    def markets(self) -> list[InstrumentMarket]:
        return [
            m for inst_id in self._board.inst_ids if isinstance(m := self.market(inst_id), InstrumentMarket)
        ]

    def reset(self) -> None:
        """Back to the start: catalogue prices, no controls, nothing halted, the same random streams."""
        halted = sorted(self._board.halted)
        self._board.reset()
        if self._states is not None:
            for inst_id in halted:
                self._states.set_state(inst_id, InstrumentState.LIVE)
        self._notify()

    # --- internals -------------------------------------------------------------------------------
    def _unknown(self, inst_id: str) -> Rejected | None:
        return (
            None if self._catalogue.instrument(inst_id) is not None else Rejected(Reason.INSTRUMENT_NOT_FOUND)
        )

    def _changed(self, inst_id: str, what: str) -> InstrumentMarket | Rejected:
        self._board.touch(inst_id)
        log.info("market %s: %s", inst_id, what)
        self._notify()
        return self.market(inst_id)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()


InstrumentCommand = (
    SetPrice
    | ShiftPrice
    | FollowPrices
    | WidenSpread
    | DrainQuotes
    | HaltInstrument
    | ResumeInstrument
    | ShowMarket
    | SetMark
    | ShiftMark
    | FreezeMark
)


class InstrumentStates(Protocol):
    def set_state(self, inst_id: str, state: InstrumentState) -> None:
        """Change an instrument's state everywhere orders are checked and instruments listed."""
        ...
