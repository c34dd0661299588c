"""Public derivatives data of the simulated market: mark prices, price limits, position tiers, open
interest and mark-price candles (OKX `public/mark-price`, `price-limit`, `position-tiers`,
`open-interest`, `market/mark-price-candles`).

Marks come from the board (`services/simulation/swaps.py`, computed every market step); before the
first step a swap's mark is its index. Mark-price candles are the board's per-step samples folded
into 1-minute candles over the last 24 h (not stored, like index candles), so both candle
endpoints reach back a day at most.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import ContractSpec, Tier
from sandex.domain.derivatives.marks import PriceLimit, limit_band, price_limit
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Instrument
from sandex.domain.marketdata.candles import Candle, merge
from sandex.services.marketdata.ports import CandleView
from sandex.services.marketdata.reference import CandleWindow
from sandex.services.simulation.board import MarketBoard

_ZERO = Decimal(0)
OI_FRESH_S = 1.0  # open interest is read from storage at most this often per environment


class OpenInterestReads(Protocol):
    """Contracts open per swap (one side), from committed positions (`ExchangeStore` has this)."""

    def open_interest(self, environment: Environment, inst_ids: Collection[str]) -> dict[str, Decimal]: ...


@dataclass(frozen=True, slots=True)
class MarkView:
    inst_id: str
    inst_type: str
    mark_px: Decimal
    ts: int


@dataclass(frozen=True, slots=True)
class PriceLimitView:
    inst_id: str
    inst_type: str
    limit: PriceLimit
    ts: int


@dataclass(frozen=True, slots=True)
class TierView:
    inst_id: str
    family: str
    tier: Tier


@dataclass(frozen=True, slots=True)
class OpenInterestView:
    inst_id: str
    inst_type: str
    oi: Decimal  # contracts
    oi_ccy: Decimal  # in the contracts' coin
    oi_usd: Decimal
    ts: int


class Derivatives:
    def __init__(
        self,
        catalogue: Catalogue,
        board: MarketBoard,
        now: Callable[[], int],
        open_interest: OpenInterestReads | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._board = board
        self._now = now
        self.open_interest_source = open_interest  # None: nothing is open (no positions stored)
        self._oi: dict[Environment, tuple[float, dict[str, Decimal]]] = {}
        self._oi_lock = threading.Lock()

    def _open_contracts(self, env: Environment) -> dict[str, Decimal]:
        """Every swap's open contracts, read at most once a second (REST and WS poll it)."""
        source = self.open_interest_source
        if source is None:
            return {}
        with self._oi_lock:
            cached = self._oi.get(env)
            if cached is not None and time.monotonic() - cached[0] < OI_FRESH_S:
                return cached[1]
            swaps = [i for i, inst in self._catalogue.instruments.items() if inst.contract is not None]
            found = source.open_interest(env, swaps)
            self._oi[env] = (time.monotonic(), found)
            return found

    def swaps(self, family: str | None = None, inst_id: str | None = None) -> list[Instrument] | Rejected:
        """The swaps asked for: one (`inst_id`, 51001 if it is not a swap), else those of `family`."""
        if inst_id is not None:
            inst = self._catalogue.instrument(inst_id)
            if inst is None or inst.contract is None:
                return Rejected(Reason.INSTRUMENT_NOT_FOUND)
            return [inst] if family is None or inst.contract.inst_family == family else []
        return [
            i
            for i in self._catalogue.instruments.values()
            if i.contract is not None and (family is None or i.contract.inst_family == family)
        ]

    def families(self) -> set[str]:
        return {
            i.contract.inst_family for i in self._catalogue.instruments.values() if i.contract is not None
        }

    def mark(self, inst: Instrument) -> Decimal:
        """The swap's mark now (its index before the first market step)."""
        found = self._board.mark_px(inst.inst_id)
        if found is not None:
            return found
        index = self._board.index_px(inst.inst_id)
        return inst.ref_px if index is None else index

    def marks(self, family: str | None = None, inst_id: str | None = None) -> list[MarkView] | Rejected:
        found = self.swaps(family, inst_id)
        if isinstance(found, Rejected):
            return found
        now = self._now()
        return [MarkView(i.inst_id, _type(i), self.mark(i), now) for i in found]

    def price_limit(self, inst_id: str) -> PriceLimitView | Rejected:
        found = self.swaps(None, inst_id)
        if isinstance(found, Rejected):
            return found
        inst = found[0]
        spec = _spec(inst)
        limit = price_limit(self.mark(inst), limit_band(spec), inst.tick_sz)
        return PriceLimitView(inst.inst_id, _type(inst), limit, self._now())

    def tiers(self, families: list[str], tier: int | None = None) -> list[TierView]:
        out: list[TierView] = []
        for inst in self._catalogue.instruments.values():
            spec = inst.contract
            if spec is None or spec.inst_family not in families:
                continue
            out.extend(
                TierView(inst.inst_id, spec.inst_family, t) for t in spec.tiers if tier in (None, t.tier)
            )
        return out

    def open_interest(
        self, env: Environment, family: str | None = None, inst_id: str | None = None
    ) -> list[OpenInterestView] | Rejected:
        found = self.swaps(family, inst_id)
        if isinstance(found, Rejected):
            return found
        now = self._now()
        contracts = self._open_contracts(env)
        out = []
        for inst in found:
            spec = _spec(inst)
            oi = contracts.get(inst.inst_id, _ZERO)
            coins = oi * spec.ct_val * spec.ct_mult
            usd = (coins * self.mark(inst)).quantize(Decimal("0.01"))
            out.append(OpenInterestView(inst.inst_id, _type(inst), oi, coins, usd, now))
        return out

    def mark_candles(self, inst_id: str, window: CandleWindow) -> list[CandleView] | Rejected:
        """The mark's candles of `window.bar`, newest first."""
        found = self.swaps(None, inst_id)
        if isinstance(found, Rejected):
            return found
        now = self._now()
        minutes = self._board.swaps.mark_minutes(inst_id, now) or []
        if not minutes:  # never marked yet: the mark as it stands, in the bar now running
            start = window.bar.open_of(now)
            minutes = [Candle(start, window.bar.next_open(start), self.mark(found[0]))]
        bar = window.bar
        chosen = [c for c in reversed(merge(minutes, bar)) if _inside(c.ts, window)][: window.limit]
        return [
            CandleView(c.ts, c.o, c.h, c.l, c.c, _ZERO, _ZERO, now >= bar.next_open(c.ts)) for c in chosen
        ]


def _spec(inst: Instrument) -> ContractSpec:
    assert inst.contract is not None  # `swaps` lists contracts only
    return inst.contract


def _type(inst: Instrument) -> str:
    return _spec(inst).inst_type.value


def _inside(ts: int, window: CandleWindow) -> bool:
    return (window.after is None or ts < window.after) and (window.before is None or ts > window.before)
