"""A standby sequencer that follows its cluster while it waits for the lease
(`sandex serve --role sequencer --standby`), so that taking over loads nothing.

    hot = HotStandby(replica, market, store)
    hot.follow()                        # while waiting: a replica of the exchange, as API processes keep
    await sequencer.acquire(None)       # the lease: the old holder is dead or fenced
    await hot.take_over()               # `kept_at`: the commit count, if the replica is the database's
    await market.start()                # loads nothing when it is
    await sequencer.start(hot.kept_at)  # the core: the replica's, once checked against the database

The replica is the process's own exchange core, moved on by the sequencer's batches exactly as in
an API process (`follower.py`), and its market data is loaded from the same database snapshot as
the core and moved on by the same events. Once this process holds the lease (so no commit of the
old holder can land any more), the replica is only used if it stands at the database's commit
count (after the one pending batch that reaches it, when its sequencer died between a commit and
its confirmation): a batch the old holder committed but never published (killed in between), a
replica that was loading, a batch that failed to apply, all mean a load from the database, as a
cold standby does. `Sequencer.start` then checks the core against the database (ids, resting
orders with their priority stamps, balances: `store_check`) before it writes from it.

A first hot takeover of the core lost acknowledged orders (a 20-trial kill run): replicas numbered
priority stamps otherwise than their sequencer after it had loaded, so a sequencer on a replica
wrote a second numbering beside the database's and a later load queued orders otherwise. The
stamps' counter now travels with the batches' ids (`ExchangeCore.next_ids`).
"""

from __future__ import annotations

import asyncio
import logging

from sandex.runtime.aio import cancel_and_wait
from sandex.runtime.cluster.follower import Follower
from sandex.runtime.market import MarketRuntime
from sandex.services.exchange.store import ExchangeStore

log = logging.getLogger("sandex.cluster")


class HotStandby:
    def __init__(self, replica: Follower, market: MarketRuntime, store: ExchangeStore) -> None:
        self._replica = replica
        self._market = market
        self._store = store
        self._task: asyncio.Task[None] | None = None
        self.kept_at: int | None = None  # after a takeover: the commit count its replica held whole
        replica.board = market.board  # the sequencer's simulated market, until this one steps it
        replica.loading_too.append(market.data.load)  # from the core's snapshot, reloaded with it

    @property
    def replica(self) -> Follower:
        return self._replica

    def follow(self) -> None:
        """Start following (a task: the sequencer may not run yet)."""
        self._task = asyncio.get_running_loop().create_task(self._follow(), name="sandex-hot-standby")

    async def _follow(self) -> None:
        await self._replica.start()
        self._market.continue_prices()
        self._market.following = True
        log.info("standby: following the sequencer (replica at commit %d)", self._replica.written)

    @property
    def market_kept(self) -> bool:
        """After a takeover: whether the market data went on (`MarketRuntime.start` loads none)."""
        return self.kept_at is not None

    async def take_over(self) -> None:
        """Stop following, once this process holds the lease; `kept_at` says whether the replica
        (core and market data) is the database's, at which commit count."""
        self.kept_at = await self._take_over()

    async def _take_over(self) -> int | None:
        task, self._task = self._task, None
        if task is None:
            return None
        written = stored = None
        try:
            written = await self._replica.detach()
            await cancel_and_wait(task)
            stored = await asyncio.to_thread(self._store.commit_seq)
            if written is not None and stored == written + 1:  # committed, then died before confirming
                written = await self._replica.take_committed(stored)
        except Exception:  # following failed (NATS away at start, say): a cold start, as without it
            log.warning("standby: the replica cannot be used", exc_info=True)
            written = None
        if written is None or stored != written or not self._market.following:
            log.info("standby: the replica (at %s) is not the database (%s): loading", written, stored)
            self._market.following = False
            return None
        log.info("standby: the replica and market data followed to commit %d", written)
        return written

    async def stop(self) -> None:
        """A standby that never took over, shutting down."""
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)
            await self._replica.stop()
