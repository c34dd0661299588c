"""The market in one process: reference prices, market data, candle writes and the market maker.

    market = build_market(settings, catalogue, clock, hub, store, trading, accounts)
    await market.start()        # before the sequencer: backfill a fresh store, load market data
    await market.start_maker()  # after it: the market maker needs the exchange running
    ...
    await market.stop()

`paused()` is the control API's reset guard, entered before the exchange's writer stops and left
after it restarted: nothing is written while the database is wiped or restored; afterwards market
data is reloaded, the market maker looks its accounts up again (and funds them anew), and every
market control is cleared (no halt, freeze, spread or drain; the random streams restart from the
seed). Prices go on from the last trade that remains, so after a full reset (nothing remains) the
market starts over from the catalogue's prices, as on a fresh start.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from sandex.config import Settings
from sandex.domain.clock import Clock
from sandex.domain.instruments import Catalogue
from sandex.runtime.candles import CandleWriter
from sandex.runtime.hub import Hub
from sandex.runtime.marketmaker import AccountIds, MarketMaker
from sandex.runtime.marks import MarkFeed, MarkSink
from sandex.runtime.sequencer import ExchangeWriter
from sandex.services.exchange.events import OrdersChanged, TradesHappened
from sandex.services.exchange.swap_commands import UpdateMarks
from sandex.services.marketdata.derivatives import OpenInterestReads
from sandex.services.marketdata.history import DEFAULT_HOURS, Backfill, backfill
from sandex.services.marketdata.ports import MarketStore
from sandex.services.marketdata.service import MarketData
from sandex.services.marketdata.venue import CoreVenue
from sandex.services.simulation.board import MarketBoard, MarketControl, StreamFactory
from sandex.services.trading.service import TradingService

log = logging.getLogger("sandex.market")

HISTORY_SEED = 1  # the backfill's seed when `--seed` is not given


def seeded_streams(seed: int) -> StreamFactory:
    """Independent reproducible streams by name: `random.Random` seeded with "<seed>:<name>"."""
    return lambda name: random.Random(f"{seed}:{name}")  # noqa: S311 - a simulation, not secrets


@dataclass(slots=True)
class MarketRuntime:
    settings: Settings
    seed: int
    board: MarketBoard
    control: MarketControl
    data: MarketData
    writer: CandleWriter
    maker: MarketMaker | None  # None with `--market off`
    store: MarketStore
    catalogue: Catalogue
    clock: Clock
    marks: MarkFeed
    following: bool = False  # market data loaded by `start_reading` and moved on by a replica's events

    async def start(self) -> None:
        """Backfill (a fresh store), load market data from storage, then write candles as they change.
        A hot standby's market, following its cluster already (`start_reading`), loads nothing."""
        if not self.following:
            plan = self._backfill_plan()
            with _collector_paused():
                if plan.hours:
                    await asyncio.to_thread(backfill, self.store, self.catalogue, plan)
                await asyncio.to_thread(self.data.load)
            self.continue_prices()
        self.following = False
        await self.writer.start()

    async def start_reading(self) -> None:
        """An API process's market (`--role api`): market data loaded from storage and moved on by
        the replica's events; the sequencer's process backfills, writes candles and makes the market."""
        with _collector_paused():
            await asyncio.to_thread(self.data.load)
        self.continue_prices()
        self.following = True

    async def start_maker(self) -> None:
        if self.maker is not None:
            await self.maker.start()
            log.info("market maker running (seed %d: `--seed %d` replays this market)", self.seed, self.seed)
        else:  # no market steps: marks still follow the index and whatever books users make
            await self.marks.start()

    async def stop(self) -> None:
        if self.maker is not None:
            await self.maker.stop()
        await self.marks.stop()
        await self.writer.stop()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if self.maker is not None:
                await stack.enter_async_context(self.maker.paused())
            await stack.enter_async_context(self.marks.paused())
            await stack.enter_async_context(self.writer.paused())
            yield
            # Runs once the exchange's writer has restarted on the new state (this guard wraps it):
            # loading on the event loop keeps committed trades from being folded in halfway.
            self.control.reset()
            self.data.load()
            self.continue_prices()

    def _backfill_plan(self) -> Backfill:
        """`--backfill-hours`, else a day when the simulated market runs; seeded by `--seed`, else by a
        fixed seed: a fresh server's history is the same every time."""
        hours = self.settings.backfill_hours
        if hours is None:
            hours = DEFAULT_HOURS if self.settings.market else 0
        seed = HISTORY_SEED if self.settings.seed is None else self.settings.seed
        return Backfill(hours, self.clock.now_ms(), seeded_streams(seed), self.settings.volatility)

    def continue_prices(self) -> None:
        """After a restart the reference goes on from the last price traded (or backfilled); swaps
        follow their index."""
        for inst_id in self.board.inst_ids:
            if self.board.contract(inst_id) is not None:
                continue
            last = self.data.last_price(inst_id)
            if last is not None and last != self.board.path(inst_id).px:
                self.board.path(inst_id).set(last)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The backfill and the load allocate a few million objects that live on (the load's in the 24 h
    windows) and form no cycles: the cyclic collector would scan them again and again, up to half
    the time they take."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def build_market(
    settings: Settings,
    catalogue: Catalogue,
    clock: Clock,
    hub: Hub,
    store: MarketStore,
    trading: TradingService,
    sequencer: ExchangeWriter,
    accounts: AccountIds,
    positions: OpenInterestReads | None = None,
) -> MarketRuntime:
    """Wire the market (no I/O yet). `sandex market …` commands reach it through `sequencer`'s inbox."""
    seed = settings.seed if settings.seed is not None else random.SystemRandom().randrange(1, 2**31)
    board = MarketBoard(catalogue, volatility=settings.volatility, streams=seeded_streams(seed))
    venue = CoreVenue(sequencer.core, catalogue, clock)
    control = MarketControl(board, catalogue, venue, clock)
    sequencer.core.serve(market=control)  # `sandex market …` commands come through the inbox
    data = MarketData(catalogue, store, venue, board, clock)
    data.derivatives.open_interest_source = positions  # public/open-interest from stored positions
    hub.subscribe(TradesHappened, data.on_trades)
    hub.subscribe(OrdersChanged, data.on_orders)
    marks = MarkFeed(board, venue, mark_sink(sequencer), clock)
    maker = None
    if settings.market:
        maker = MarketMaker(
            board, trading, venue, store, accounts, catalogue, clock, marks=marks, bus=sequencer
        )
        control.on_change(maker.wake)
    writer = CandleWriter(data, store)
    return MarketRuntime(settings, seed, board, control, data, writer, maker, store, catalogue, clock, marks)


def mark_sink(sequencer: ExchangeWriter) -> MarkSink:
    """`UpdateMarks` through the command bus: the core marks positions and checks price limits."""

    async def submit(command: UpdateMarks) -> object:
        return await sequencer.submit(command)

    return submit
