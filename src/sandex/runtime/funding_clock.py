"""The task that moves deposits and withdrawals through their states on the app clock.

Every `tick_s` it asks the funding state (in memory, read on the event loop like the sequencer's
own) when the next open deposit or withdrawal of each environment changes state; when that moment
has come on the app clock (which the control API may shift or freeze), it submits one
`AdvanceFunding` command through the sequencer, so state changes and their postings are committed
like any other command. Tests with a manual clock call `FundingService.advance` themselves.
"""

from __future__ import annotations

import asyncio
import logging

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.runtime.aio import cancel_and_wait
from sandex.services.funding.service import FundingService

log = logging.getLogger("sandex.funding")
TICK_S = 0.1


class FundingClock:
    def __init__(self, funding: FundingService, clock: Clock, *, tick_s: float = TICK_S) -> None:
        self._funding = funding
        self._clock = clock
        self._tick_s = tick_s
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._run(), name="sandex-funding-clock")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def tick(self) -> int:
        """Advance every environment whose next transition is due; answers how many moved."""
        moved = 0
        now = self._clock.now_ms()
        for environment in Environment:
            due = self._funding.next_due_ms(environment)
            if due is not None and due <= now:
                moved += await self._funding.advance(environment)
        return moved

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed batch is retried on the next tick; the loop must live on
                log.exception("advancing deposits and withdrawals failed")
            await asyncio.sleep(self._tick_s)
