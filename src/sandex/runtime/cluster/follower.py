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
import dataclasses
import itertools
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sandex.runtime.cluster import wire
from sandex.runtime.cluster.link import Subjects, connect, unsubscribe
from sandex.runtime.cluster.mirror import Mirror
from sandex.runtime.hub import Hub
from sandex.runtime.lease import LEASE_POLL_S, lease_alive
from sandex.runtime.sequencer import apply_batch
from sandex.runtime.trading_notify import Notifier
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import Command, CommandError, SimulateChainDeposit
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.store import ExchangeStore
from sandex.services.simulation.board import MarketBoard
from sandex.services.swap_funding.service import FundingRateService

log = logging.getLogger("sandex.cluster")

T = TypeVar("T")
REQUEST_TIMEOUT_S = 10.0  # a command the sequencer has not answered by then is not acknowledged
CATCH_UP_S = 5.0
UNSTORED_TIMEOUT_S = 2.0  # a replica this far behind an answer it was promised reloads


class Snapshots(Protocol):
    """Sessions that read one consistent snapshot inside `snapshot()` (`storage.db.SnapshotSessions`)."""

    def snapshot(self) -> contextlib.AbstractContextManager[None]: ...


class _Refused(contextlib.AbstractAsyncContextManager[None]):
    async def __aenter__(self) -> None:
        raise CommandError("wipe and restore run on the sequencer's process, not an API process")

    async def __aexit__(self, *exc: object) -> None:
        return None


class Follower:
    """Implements `CommandBus`, and the parts of `Sequencer` the app uses."""

    def __init__(
        self,
        core: ExchangeCore,
        store: ExchangeStore,
        sessions: Snapshots,
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
        self.url = url  # the NATS server's
        self._nats: Any = None
        self.subjects = subjects
        self.name = name
        self._numbers = itertools.count(1)
        self._pending: dict[str, asyncio.Future[object]] = {}
        self._in_flight: set[asyncio.Future[Any]] = set()  # commands' NATS requests awaiting a reply
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._backlog: list[wire.Batch] = []
        self._loading: asyncio.Task[None] | None = None
        self._halted: tuple[str, ...] = ()
        self._unstored_heard = False  # marks and halts came with a reload frame since the last load
        self._tentative: wire.Batch | None = None  # the last pending batch, until confirmed
        self._marks: dict[str, tuple[Decimal, Decimal]] = {}  # the sequencer's, as last heard
        self._subscription: Any = None
        self._board_feed: Any = None
        self.board: MarketBoard | None = None  # this process's simulated market, following the sequencer's
        self.funding: FundingRateService | None = None  # and its funding rates
        self.mirrors: list[Mirror] = []  # the clock and the faults, one across the cluster
        self.loading_too: list[Callable[[], None]] = []  # loads from the core's snapshot (market data)
        self._in_batch = 0
        self.written = -1  # the commit count the replica stands at (-1: not loaded)
        self.reloads = 0
        self.commits = 0
        self.lease_lost = False  # an API process holds no lease
        self.on_lease_lost: Callable[[], None] | None = None

    @property
    def nats(self) -> Any:
        """The connection (None before `start`): the control forwarder sends on it."""
        return self._nats

    # --- what the app expects of a sequencer -------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.written >= 0 and self._subscription is not None

    @property
    def settled(self) -> bool:
        return self._in_batch == 0 and self._loading is None

    async def acquire(self, wait_s: float | None) -> None:
        """An API process writes no exchange state: it takes no lease."""

    async def start(self, replica_at: int | None = None) -> None:
        """Follow the sequencer's batches, then load the state once a sequencer runs (its start-up
        makes the accounts and counts a start): batches that arrive meanwhile wait in the backlog.
        (`replica_at` is a sequencer's: an API process always loads.)"""
        if self._nats is None:
            self._nats = await connect(self.url, f"sandex-api {self.name}")
            for mirror in self.mirrors:
                await mirror.start(self._nats)
        self._subscription = await self._nats.subscribe(
            self.subjects.batches, cb=self._on_batch, pending_msgs_limit=1_000_000
        )
        if self.board is not None:
            self._board_feed = await self._nats.subscribe(self.subjects.board, cb=self._on_board)
        while not await asyncio.to_thread(self._sequencer_started):
            await asyncio.sleep(LEASE_POLL_S)
        self._schedule_reload()
        loading = self._loading
        if loading is not None:
            await asyncio.shield(loading)

    async def stop(self) -> None:
        for mirror in self.mirrors:
            await mirror.stop()
        feed, self._board_feed = self._board_feed, None
        subscription, self._subscription = self._subscription, None
        for dropped in (feed, subscription):
            await unsubscribe(dropped)
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

    async def detach(self) -> int | None:
        """Stop following and keep the replica as it stands (a standby sequencer taking over with
        it): the commit count it holds whole, or None when it does not (never loaded, loading, or
        a batch failed to apply)."""
        subscription, self._subscription = self._subscription, None
        feed, self._board_feed = self._board_feed, None
        for dropped in (feed, subscription):
            await unsubscribe(dropped)
        while self._in_batch:  # a batch being applied finishes first (its pushes are awaited)
            await asyncio.sleep(0.001)
        loading = self._loading
        if loading is not None:  # finished, not cancelled: its thread would go on loading the core
            with contextlib.suppress(Exception):
                await asyncio.shield(loading)
        whole = self._loading is None and self.written >= 0
        written = self.written
        await self.stop()
        return written if whole else None

    def paused(self) -> contextlib.AbstractAsyncContextManager[None]:
        """A wipe or restore belongs to the process that writes (the control API, which an API
        process forwards to the sequencer's)."""
        return _Refused()

    async def exclusive(self, fn: Callable[[], T]) -> T:
        """Writes outside the exchange (key-use flushes) go straight to the database (PostgreSQL)."""
        return await asyncio.to_thread(fn)

    # --- commands ----------------------------------------------------------------------------------
    async def submit(self, command: Command) -> object:
        origin = f"{self.name}:{next(self._numbers)}"
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._pending[origin] = future
        try:
            data = wire.encode_command(command, origin)
            request = asyncio.ensure_future(
                self._nats.request(self.subjects.commands, data, timeout=REQUEST_TIMEOUT_S)
            )
            self._in_flight.add(request)
            try:
                message = await request
            except asyncio.CancelledError:
                if not request.cancelled() or _cancelling():
                    raise
                raise CommandError("a new sequencer took over before answering: not acknowledged") from None
            except Exception as exc:  # no sequencer, a timeout, NATS away: not acknowledged
                log.debug("a command got no answer from the sequencer: %r", exc)
                raise CommandError(f"the sequencer did not answer ({type(exc).__name__})") from exc
            finally:
                self._in_flight.discard(request)
            reply = wire.decode_reply(message.data, command)
            if reply.error:
                raise CommandError(reply.error)
            if not future.done():
                await self._reached(reply.seq)
            if reply.has_result:  # a server command: applied outside the exchange, by the sequencer
                return reply.result
            if future.done():
                return future.result()
            log.warning(
                "commit %d holds %s, but the replica (at %d) skipped it", reply.seq, origin, self.written
            )
            raise CommandError("committed, but this API process reloaded past it: look the order up")
        finally:
            self._pending.pop(origin, None)

    async def _reached(self, seq: int) -> None:
        """Until the replica stands at commit `seq` or later (a replica left behind reloads)."""
        if self.written >= seq:
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
            if self.written >= seq:
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
        if batch.confirms:
            await self._confirmed(batch.base, batch.seq)
            return
        # Frames older than this replica come from a deposed sequencer that woke from a freeze (its
        # queue still held commands): they must not displace the live sequencer's pending batch,
        # or its confirmation finds nothing and the replica loads the database again.
        if batch.pending and 0 <= batch.seq <= self.written:
            log.info("a pending batch %d→%d, the replica at %d: ignored", batch.base, batch.seq, self.written)
            return
        if not batch.reload and 0 <= batch.seq < self.written:
            await self._take(batch)  # skipped there, as before; the pending batch stays
            return
        before, self._tentative = self._tentative, None
        if before is not None and batch.base == before.seq:
            # Any frame on the count the pending batch reaches says it committed (a sequencer sends
            # one only after; a new sequencer's reload has the database's count): its confirmation
            # went missing, or its sequencer died before sending it.
            await self._take(before)
            before = None
        if batch.pending:  # applied once confirmed; a batch sent again on the same count replaces it
            self._tentative = _carry_marks(before, batch)
            return
        if batch.reload:
            self._give_up_in_flight()
            self._unstored_heard = True  # a reload carries the marks and halts: no need to ask
        await self._take(batch)

    async def _confirmed(self, base: int, seq: int) -> None:
        tentative = self._tentative
        if tentative is not None and (tentative.base, tentative.seq) == (base, seq):
            self._tentative = None
            await self._take(tentative)
        elif seq > self.written:  # its batch never arrived: a gap, whatever the replica is doing
            self._tentative = None
            log.info("commit %d confirmed, its batch not heard: loading", seq)
            await self._take(wire.Batch(-1, seq, 0, [], [], self._halted, reload=True))

    async def take_committed(self, committed: int) -> int:
        """As a standby taking over, the database standing at `committed`: the pending batch that
        reaches it applied (its sequencer died before confirming it). The commit count the
        replica stands at."""
        tentative = self._tentative
        if tentative is not None and tentative.seq == committed and tentative.base == self.written:
            self._tentative = None
            await self._take(tentative)
        return self.written

    async def _take(self, batch: wire.Batch) -> None:
        """A batch known to be committed (or to write nothing), in the order they came."""
        self._halted = batch.halted
        if batch.marks is not None:
            self._marks = batch.marks
        if self._loading is not None or self.written < 0:
            self._backlog.append(batch)  # applied after the load, in order
            return
        step = self._step(batch)
        if step == "apply":
            await self._apply(batch)
        elif step == "gap" and self._holds(batch):
            log.info("a sequencer started on this replica's state (commit %d): kept", batch.base)
            self.written = batch.seq  # a new sequencer on the state this replica has: nothing to load
            self._wake_waiters()
        elif step == "gap":
            log.info("batch %d→%d, the replica at %d: loading", batch.base, batch.seq, self.written)
            self._backlog.append(batch)
            self._schedule_reload()
        elif batch.marks is not None:  # the state loaded holds the batch, but marks are not stored
            self.core.set_marks(batch.marks)

    async def _on_board(self, message: Any) -> None:
        if self.board is None:
            return
        try:
            board = wire.decode_board(message.data)
        except wire.WireError:
            log.warning("a board from the bus that does not decode", exc_info=True)
            return
        self.board.follow(board.prices, board.marks, board.now_ms)
        if self.funding is not None:
            self.funding.follow(board.funding)

    def _give_up_in_flight(self) -> None:
        """A (new) sequencer started: commands sent before it listened went to its predecessor
        (dead, or frozen and deposed) and will never be answered. Their callers hear "not
        acknowledged" now instead of after the request timeout, so clients retry at once (a command
        the old sequencer committed before it died is in the database: clients find it by `clOrdId`)."""
        for request in list(self._in_flight):
            request.cancel()

    def _holds(self, batch: wire.Batch) -> bool:
        """Whether a sequencer's (re)start is on exactly this replica's state: after a kill, when
        everything committed reached the replicas, a takeover needs no load here: the digest of
        the state the sequencer loaded says so (it covers the marks and halts, set first; the ids
        no table holds come with the frame)."""
        if not (batch.reload and batch.seq > self.written):
            return False
        if batch.marks is not None:
            self.core.set_marks(batch.marks)
        self.core.set_halted(batch.halted)
        if not batch.digest or self.core.state_digest() != batch.digest:
            return False
        if batch.ids:
            self.core.resume_ids(batch.ids)
        return True

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
            if batch.ids:  # the sequencer's ids, gaps included (a refused transfer uses one up)
                self.core.resume_ids(batch.ids)
            events = self._notifier.wants_order_events
            answered, changes = apply_batch(self.core, commands, [], batch.ts, order_events=events)
            try:  # pushes first: a caller answered below is never ahead of them
                await self._notifier.publish(changes, self._io)
            except Exception:  # best effort, as on the sequencer
                log.exception("publishing a replicated batch failed")
            self.written = batch.seq  # only now: `submit` reads an answer once this is reached
            self.commits += 1
            for origin, applied in zip(origins, answered, strict=True):
                future = self._pending.get(origin) if origin else None
                if future is not None and not future.done():
                    future.set_result(applied.result)
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
        join the backlog)."""
        try:
            await self._load()
            while not await self._catch_up():
                await self._load()
        finally:
            self._loading = None
            self._wake_waiters()

    async def _load(self) -> None:
        if not self._unstored_heard:  # (a sequencer that just started is not listening yet)
            await self._ask_unstored()
        self._unstored_heard = False
        while True:
            try:
                self.core.set_marks(self._marks)
                self.written = await asyncio.to_thread(self._load_snapshot)
                self.core.set_halted(self._halted)
                self.reloads += 1
                log.info("replica loaded at commit %d", self.written)
                return
            except Exception:
                log.warning("loading the replica failed; trying again", exc_info=True)
                await asyncio.sleep(0.5)

    async def _catch_up(self) -> bool:
        """Apply the backlog in order; False when the sequencer restarted since the load (load
        again). Right after a load there is no true gap: a batch is published
        after its commit, so the state loaded holds every batch that came before it. One that
        still does not fit claims a state the database never had: it is dropped."""
        while self._backlog:
            batch = self._backlog.pop(0)
            step = self._step(batch)
            if step == "apply":
                await self._apply(batch)
            elif step == "gap" and batch.reload:  # the sequencer restarted after that load
                return False
            elif step == "skip" and batch.marks is not None:
                self.core.set_marks(batch.marks)
            elif step == "gap":
                log.warning("dropped a batch on commit %d that the database never had", batch.base)
        return True

    async def _ask_unstored(self) -> None:
        """The sequencer's halts and marks now: batches after this keep them current."""
        try:
            message = await self._nats.request(self.subjects.unstored, b"", timeout=UNSTORED_TIMEOUT_S)
            unstored = wire.decode_batch(message.data)
        except Exception as exc:  # no sequencer right now: what the last batches said
            log.warning("could not ask the sequencer for its marks and halts (%r)", exc)
            return
        self._halted = unstored.halted
        if unstored.marks is not None:
            self._marks = unstored.marks

    def _load_snapshot(self) -> int:
        with self._sessions.snapshot():
            seq = self._store.commit_seq()
            self.core.load()
            for load in self.loading_too:
                load()
        return seq

    def _sequencer_started(self) -> bool:
        return lease_alive(self._store) and self._store.commit_seq() > 0

    async def _io(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)


def _carry_marks(before: wire.Batch | None, after: wire.Batch) -> wire.Batch:
    """A pending batch sent again on the same count (its commit failed, it runs in halves) sends
    the marks only if they changed since the first: keep the first's."""
    if before is None or before.base != after.base or after.marks is not None or before.marks is None:
        return after
    return dataclasses.replace(after, marks=before.marks)


def _cancelling() -> bool:
    """Whether the task running now is being cancelled itself (not only a request it awaits)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
