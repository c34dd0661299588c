"""The task that samples swap funding rates and settles them on the sandbox clock.

Every `tick_s` it asks the funding-rate service to take this sandbox minute's premium samples and
to settle every funding time the clock has reached: a control-API clock jump is seen at the next
tick like time passing. Tests with a manual clock call `FundingRateService.tick` themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sandex.runtime.aio import cancel_and_wait
from sandex.services.swap_funding.service import FundingRateService

log = logging.getLogger("sandex.funding_rates")
TICK_S = 0.1


class FundingRateClock:
    def __init__(self, service: FundingRateService, *, tick_s: float = TICK_S) -> None:
        self._service = service
        self._tick_s = tick_s
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if not self.running:
            self._service.load()  # the last settled times, after the sequencer has started
            self._task = asyncio.create_task(self._run(), name="sandex-funding-rates")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """A control reset: nothing is settled while the state is replaced; start again from it."""
        was_running = self.running
        await self.stop()
        try:
            yield
        finally:
            if was_running:
                await self.start()
            else:
                self._service.load()

    async def _run(self) -> None:
        while True:
            try:
                await self._service.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed settlement is tried again on the next tick; the loop lives on
                log.exception("sampling or settling funding rates failed")
            await asyncio.sleep(self._tick_s)
