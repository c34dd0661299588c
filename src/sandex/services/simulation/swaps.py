"""The simulated market's swaps: where each one's book is centred and what its mark price is.

* Reference (the book's centre): index × (1 + premium noise) × control premium. The noise is a
  seeded mean-reverting walk (stationary spread about `NOISE_SD`, half-life about `NOISE_HALF_LIFE`
  steps), so a swap trades close to, but not exactly at, its index; `SetPrice`/`ShiftPrice` on a
  swap move the control premium (the index stays).
* Mark: `domain/derivatives/marks.py` (index + averaged basis of the book's mid, clamped) at every
  market step, unless a control pinned it: `SetMark` jumps it, `ShiftMark` moves it along a line,
  `FreezeMark` holds it (or, off, lets the formula take over again). The basis average keeps
  running under a pin.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sandex.domain.derivatives.contracts import ContractSpec
from sandex.domain.derivatives.marks import mark_px, next_basis, to_tick
from sandex.domain.instruments import Catalogue
from sandex.domain.marketdata.candles import Candle
from sandex.domain.marketdata.rolling import DayWindow
from sandex.domain.simulation.walk import RandomStream, ReferencePath

NOISE_SD = 0.0002  # 0.02 %: the premium noise's stationary standard deviation
NOISE_HALF_LIFE = 30  # steps
_REVERT = 1 - 0.5 ** (1 / NOISE_HALF_LIFE)
_STEP_SD = NOISE_SD * math.sqrt(1 - (1 - _REVERT) ** 2)
_FACTOR_TICK = Decimal("0.000000001")


@dataclass(slots=True)
class _Swap:
    spec: ContractSpec
    tick: Decimal
    stream: RandomStream
    premium: ReferencePath  # the control premium as a factor (1 = none)
    noise: float = 0.0
    basis: Decimal | None = None  # the averaged basis (None before the first step)
    mark: Decimal | None = None
    index: Decimal | None = None
    pin: ReferencePath | None = None  # the mark a control holds
    marks: DayWindow = field(default_factory=DayWindow)


class SwapMarks:
    def __init__(self, catalogue: Catalogue, streams: Callable[[str], RandomStream]) -> None:
        self._catalogue = catalogue
        self._streams = streams
        self.specs: dict[str, ContractSpec] = {
            inst.inst_id: inst.contract
            for inst in catalogue.instruments.values()
            if inst.contract is not None
        }
        self._swaps: dict[str, _Swap] = {}

    def reset(self) -> None:
        """No premium, no pin, no mark yet; the noise streams start over (the board reset them)."""
        self._swaps = {inst_id: self._fresh(inst_id, spec) for inst_id, spec in sorted(self.specs.items())}

    def _fresh(self, inst_id: str, spec: ContractSpec) -> _Swap:
        stream = self._streams(f"premium:{inst_id}")
        tick = self._catalogue.instruments[inst_id].tick_sz
        return _Swap(spec, tick, stream, ReferencePath(Decimal(1), _FACTOR_TICK, 0.0, stream))

    # --- the book's centre ---------------------------------------------------------------------
    def step(self, dt_ms: int, now_ms: int, *, frozen: bool) -> None:
        for swap in self._swaps.values():
            swap.premium.step(dt_ms, now_ms)
            if swap.pin is not None:
                swap.pin.step(dt_ms, now_ms)
            if not frozen:
                swap.noise += -_REVERT * swap.noise + swap.stream.gauss(0.0, _STEP_SD)

    def reference_of(self, inst_id: str, index: Decimal) -> Decimal:
        """Where the swap's book is centred now, given its index."""
        swap = self._swaps[inst_id]
        factor = float(swap.premium.px) * (1 + swap.noise)
        return max(swap.tick, to_tick(index * Decimal(repr(factor)), swap.tick, ROUND_HALF_UP))

    def set_premium(self, inst_id: str, px: Decimal, index: Decimal) -> None:
        """Make the reference `px` now (the premium over the index and noise stays)."""
        swap = self._swaps[inst_id]
        swap.premium.set(px / (index * Decimal(repr(1 + swap.noise))))

    def shift_premium(self, inst_id: str, factor: Decimal, now_ms: int, over_ms: int) -> None:
        self._swaps[inst_id].premium.shift(factor, now_ms, over_ms)

    # --- marks ---------------------------------------------------------------------------------
    def update(
        self, mids: dict[str, Decimal | None], indexes: dict[str, Decimal], now_ms: int
    ) -> list[tuple[str, Decimal, Decimal]]:
        out = []
        for inst_id, swap in self._swaps.items():
            index = indexes[inst_id]
            swap.basis = next_basis(swap.basis, mids.get(inst_id), index)
            if swap.pin is not None:
                mark = max(swap.tick, to_tick(swap.pin.px, swap.tick, ROUND_HALF_UP))
            else:
                mark = mark_px(index, swap.basis, swap.tick)
            swap.mark, swap.index = mark, index
            swap.marks.add(now_ms, mark, Decimal(0))
            out.append((inst_id, mark, index))
        return out

    def follow(self, inst_id: str, mark: Decimal, index: Decimal, now_ms: int) -> None:
        """Take another board's mark (an API process follows its sequencer's board)."""
        swap = self._swaps.get(inst_id)
        if swap is not None:
            swap.mark, swap.index = mark, index
            swap.marks.add(now_ms, mark, Decimal(0))

    def mark_px(self, inst_id: str) -> Decimal | None:
        swap = self._swaps.get(inst_id)
        return None if swap is None else swap.mark

    def pinned(self, inst_id: str) -> bool:
        swap = self._swaps.get(inst_id)
        return swap is not None and swap.pin is not None

    def pin(self, inst_id: str, px: Decimal) -> None:
        """Hold the mark at `px` (`SetMark`)."""
        swap = self._swaps[inst_id]
        swap.pin = ReferencePath(px, swap.tick, 0.0, swap.stream)

    def shift_mark(self, inst_id: str, factor: Decimal, now_ms: int, over_ms: int) -> None:
        """Move the mark to `factor` times where it is, linearly over `over_ms` (`ShiftMark`)."""
        swap = self._swaps[inst_id]
        if swap.pin is None:
            self.pin(inst_id, swap.mark or self._catalogue.instruments[inst_id].ref_px)
        assert swap.pin is not None
        swap.pin.shift(factor, now_ms, over_ms)

    def freeze_mark(self, inst_id: str, frozen: bool) -> None:
        """Hold the mark where it is, or (False) hand it back to the formula."""
        swap = self._swaps[inst_id]
        if not frozen:
            swap.pin = None
        elif swap.pin is None:
            self.pin(inst_id, swap.mark or self._catalogue.instruments[inst_id].ref_px)
        else:
            swap.pin = ReferencePath(swap.pin.px, swap.tick, 0.0, swap.stream)  # a shift stops

    def mark_minutes(self, inst_id: str, now_ms: int) -> list[Candle] | None:
        """The mark's 1-minute candles over the last 24 h (None: not a swap)."""
        swap = self._swaps.get(inst_id)
        return None if swap is None else swap.marks.minutes(now_ms)
