"""Mark prices, once per market step: computed on the board, sent to the exchange core.

    feed = MarkFeed(board, venue, sink, clock)
    await feed.publish()   # the market maker calls it at the end of every step
    await feed.start()     # only with the market maker off: then the feed steps on its own

`publish` reads each swap's mid from the live book (both environments follow one market; the
maker quotes the same ladder in both), lets the board compute every mark
(`services/simulation/swaps.py`), and submits one `UpdateMarks` with all swaps through the command
bus, so positions are marked and checked in order with the orders around them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.domain.derivatives.marks import mid_of
from sandex.domain.errors import Rejected
from sandex.services.exchange.swap_commands import UpdateMarks
from sandex.services.marketdata.venue import CoreVenue
from sandex.services.simulation.board import MarketBoard

log = logging.getLogger("sandex.market")

MarkSink = Callable[[UpdateMarks], Awaitable[object]]


class MarkFeed:
    def __init__(
        self, board: MarketBoard, venue: CoreVenue, sink: MarkSink | None, clock: Clock, tick_ms: int = 1000
    ) -> None:
        self._board = board
        self._venue = venue
        self._sink = sink  # None: the core does not take marks (they are still shown)
        self._clock = clock
        self._tick_ms = tick_ms
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.published = 0  # UpdateMarks the core accepted

    def mids(self) -> dict[str, Decimal | None]:
        out: dict[str, Decimal | None] = {}
        for inst_id in self._board.swaps.specs:
            book = self._venue.depth(Environment.LIVE, inst_id, 1)
            bid = book.bids[0].px if book is not None and book.bids else None
            ask = book.asks[0].px if book is not None and book.asks else None
            out[inst_id] = mid_of(bid, ask)
        return out

    async def publish(self) -> None:
        """Compute every swap's mark now and send them to the core (one command)."""
        if not self._board.swaps.specs:
            return
        marks = self._board.update_marks(self.mids(), self._clock.now_ms())
        if self._sink is None:
            return
        outcome = await self._sink(UpdateMarks(tuple(marks)))
        if isinstance(outcome, Rejected):
            log.warning("marks refused: %s", outcome.reason.value)
        else:
            self.published += 1

    # --- its own loop, when no market maker steps the market -----------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="sandex-marks")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        async with self._lock:
            yield

    async def _run(self) -> None:
        while not self._stopping:
            try:
                async with self._lock:
                    await self.publish()
            except Exception:  # the marks must keep coming: log, and try again next step
                log.exception("mark update failed")
            await asyncio.sleep(self._tick_ms / 1000)
