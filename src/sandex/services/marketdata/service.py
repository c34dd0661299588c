"""Public market data from committed state (OKX `market/*`), per environment (live and demo).

    data.tickers(env) / data.ticker(env, "BTC-USDT")              # TickerView | Rejected
    data.book(env, "BTC-USDT", 5) / data.full_book(env, ..., 5000) # BookView | Rejected
    await data.candles(env, "BTC-USDT", bar, after=None, before=None, limit=100, history=False)
    await data.trades(env, "BTC-USDT", 100) / await data.history_trades(env, ..., by_ts=False, ...)
    data.index_tickers(quote_ccy="USDT") / data.index_tickers(inst_id="BTC-USDT")
    data.index_candles("BTC-USDT", CandleWindow(bar, after, before, limit)) / data.platform_volume(env)

Where each answer comes from:
* Books: a snapshot of the engine's book taken when the sequencer publishes a commit (so it is
  exactly the committed state), for the best 50-400 levels (deeper when a reader asks for more);
  `books-full` beyond that reads the engine directly.
* Tickers: the last trade and a 24 h window of 1-minute candles, fed by the trades the sequencer
  publishes after each commit (`on_trades`), plus the best bid/ask of the book snapshot.
* Candles: every bar but `1s` is aggregated as trades arrive and written to storage about once a
  second (`take_flush`/`flushed`, run by `runtime/candles.py`); reads merge storage with what is
  still in memory. Storage also keeps, per environment, the id of the last trade folded in, so a
  restart replays the trades that happened after the last write: candles always equal the tape.
  `1s` candles are built from the trades table on request. `candles` serves the newest 1,440
  candles of a bar, `history-candles` everything stored (backfilled history included).
* Trades: the trades table (the public tape A's sequencer writes in the same commit as the fills).

Versions: every (environment, instrument) carries a number that changes whenever its tape or its
book snapshot does (`versioned_book`, `ticker_stamp`, `tickers_stamp`), so a transport may keep
what it rendered and render again only after a committed change.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS, MINUTE_MS, Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Instrument
from sandex.domain.marketdata.bars import MINUTE, SECOND, TRADE_BARS, UTC8_MS, Bar
from sandex.domain.marketdata.candles import Candle, CandleValues, aggregate
from sandex.domain.marketdata.rolling import WINDOW_MINUTES, DayStats, DayWindow
from sandex.services.exchange.events import OrdersChanged, TradesHappened
from sandex.services.exchange.records import TradeRecord
from sandex.services.marketdata.derivatives import Derivatives
from sandex.services.marketdata.ports import (
    BookSource,
    BookView,
    CandleQuery,
    CandleView,
    IndexTickerView,
    MarketStore,
    PublicTrade,
    ReplayTrade,
    StoredCandle,
    TickerView,
    TradeQuery,
)
from sandex.services.marketdata.reference import CandleWindow, PlatformVolume, index_candles, platform_volume
from sandex.services.marketdata.tape import Key, Tape
from sandex.services.simulation.board import MarketBoard

MAX_CANDLES = 1440  # `candles` serves only the newest 1,440 candles of a bar (OKX)
BOOK_MAX = 400  # `books` sz
FULL_BOOK_MAX = 5000  # `books-full` sz
SNAPSHOT_MIN = 50  # levels per side kept in each committed snapshot (grows up to BOOK_MAX on demand)
REPLAY_PAGE = 20_000
SECOND_TRADES_MAX = 5000  # trades read to build `1s` candles


@dataclass(slots=True)
class Flush:
    """Candles (and the trade marks they include) to write in one transaction."""

    rows: list[StoredCandle]
    marks: dict[Environment, int]
    taken: list[tuple[Tape, dict[Key, CandleValues]]] = field(default_factory=list)


class MarketData:
    def __init__(
        self, catalogue: Catalogue, store: MarketStore, books: BookSource, board: MarketBoard, clock: Clock
    ) -> None:
        self._catalogue = catalogue
        self._store = store
        self._books = books
        self._board = board
        self._clock = clock
        self._tapes: dict[tuple[Environment, str], Tape] = {}
        self._marks: dict[Environment, int] = {}
        self._written_marks: dict[Environment, int] = {}
        self._snapshots: dict[tuple[Environment, str], BookView] = {}
        self._snapshot_depths: dict[tuple[Environment, str], int] = {}  # levels each snapshot was taken with
        self._depth = SNAPSHOT_MIN
        self._counter = itertools.count(1)  # never restarts: a reload cannot repeat a version
        self._versions: dict[tuple[Environment, str], int] = {}  # bumped by a fold or a snapshot
        self._env_versions: dict[Environment, int] = {}  # the newest of the environment's versions
        self._env_facts: dict[Environment, _EnvFacts] = {}
        self.derivatives = Derivatives(catalogue, board, clock.now_ms)  # marks, limits, tiers, OI
        self._fresh()

    def _fresh(self) -> None:
        self._tapes = {
            (env, i.inst_id): Tape(i) for env in Environment for i in self._catalogue.instruments.values()
        }
        self._marks = {env: 0 for env in Environment}
        self._written_marks = dict(self._marks)
        self._snapshots = {}
        self._snapshot_depths = {}
        self._versions = {key: next(self._counter) for key in self._tapes}
        self._env_versions = {env: next(self._counter) for env in Environment}
        self._env_facts = {}

    def _touch(self, env: Environment, inst_id: str) -> None:
        self._versions[(env, inst_id)] = self._env_versions[env] = next(self._counter)

    # --- feeding ---------------------------------------------------------------------------------
    def load(self) -> None:
        """(Re)build from storage; blocking (database). Run before trades flow, or with them paused."""
        self._fresh()
        now = self._clock.now_ms()
        for env in Environment:
            self._load_environment(env, now)

    def _load_environment(self, env: Environment, now: int) -> None:
        store = self._store
        mark = store.candle_mark(env)
        # each instrument's oldest trade the stored candles miss (one index probe apiece)
        unfolded = {
            i: page[0][2]
            for i in self._catalogue.instruments
            if (page := store.trades_after(env, i, mark, 1))
        }
        start = min([now, *unfolded.values()])
        for bar in TRADE_BARS:
            for inst_id, values in store.candles_at(env, bar.name, bar.open_of(start)).items():
                if (tape := self._tapes.get((env, inst_id))) is not None:
                    tape.current[bar.name] = values.candle(bar)
        minutes = store.minutes_since(env, MINUTE.open_of(now) - (WINDOW_MINUTES - 1) * MINUTE_MS)
        for inst_id, last in store.last_trades(env, self._catalogue.instruments).items():
            if (tape := self._tapes.get((env, inst_id))) is not None:
                tape.last = last
        for (tape_env, inst_id), tape in self._tapes.items():
            if tape_env is env:
                tape.day = DayWindow(carry=None if tape.last is None else tape.last.px)
                tape.day.load((v.candle(MINUTE) for v in minutes.get(inst_id, [])), now)
        self._marks[env] = self._written_marks[env] = mark
        for inst_id in unfolded:
            replay = store.trades_after(env, inst_id, mark, REPLAY_PAGE)
            while replay:
                self._replay(env, replay)
                more = len(replay) == REPLAY_PAGE
                replay = store.trades_after(env, inst_id, replay[-1][0], REPLAY_PAGE) if more else []

    def _replay(self, env: Environment, trades: list[ReplayTrade]) -> None:
        """`_fold` for the start-up: the trades stored after the mark (those the last candle write
        did not cover; a page of one instrument's) are grouped into runs that fold into the same
        candles (a minute each), and each run is folded once into every bar (`Tape.absorb`): a
        tenth of the cost of folding them one by one into the 20-odd bars. (`last_trades` set each
        tape's last.)"""
        tapes, runs = self._tapes, dict[str, Candle]()
        for _trade_id, inst_id, ts, px, sz in trades:
            run = runs.get(inst_id)
            if run is None or ts >= run.end:
                if run is not None and (tape := tapes.get((env, inst_id))) is not None:
                    tape.absorb(run)
                run = runs[inst_id] = Candle.of(MINUTE, ts, px)
            run.fold(px, sz)
        for inst_id, run in runs.items():
            if (tape := tapes.get((env, inst_id))) is not None:
                tape.absorb(run)
        self._marks[env] = max(self._marks[env], trades[-1][0])

    def on_trades(self, event: TradesHappened) -> None:
        """Committed trades (the hub calls this after each group commit)."""
        self._fold(event.environment, event.trades)

    def _fold(self, env: Environment, trades: Iterable[TradeRecord]) -> None:
        tapes, mark = self._tapes, self._marks[env]
        for trade in trades:
            tape = tapes.get((env, trade.inst_id))
            if tape is not None:
                tape.fold(trade)
                self._touch(env, trade.inst_id)
            mark = max(mark, trade.trade_id)
        self._marks[env] = mark

    def on_orders(self, event: OrdersChanged) -> None:
        """Orders changed in a commit: snapshot their books now, while the engine shows that commit."""
        env = event.environment
        for inst_id in {u.order.inst_id for u in event.updates}:
            self._snapshot(env, inst_id)

    def _snapshot(self, env: Environment, inst_id: str) -> BookView | None:
        view = self._books.depth(env, inst_id, self._depth)
        if view is not None:
            self._snapshots[(env, inst_id)] = view
            self._snapshot_depths[(env, inst_id)] = self._depth
            self._touch(env, inst_id)
        return view

    # --- writing candles ---------------------------------------------------------------------------
    def take_flush(self) -> Flush | None:
        """What changed since the last write, or None. Call `flushed` once it is written (or failed)."""
        flush = Flush([], dict(self._marks))
        for (env, inst_id), tape in self._tapes.items():
            if not tape.pending:
                continue
            taken = tape.take()
            flush.taken.append((tape, taken))
            flush.rows.extend(StoredCandle(env, inst_id, bar, values) for (bar, _), values in taken.items())
        if not flush.rows and flush.marks == self._written_marks:
            return None
        return flush

    def flushed(self, flush: Flush, ok: bool) -> None:
        for tape, taken in flush.taken:
            tape.written(taken, ok)
        if ok:
            self._written_marks = flush.marks

    # --- tickers and books -------------------------------------------------------------------------
    def last_price(self, inst_id: str, env: Environment = Environment.LIVE) -> Decimal | None:
        """The last price traded (or of the newest stored candle); None before any."""
        tape = self._tapes.get((env, inst_id))
        return None if tape is None else tape.price()

    def tickers(
        self, env: Environment, now: int | None = None, inst_type: str = "SPOT", family: str | None = None
    ) -> list[TickerView]:
        now = self._clock.now_ms() if now is None else now
        return [self._ticker(env, inst_id, now) for inst_id in self.ticker_ids(inst_type, family)]

    def ticker_ids(self, inst_type: str = "SPOT", family: str | None = None) -> list[str]:
        """The instruments `tickers` lists for `inst_type` (and a derivatives family), in its order."""
        return [
            i.inst_id
            for i in self._catalogue.instruments.values()
            if i.inst_type == inst_type and (family is None or _family(i) == family)
        ]

    def ticker(self, env: Environment, inst_id: str, now: int | None = None) -> TickerView | Rejected:
        if self._catalogue.instrument(inst_id) is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        return self._ticker(env, inst_id, self._clock.now_ms() if now is None else now)

    def ticker_stamp(self, env: Environment, inst_id: str, now: int) -> Hashable | None:
        """Equal stamps promise equal tickers but for `ts` (a rendering cache key); None: do not keep.

        A ticker changes with its tape and book snapshot (the version), the minute (the 24 h window
        and the start of day move by minutes) and, before the first trade, the index price (the
        board's `moves`).
        """
        key = (env, inst_id)
        tape = self._tapes.get(key)
        if tape is None or key not in self._snapshots:  # unknown, or no book yet: `_ticker` retries it
            return None
        index = self._board.moves if tape.price() is None else None
        return (self._versions[key], now // MINUTE_MS, index)

    def tickers_stamp(self, env: Environment, now: int) -> Hashable | None:
        """`ticker_stamp` for the whole set `tickers` answers."""
        facts = self._facts(env)
        if facts.unbooked:
            return None
        return (facts.version, now // MINUTE_MS, self._board.moves if facts.unpriced else None)

    def _facts(self, env: Environment) -> _EnvFacts:
        version = self._env_versions[env]
        facts = self._env_facts.get(env)
        if facts is None or facts.version != version:
            keys = [(env, inst_id) for inst_id in self._catalogue.instruments]
            unpriced = tuple(key[1] for key in keys if self._tapes[key].price() is None)
            unbooked = any(key not in self._snapshots for key in keys)
            facts = self._env_facts[env] = _EnvFacts(version, unpriced, unbooked)
        return facts

    def _ticker(self, env: Environment, inst_id: str, now: int) -> TickerView:
        tape = self._tapes[(env, inst_id)]
        book = self._snapshots.get((env, inst_id)) or self._snapshot(env, inst_id)
        ask = book.asks[0] if book is not None and book.asks else None
        bid = book.bids[0] if book is not None and book.bids else None
        stats, day, last = tape.day.stats(now), tape.day, tape.price()
        if last is None:  # never traded: the reference price stands in
            last = self._board.path(inst_id).px
            stats = None if last is None else DayStats(last, last, last, Decimal(0), Decimal(0))
        vol_ccy = Decimal(0) if stats is None else stats.vol_ccy
        contract = self._catalogue.instruments[inst_id].contract
        if contract is not None and stats is not None:  # OKX: contracts, and their value in the coin
            vol_ccy = stats.vol * contract.ct_val * contract.ct_mult
        return TickerView(
            inst_id=inst_id,
            last=last,
            last_sz=None if tape.last is None else tape.last.sz,
            ask_px=None if ask is None else ask.px,
            ask_sz=None if ask is None else ask.sz,
            bid_px=None if bid is None else bid.px,
            bid_sz=None if bid is None else bid.sz,
            open24h=None if stats is None else stats.open,
            high24h=None if stats is None else stats.high,
            low24h=None if stats is None else stats.low,
            vol24h=Decimal(0) if stats is None else stats.vol,
            vol_ccy24h=vol_ccy,
            sod_utc0=day.sod(day_start(now, 0), now) or last,
            sod_utc8=day.sod(day_start(now, UTC8_MS), now) or last,
            ts=now,
            inst_type="SPOT" if contract is None else contract.inst_type.value,
        )

    def book(self, env: Environment, inst_id: str, depth: int) -> BookView | Rejected:
        """The committed book, `depth` (1-400) levels per side."""
        found = self.versioned_book(env, inst_id, depth)
        return found if isinstance(found, Rejected) else found[0]

    def versioned_book(
        self, env: Environment, inst_id: str, depth: int
    ) -> tuple[BookView, int | None] | Rejected:
        """`book`, and the version of the snapshot it was cut from: the same version and depth give
        the same book (a rendering cache key); None when there was no snapshot to cut from."""
        if self._catalogue.instrument(inst_id) is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        if depth > self._depth:  # deeper than the snapshots: keep that deep from now on
            self._depth = min(depth, BOOK_MAX)
        key = (env, inst_id)
        view = self._snapshots.get(key)
        if view is None or self._snapshot_depths[key] < min(depth, BOOK_MAX):
            # none yet, or taken shallower than asked (another instrument made the snapshots deeper)
            view = self._snapshot(env, inst_id)
        version = None if view is None else self._versions[key]
        return _cut(view, depth, self._clock.now_ms()), version

    def full_book(self, env: Environment, inst_id: str, depth: int) -> BookView | Rejected:
        """Up to 5,000 levels per side; beyond the snapshot depth read from the engine directly."""
        if depth <= BOOK_MAX:
            return self.book(env, inst_id, depth)
        if self._catalogue.instrument(inst_id) is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        return _cut(self._books.depth(env, inst_id, depth), depth, self._clock.now_ms())

    # --- candles -----------------------------------------------------------------------------------
    async def candles(
        self,
        env: Environment,
        inst_id: str,
        bar: Bar,
        *,
        after: int | None = None,
        before: int | None = None,
        limit: int = 100,
        history: bool = False,
    ) -> list[CandleView] | Rejected:
        """Newest first: `after` = older than that ts, `before` = newer; `history` reaches past 1,440."""
        inst = self._catalogue.instrument(inst_id)
        if inst is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        found = await self._candles(env, inst_id, bar, after, before, limit, history)
        if inst.contract is None:
            return found
        ct = inst.contract.ct_val * inst.contract.ct_mult  # the tape counts contracts and px x contracts
        return [replace(v, vol_ccy=v.vol * ct, vol_ccy_quote=v.vol_ccy * ct) for v in found]

    async def _candles(
        self,
        env: Environment,
        inst_id: str,
        bar: Bar,
        after: int | None,
        before: int | None,
        limit: int,
        history: bool,
    ) -> list[CandleView]:
        now = self._clock.now_ms()
        since = None if history else bar.shift(bar.open_of(now), -(MAX_CANDLES - 1))
        if bar is SECOND:
            return await self._seconds(env, inst_id, after, before, since, limit, now)
        overlay = self._tapes[(env, inst_id)].overlay(bar.name)  # first: see the module docstring
        query = CandleQuery(env, inst_id, bar.name, after, before, since, limit)
        merged = {v.ts: v for v in await asyncio.to_thread(self._store.candles, query)}
        for ts, values in overlay.items():
            inside = (after is None or ts < after) and (before is None or ts > before)
            if inside and (since is None or ts >= since) and (ts not in merged or values.n >= merged[ts].n):
                merged[ts] = values
        newest = sorted(merged.values(), key=lambda v: v.ts, reverse=True)[:limit]
        return [_candle_view(v, bar, now) for v in newest]

    async def _seconds(
        self,
        env: Environment,
        inst_id: str,
        after: int | None,
        before: int | None,
        since: int | None,
        limit: int,
        now: int,
    ) -> list[CandleView]:
        if before is not None:
            since = before + 1 if since is None else max(since, before + 1)
        query = TradeQuery(env, inst_id, after_ts=after, since_ts=since, limit=SECOND_TRADES_MAX)
        trades = await asyncio.to_thread(self._store.trades, query)
        candles = aggregate(((t.ts, t.px, t.sz) for t in reversed(trades)), SECOND)
        if len(trades) == SECOND_TRADES_MAX and candles:
            candles = candles[1:]  # the oldest second may be cut short
        return [_candle_view(c.values(), SECOND, now) for c in reversed(candles[-limit:])]

    # --- trades --------------------------------------------------------------------------------------
    async def trades(self, env: Environment, inst_id: str, limit: int = 100) -> list[PublicTrade] | Rejected:
        if self._catalogue.instrument(inst_id) is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        found = await asyncio.to_thread(self._store.trades, TradeQuery(env, inst_id, limit=limit))
        return [_public(t) for t in found]

    async def history_trades(
        self,
        env: Environment,
        inst_id: str,
        *,
        by_ts: bool = False,
        after: int | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[PublicTrade] | Rejected:
        """Newest first; cursors are trade ids, or (`by_ts`) timestamps."""
        if self._catalogue.instrument(inst_id) is None:
            return Rejected(Reason.INSTRUMENT_NOT_FOUND)
        if by_ts:
            since = None if before is None else before + 1
            query = TradeQuery(env, inst_id, after_ts=after, since_ts=since, limit=limit)
        else:
            query = TradeQuery(env, inst_id, after_id=after, before_id=before, limit=limit)
        return [_public(t) for t in await asyncio.to_thread(self._store.trades, query)]

    # --- the index -----------------------------------------------------------------------------------
    def index_tickers(
        self, quote_ccy: str | None = None, inst_id: str | None = None
    ) -> list[IndexTickerView]:
        """The reference prices: one instrument, or every instrument quoted in `quote_ccy`."""
        now = self._clock.now_ms()
        chosen = [
            i.inst_id
            for i in self._catalogue.instruments.values()
            if (inst_id is None or i.inst_id == inst_id) and (quote_ccy is None or i.quote_ccy == quote_ccy)
        ]
        out: list[IndexTickerView] = []
        for chosen_id in chosen:
            found = self._board.index_stats(chosen_id, now)
            px = self._board.index_px(chosen_id)
            if found is None or px is None:
                continue
            stats, sod0, sod8 = found
            out.append(IndexTickerView(chosen_id, px, stats.open, stats.high, stats.low, sod0, sod8, now))
        return out

    def index_candles(self, inst_id: str, window: CandleWindow) -> list[CandleView] | Rejected:
        """The reference price's candles (`reference.index_candles`), newest first."""
        found = index_candles(self._board, inst_id, window, self._clock.now_ms())
        return Rejected(Reason.INSTRUMENT_NOT_FOUND) if found is None else found

    def platform_volume(self, env: Environment) -> PlatformVolume:
        return platform_volume(self.tickers(env), self._board, self._clock.now_ms())


@dataclass(frozen=True, slots=True)
class _EnvFacts:
    """What the tickers of one environment depend on besides versions, as of `version`."""

    version: int
    unpriced: tuple[str, ...]  # never traded: the index price stands in for the last price
    unbooked: bool  # some instrument has no book snapshot yet


def _family(inst: Instrument) -> str | None:
    return None if inst.contract is None else inst.contract.inst_family


def day_start(now: int, offset_ms: int) -> int:
    """Midnight (of UTC+`offset`) starting the day that contains `now`, in UTC ms."""
    return (now + offset_ms) // DAY_MS * DAY_MS - offset_ms


def _cut(view: BookView | None, depth: int, now: int) -> BookView:
    if view is None:
        return BookView((), (), now)
    return BookView(view.asks[:depth], view.bids[:depth], view.ts)


def _candle_view(v: CandleValues, bar: Bar, now: int) -> CandleView:
    return CandleView(v.ts, v.o, v.h, v.l, v.c, v.vol, v.vol_ccy, now >= bar.next_open(v.ts))


def _public(t: TradeRecord) -> PublicTrade:
    return PublicTrade(str(t.trade_id), t.inst_id, t.px, t.sz, t.taker_side, t.ts)
