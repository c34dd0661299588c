"""An API process's stand-in for the sequencer (`sandex serve --role api`): it forwards commands
and keeps a replica of the exchange.

    follower = Follower(core, store, sessions, hub, accounts, "nats://127.0.0.1:4222", subjects, name="api-1")
    await follower.start()     # waits for a live sequencer, loads the state, follows its batches
    await follower.submit(PlaceBatch(...))   # applied by the sequencer, answered from the replica

The replica is the whole exchange core, loaded from one consistent snapshot of the database and
moved on by applying every batch the sequencer publishes, in order, with the time it ran at: the
core is deterministic (ids are sequences, time comes with the batch), so the replica reaches the
sequencer's state after each commit, and everything that reads the core in-process (books,
tickers, WS pushes through the hub, best prices, fee tiers) works in an API process unchanged.

A command goes out as a NATS request. The sequencer answers after its commit, having published the
batch first; the sender answers its caller with what its own replica computed for the command
(found by its origin) once the replica has applied that batch, so a WS push through this process
is never later than the acknowledgement. A replica that sees a gap in the commit count (a lost
message, a restarted sequencer: `reload`) loads the database again; commands whose batch it skipped
that way are answered with `CommandError` (they are committed: the client finds them by `clOrdId`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from sandex.runtime.cluster import wire
from sandex.runtime.cluster.link import Subjects, connect
from sandex.runtime.hub import Hub
from sandex.runtime.lease import LEASE_POLL_S, lease_alive
from sandex.runtime.sequencer import apply_batch
from sandex.runtime.trading_notify import Notifier
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import MARKET_COMMANDS, Command, CommandError, SimulateChainDeposit
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.store import ExchangeStore
from sandex.storage.db import SnapshotSessions

log = logging.getLogger("sandex.cluster")

T = TypeVar("T")
REQUEST_TIMEOUT_S = 10.0  # a command the sequencer has not answered by then is not acknowledged
CATCH_UP_S = 5.0  # a replica this far behind an answer it was promised reloads


class Follower:
    """Implements `CommandBus`, and the parts of `Sequencer` the app uses."""

    def __init__(
        self,
        core: ExchangeCore,
        store: ExchangeStore,
        sessions: SnapshotSessions,
        hub: Hub,
        accounts: LedgerAccounts,
        url: str,
        subjects: Subjects,
        *,
        name: str,
    ) -> None:
        self.core = core
        self._store = store
        self._sessions = sessions
        self._notifier = Notifier(store, hub, accounts)
        self._url = url
        self._nats: Any = None
        self._subjects = subjects
        self._name = name
        self._numbers = itertools.count(1)
        self._pending: dict[str, asyncio.Future[object]] = {}
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._backlog: list[wire.Batch] = []
        self._loading: asyncio.Task[None] | None = None
        self._halted: tuple[str, ...] = ()
        self._subscription: Any = None
        self._in_batch = 0
        self.written = -1  # the commit count the replica stands at (-1: not loaded)
        # ... and whose commands' callers have their answers: `written` moves before the batch's
        # pushes go out (an await), so a reply may find the replica there but its answer not yet set
        self.answered = -1
        self.reloads = 0
        self.commits = 0
        self.lease_lost = False  # an API process holds no lease
        self.on_lease_lost: Callable[[], None] | None = None
        self.owner = name

    # --- what the app expects of a sequencer -------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.written >= 0 and self._subscription is not None

    @property
    def settled(self) -> bool:
        return self._in_batch == 0 and self._loading is None

    async def acquire(self, wait_s: float | None) -> None:
        """An API process writes no exchange state: it takes no lease."""

    async def start(self) -> None:
        """Follow the sequencer's batches, then load the state once a sequencer runs (its start-up
        makes the accounts and counts a start): batches that arrive meanwhile wait in the backlog."""
        if self._nats is None:
            self._nats = await connect(self._url, f"sandex-api {self._name}")
        self._subscription = await self._nats.subscribe(
            self._subjects.batches, cb=self._on_batch, pending_msgs_limit=1_000_000
        )
        while not await asyncio.to_thread(self._sequencer_started):
            await asyncio.sleep(LEASE_POLL_S)
        self._schedule_reload()
        loading = self._loading
        if loading is not None:
            await asyncio.shield(loading)

    async def stop(self) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        loading, self._loading = self._loading, None
        if loading is not None:
            loading.cancel()
            with contextlib.suppress(BaseException):
                await loading
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CommandError("this API process stopped"))
        self._pending.clear()
        nats, self._nats = self._nats, None
        if nats is not None:
            with contextlib.suppress(Exception):
                await nats.close()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """A wipe or restore belongs to the process that writes (the sequencer's control API)."""
        raise CommandError("wipe and restore run on the sequencer's process, not an API process")
        yield  # pragma: no cover - makes this a generator

    async def exclusive(self, fn: Callable[[], T]) -> T:
        """Writes outside the exchange (key-use flushes) go straight to the database (PostgreSQL)."""
        return await asyncio.to_thread(fn)

    # --- commands ----------------------------------------------------------------------------------
    async def submit(self, command: Command) -> object:
        origin = f"{self._name}:{next(self._numbers)}"
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._pending[origin] = future
        try:
            try:
                message = await self._nats.request(
                    self._subjects.commands, wire.encode_command(command, origin), timeout=REQUEST_TIMEOUT_S
                )
            except Exception as exc:  # no sequencer, a timeout, NATS away: not acknowledged
                raise CommandError(f"the sequencer did not answer ({type(exc).__name__})") from exc
            reply = wire.decode_reply(message.data, command)
            if reply.error:
                raise CommandError(reply.error)
            if not future.done():
                await self._reached(reply.seq)
            if reply.has_result:  # a server command: applied outside the exchange, by the sequencer
                return reply.result
            if future.done():
                return future.result()
            raise CommandError("committed, but this API process reloaded past it: look the order up")
        finally:
            self._pending.pop(origin, None)

    async def _reached(self, seq: int) -> None:
        """Until the replica stands at commit `seq` or later, its answers given (a replica left
        behind reloads)."""
        if self.answered >= seq:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, waiter))
        try:
            await asyncio.wait_for(asyncio.shield(waiter), CATCH_UP_S)
        except TimeoutError:
            log.warning("replica at %d, an answer needs %d: reloading", self.written, seq)
            self._schedule_reload()
            await waiter

    def _wake_waiters(self) -> None:
        still: list[tuple[int, asyncio.Future[None]]] = []
        for seq, waiter in self._waiters:
            if waiter.done():
                continue
            if self.answered >= seq:
                waiter.set_result(None)
            else:
                still.append((seq, waiter))
        self._waiters = still

    # --- the replica -------------------------------------------------------------------------------
    async def _on_batch(self, message: Any) -> None:
        try:
            batch = wire.decode_batch(message.data)
        except wire.WireError:
            log.warning("a batch from the bus that does not decode: reloading", exc_info=True)
            self._schedule_reload()
            return
        self._halted = batch.halted
        if self._loading is not None or self.written < 0:
            self._backlog.append(batch)  # applied after the load, in order
            return
        step = self._step(batch)
        if step == "apply":
            await self._apply(batch)
        elif step == "gap":
            self._backlog.append(batch)
            self._schedule_reload()

    def _step(self, batch: wire.Batch) -> str:
        """What a batch means to a replica at `written`: apply it, skip it (the state loaded holds
        it), or a gap (a batch went missing, or the sequencer restarted): load again."""
        if batch.reload:
            return "skip" if batch.seq <= self.written else "gap"
        if batch.base == self.written:
            return "apply"  # a batch that wrote nothing (base == seq) too: its answers are needed
        return "skip" if batch.seq <= self.written else "gap"

    async def _apply(self, batch: wire.Batch) -> None:
        self._in_batch += 1
        try:
            commands: list[Command] = []
            origins: list[str] = []
            for command, origin in zip(batch.commands, batch.origins, strict=True):
                if not isinstance(command, SimulateChainDeposit):  # it starts a deposit: the sequencer's
                    commands.append(command)
                    origins.append(origin)
            if any(isinstance(c, MARKET_COMMANDS) for c in commands):
                self.core.set_halted(batch.halted)
            events = self._notifier.wants_order_events
            answered, changes = apply_batch(self.core, commands, [], batch.ts, order_events=events)
            self.written = batch.seq
            self.commits += 1
            try:
                await self._notifier.publish(changes, self._io)
            except Exception:  # best effort, as on the sequencer
                log.exception("publishing a replicated batch failed")
            for origin, applied in zip(origins, answered, strict=True):
                future = self._pending.get(origin) if origin else None
                if future is not None and not future.done():
                    future.set_result(applied.result)
            self.answered = batch.seq
        except Exception:  # the replica no longer matches the sequencer: load it again
            log.exception("applying a replicated batch failed: reloading")
            self._schedule_reload()
        finally:
            self._in_batch -= 1
        self._wake_waiters()

    def _schedule_reload(self) -> None:
        if self._loading is None:
            self._loading = asyncio.get_running_loop().create_task(self._reload())

    async def _reload(self) -> None:
        """Load the database, then apply the backlog that follows it (batches arriving meanwhile
        join the backlog); a gap in it loads again."""
        try:
            while True:
                await self._load()
                if await self._catch_up():
                    return
        finally:
            self._loading = None
            self._wake_waiters()

    async def _load(self) -> None:
        while True:
            try:
                self.written = self.answered = await asyncio.to_thread(self._load_snapshot)
                self.core.set_halted(self._halted)
                self.reloads += 1
                log.info("replica loaded at commit %d", self.written)
                return
            except Exception:
                log.warning("loading the replica failed; trying again", exc_info=True)
                await asyncio.sleep(0.5)

    async def _catch_up(self) -> bool:
        """Apply the backlog in order; False at a gap (the rest stays for after the next load)."""
        while self._backlog:
            batch = self._backlog.pop(0)
            step = self._step(batch)
            if step == "gap":
                self._backlog.insert(0, batch)
                return False
            if step == "apply":
                await self._apply(batch)
        return True

    def _load_snapshot(self) -> int:
        with self._sessions.snapshot():
            seq = self._store.commit_seq()
            self.core.load()
        return seq

    def _sequencer_started(self) -> bool:
        return lease_alive(self._store) and self._store.commit_seq() > 0

    async def _io(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)
