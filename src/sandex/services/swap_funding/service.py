"""Each swap's funding rate: sampled every sandbox-clock minute, settled at its funding times.

Every minute (of the sandbox clock, so a control-API clock jump counts) the premium index of each
swap is taken from its live book (impact bid/ask for `IMPACT_VALUE` of the quote currency) against
its index, and the rate of the coming settlement is OKX's "withRate" formula over this interval's
samples. When the clock reaches a funding time, one `SettleFundingFee` command per swap and time
goes through the exchange's writer, which books every position's fee and the history row in one
commit and refuses a time it has settled before. A clock jump over several funding times settles
each of them, oldest first (at most `CATCH_UP` per swap and tick; the next tick goes on).

Samples are kept in memory only (like the index): after a restart an interval starts afresh, and
a funding time missed while no server ran is settled at the first tick. Control: set a rate,
freeze it (sampling no longer moves it), settle now (an extra settlement at the current time).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS, HOUR_MS, MINUTE_MS, Clock
from sandex.domain.derivatives.funding_rate import (
    Level,
    average_premium,
    funding_rate,
    funding_time_after,
    impact_price,
    interest_rate,
    premium_index,
)
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Instrument
from sandex.services.exchange.funding_fees import FundingRateRecord, FundingSettled
from sandex.services.exchange.swap_commands import SettleFundingFee
from sandex.services.swap_funding.ports import Books, FundingRateStore, HistoryQuery, IndexSource, SettleBus
from sandex.services.swap_funding.views import FundingRateView

log = logging.getLogger("sandex.funding_rates")

IMPACT_VALUE = Decimal(1000)  # quote currency walked into each side of the book for the premium
BOOK_LEVELS = 50
CATCH_UP = 100  # settlements per swap and tick after a clock jump
HISTORY_MS = 92 * DAY_MS  # `funding-rate-history` reaches back three months
HISTORY_LIMIT = 400


@dataclass(slots=True)
class _Swap:
    inst: Instrument
    funding_time: int  # the next settlement
    rate: Decimal
    samples: list[Decimal] = field(default_factory=list)
    premium: Decimal = Decimal(0)
    frozen: bool = False
    settling: bool = False
    sampled_minute: int = -1
    last: FundingRateRecord | None = None
    sett_rate: Decimal | None = None  # an API process's copy of the sequencer's (`follow`)

    @property
    def interval_h(self) -> int:
        assert self.inst.contract is not None
        return self.inst.contract.funding_interval_h


class FundingRateService:
    def __init__(
        self,
        catalogue: Catalogue,
        books: Books,
        index: IndexSource,
        bus: SettleBus,
        store: FundingRateStore,
        clock: Clock,
    ) -> None:
        self._catalogue = catalogue
        self._books = books
        self._index = index
        self._bus = bus
        self._store = store
        self._clock = clock
        self._swaps: dict[str, _Swap] = {}

    # --- state ---------------------------------------------------------------------------------
    def load(self) -> None:
        """Each swap's next funding time: after its last settlement (due at once if the clock passed
        it while no server ran), else the next one from now."""
        last = self._store.last_settled()
        now = self._clock.now_ms()
        swaps = {}
        for inst in self._catalogue.instruments.values():
            spec = inst.contract
            if spec is None:
                continue
            settled = last.get(inst.inst_id)
            start = now if settled is None else settled.funding_time
            rate = funding_rate(Decimal(0), interest_rate(spec.funding_interval_h), *_caps(inst))
            swap = _Swap(inst, funding_time_after(start, spec.funding_interval_h), rate, last=settled)
            swaps[inst.inst_id] = swap
        self._swaps = swaps

    def reset(self) -> None:
        """After a control wipe or restore: start again from what the database holds."""
        self.load()

    @property
    def inst_ids(self) -> list[str]:
        return list(self._swaps)

    # --- the minute samples ----------------------------------------------------------------------
    def sample(self, now: int) -> list[str]:
        """Take this minute's premium of every swap not sampled in it yet; the swaps sampled."""
        minute = now // MINUTE_MS
        done = []
        for swap in self._swaps.values():
            if swap.sampled_minute == minute:
                continue
            premium = self._premium(swap.inst)
            if premium is None:
                continue
            swap.sampled_minute, swap.premium = minute, premium
            swap.samples.append(premium)
            if not swap.frozen:
                swap.rate = self._rate_of(swap)
            done.append(swap.inst.inst_id)
        return done

    def _premium(self, inst: Instrument) -> Decimal | None:
        assert inst.contract is not None
        index = self._index.index_px(inst.contract.index_id)
        if index is None or index <= 0:
            return None
        book = self._books.depth(Environment.LIVE, inst.inst_id, BOOK_LEVELS)
        if book is None:
            return None
        size = inst.contract.ct_val * inst.contract.ct_mult
        bid = impact_price((Level(lv.px, lv.sz) for lv in book.bids), IMPACT_VALUE, size)
        ask = impact_price((Level(lv.px, lv.sz) for lv in book.asks), IMPACT_VALUE, size)
        return premium_index(bid, ask, index)

    @staticmethod
    def _rate_of(swap: _Swap) -> Decimal:
        avg = average_premium(swap.samples)
        return funding_rate(avg, interest_rate(swap.interval_h), *_caps(swap.inst))

    # --- settlements -----------------------------------------------------------------------------
    def due(self, now: int) -> list[str]:
        return [s.inst.inst_id for s in self._swaps.values() if s.funding_time <= now and not s.settling]

    async def tick(self) -> int:
        """Sample, then settle every funding time the clock has reached; answers how many settled."""
        now = self._clock.now_ms()
        self.sample(now)
        settled = 0
        for inst_id in self.due(now):
            swap = self._swaps[inst_id]
            for _ in range(CATCH_UP):
                if swap.funding_time > now:
                    break
                done = await self._settle(swap, swap.funding_time)
                if isinstance(done, Rejected):
                    break
                settled += 1
        return settled

    async def settle_now(self, inst_id: str) -> FundingSettled | Rejected:
        """Control: an extra settlement of `inst_id` at its current rate, at the current time."""
        swap = self._swaps.get(inst_id)
        if swap is None:
            return Rejected.of(Reason.INSTRUMENT_NOT_FOUND, field="instId")
        return await self._settle(swap, self._clock.now_ms(), scheduled=False)

    async def _settle(self, swap: _Swap, time: int, *, scheduled: bool = True) -> FundingSettled | Rejected:
        swap.settling = True
        try:
            result = await self._bus.submit(SettleFundingFee(swap.inst.inst_id, swap.rate, time))
        finally:
            swap.settling = False
        if isinstance(result, Rejected):
            log.warning("settling %s at %d refused: %s", swap.inst.inst_id, time, result.reason)
            return result
        assert isinstance(result, FundingSettled)
        swap.last = result.record
        if scheduled:  # a new interval: its own samples, and the rate starts from the interest
            swap.funding_time = funding_time_after(time, swap.interval_h)
            swap.samples.clear()
            if not swap.frozen:
                swap.rate = self._rate_of(swap)
        return result

    # --- control -------------------------------------------------------------------------------
    def set_rate(self, inst_id: str, rate: Decimal | None, frozen: bool | None) -> FundingRateView | Rejected:
        """Set the coming settlement's rate (within the instrument's floor and cap) and/or freeze it:
        a frozen rate is not moved by the samples until unfrozen."""
        swap = self._swaps.get(inst_id)
        if swap is None:
            return Rejected.of(Reason.INSTRUMENT_NOT_FOUND, field="instId")
        floor, cap = _caps(swap.inst)
        if rate is not None and not (rate.is_finite() and floor <= rate <= cap):
            return Rejected.of(Reason.PARAM_ERROR, field="rate")
        if frozen is not None:
            swap.frozen = frozen
        if rate is not None:
            swap.rate = rate
        elif frozen is False:
            swap.rate = self._rate_of(swap)
        return self._view(swap, self._clock.now_ms())

    # --- one state across a cluster ---------------------------------------------------------------
    def state(self) -> list[list[object]]:
        """What `public/funding-rate` shows of each swap, as JSON-ready rows (`follow` takes them)."""
        return [
            [
                inst_id,
                str(s.rate),
                s.funding_time,
                str(s.premium),
                s.settling,
                s.frozen,
                None if s.last is None else str(s.last.realized_rate),
            ]
            for inst_id, s in self._swaps.items()
        ]

    def follow(self, rows: list[list[object]]) -> None:
        """Show the sequencer's rates (an API process samples and settles nothing itself)."""
        for inst_id, rate, funding_time, premium, settling, frozen, sett_rate in rows:
            swap = self._swaps.get(str(inst_id))
            if swap is None:
                continue
            swap.rate, swap.premium = Decimal(str(rate)), Decimal(str(premium))
            swap.funding_time = int(str(funding_time))
            swap.settling, swap.frozen = bool(settling), bool(frozen)
            swap.sett_rate = None if sett_rate is None else Decimal(str(sett_rate))

    # --- reads ---------------------------------------------------------------------------------
    def current(self, inst_id: str) -> list[FundingRateView] | Rejected:
        """`public/funding-rate`: one swap, or every swap for `ANY`."""
        now = self._clock.now_ms()
        if inst_id == "ANY":
            return [self._view(s, now) for s in self._swaps.values()]
        swap = self._swaps.get(inst_id)
        if swap is None:
            return Rejected.of(Reason.INSTRUMENT_NOT_FOUND, field="instId")
        return [self._view(swap, now)]

    def history(
        self, inst_id: str, after: int | None, before: int | None, limit: int
    ) -> list[FundingRateRecord] | Rejected:
        if inst_id not in self._swaps:
            return Rejected.of(Reason.INSTRUMENT_NOT_FOUND, field="instId")
        since = self._clock.now_ms() - HISTORY_MS
        return self._store.history(inst_id, HistoryQuery(since, after, before, limit))

    def _view(self, swap: _Swap, now: int) -> FundingRateView:
        floor, cap = _caps(swap.inst)
        interval = swap.interval_h * HOUR_MS
        last = swap.last
        return FundingRateView(
            inst_id=swap.inst.inst_id,
            funding_rate=swap.rate,
            funding_time=swap.funding_time,
            next_funding_time=swap.funding_time + interval,
            min_funding_rate=floor,
            max_funding_rate=cap,
            interest_rate=interest_rate(swap.interval_h),
            impact_value=IMPACT_VALUE,
            sett_state="processing" if swap.settling else "settled",
            sett_funding_rate=(
                swap.sett_rate
                if swap.sett_rate is not None
                else last.realized_rate
                if last is not None
                else swap.rate
            ),
            premium=swap.premium,
            ts=now,
        )


def _caps(inst: Instrument) -> tuple[Decimal, Decimal]:
    assert inst.contract is not None
    return inst.contract.min_funding_rate, inst.contract.max_funding_rate
