"""The sequencer: the one writer of exchange state in a process (ARCHITECTURE.md decisions 2-3).

    result = await sequencer.submit(PlaceBatch(...))

One asyncio task takes every command waiting (a batch), applies each in order to the in-memory
exchanges (`ExchangeCore.apply`: synchronous, microseconds), then writes the whole batch's rows in
ONE transaction on a dedicated thread (group commit), and only then answers the callers and
publishes the events on the hub. While a commit runs, new commands queue up for the next batch.

If building or writing a batch fails, the in-memory state is no longer trusted: the exchanges are
rebuilt from the database before anyone hears back. Nothing of a failed batch was acknowledged
and nothing of it is in the database, so its commands then run again in two halves, in order, and a
half that fails again splits again, down to single commands: the one that broke the batch fails
alone (its caller gets `CommandError`, the service answers 50026) and every other gets its real
outcome, so one poisonous request never refuses another user's (k bad commands among n cost about
2k·log2(n) extra commits and rebuilds, not n). Only when the rebuild itself fails (the database is
gone) does every caller of the batch get `CommandError`.

The lease (`runtime/lease.py`): exchange state has exactly one writer per database. The sequencer
takes the lease row before anything of the process writes (`acquire`; a standby waits for it as
long as it takes), every commit proves and refreshes it in its own transaction, and an idle
sequencer refreshes it every second. A sequencer that finds its lease taken steps down: it answers
every command at once with `CommandError` and calls `on_lease_lost` (the server exits, and its
supervisor restarts it as a standby); it never takes the lease back, which would make two writers
take turns. The CLI (`sandex deposit`, `sandex market …`) writes commands to the
inbox table (`services/exchange/inbox.py` encodes them), which the sequencer polls every 200 ms and
applies like any other command; when no server holds a fresh lease, the CLI takes the lease and
drains the inbox itself (`drain_inbox`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.runtime.aio import cancel_and_wait
from sandex.runtime.hub import Hub
from sandex.runtime.lease import LEASE_POLL_S, LEASE_WAIT_S, lease_owner, take_lease
from sandex.runtime.lease import lease_alive as lease_alive  # the CLI imports it from here
from sandex.runtime.trading_notify import Notifier
from sandex.services.exchange import inbox as codec
from sandex.services.exchange import store_check
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import SERVER_COMMANDS, Applied, Command, CommandError
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import ChangeSet, InboxItem, InboxOutcome
from sandex.services.exchange.store import ExchangeStore, LeaseLostError

log = logging.getLogger("sandex.sequencer")

T = TypeVar("T")
HEARTBEAT_S = 1.0
INBOX_POLL_S = 0.2
INBOX_BATCH = 100
# How often the SQLite write-ahead log is copied into the database. Often: every page a commit reads
# is looked up in the WAL's index first, and at 1 s the WAL reached 10-27k frames and each order
# cost ~25 % more CPU (and the runs were bimodal); at 100 ms it stays a few thousand frames.
CHECKPOINT_S = 0.1
# WAL frames (4 KiB pages) after a PASSIVE checkpoint above which the next one catches up on the
# writer's thread and empties the file: PASSIVE alone never lets the log start over while commits
# keep coming. The catch-up copies only the ~100 ms since the PASSIVE one, but the commits queued
# behind it wait for that and a sync: ~32 MiB of log between two keeps it under 1 % of the orders.
WAL_CATCH_UP_FRAMES = 8192
# What a process without a server applies (`drain_inbox`): not the commands only a server's parts apply.
OFFLINE_KINDS = codec.kinds_of(cls for cls in codec.COMMANDS if cls not in SERVER_COMMANDS)
MAX_BATCH = 2_000  # commands per group commit


class ExchangeWriter(Protocol):
    """What a process's parts use of its writer: the `Sequencer`, or in an API process the
    `runtime.cluster.follower.Follower` that forwards to it and keeps a replica."""

    core: ExchangeCore
    commits: int
    lease_lost: bool
    on_lease_lost: Callable[[], None] | None

    @property
    def running(self) -> bool: ...

    @property
    def settled(self) -> bool: ...

    async def submit(self, command: Command) -> object: ...

    async def acquire(self, wait_s: float | None) -> None: ...

    async def start(self, replica_at: int | None = None) -> None: ...

    async def stop(self) -> None: ...

    def paused(self) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def exclusive(self, fn: Callable[[], T]) -> T: ...


class Followers(Protocol):
    """API processes' replicas of the exchange (`runtime/cluster`): told every applied batch after
    its commit and before its callers hear back, so a push or read through any process is never
    behind an acknowledgement."""

    async def publish(
        self,
        base: int,
        seq: int,
        ts: int,
        commands: Sequence[Command],
        origins: Sequence[str],
        halted: frozenset[str],
        marks: Mapping[str, tuple[Decimal, Decimal]],
        *,
        reload: bool = False,
        digest: str = "",
        ids: Sequence[int] = (),
        pending: bool = False,
    ) -> None: ...

    async def confirm(self, base: int, seq: int) -> None: ...


def _answer_server_commands(
    batch: list[tuple[Command, asyncio.Future[object]]], answered: Sequence[Applied]
) -> list[tuple[Command, asyncio.Future[object]]]:
    """Answer the batch's server commands (market controls, chain-deposit requests) with what they
    did, and return the others: a rebuild from the database undoes the exchange's state but not the
    simulation's or funding's timers, so running a `ShiftPrice` again would move the price twice."""
    rest: list[tuple[Command, asyncio.Future[object]]] = []
    for (command, future), applied in zip(batch, answered, strict=True):
        if isinstance(command, SERVER_COMMANDS):
            if not future.done():
                future.set_result(applied.result)
        else:
            rest.append((command, future))
    return rest


def apply_batch(
    core: ExchangeCore,
    commands: Sequence[Command],
    inbox: Sequence[InboxItem],
    ts: int,
    *,
    order_events: bool = False,
) -> tuple[list[Applied], ChangeSet]:
    """Apply the inbox's commands, then `commands`, in order; the rows to commit for all of them,
    with each inbox item's outcome (and with `order_events`, every step of every order: someone
    listens to the WS `orders` channel)."""
    applied: list[Applied] = []
    outcomes: list[InboxOutcome] = []
    for item in inbox:
        command = codec.decode(item.kind, item.payload)
        if isinstance(command, Rejected):
            outcomes.append(codec.outcome(item.id, command, ts))
            continue
        done = core.apply(command, ts)
        applied.append(done)
        outcomes.append(codec.outcome(item.id, done.result, ts))
    answered = [core.apply(command, ts) for command in commands]
    changes = core.changes(applied + answered, order_events=order_events)
    changes.inbox.extend(outcomes)
    return answered, changes


def drain_inbox(
    core: ExchangeCore, store: ExchangeStore, clock: Clock, owner: str | None = None
) -> int | None:
    """Apply every pending inbox command in this process, when no server holds the lease.

    Returns how many were handled, or None when a live sequencer holds the lease (it will do it).
    Commands only a server's parts apply (market controls, chain deposits: `SERVER_COMMANDS`) stay
    pending for the next server.
    """
    me = owner or lease_owner()
    if not take_lease(store, me):
        return None
    try:
        core.load()
        handled = 0
        while items := store.pending_inbox(INBOX_BATCH, OFFLINE_KINDS):
            ts = clock.now_ms()
            _, changes = apply_batch(core, [], items, ts)
            store.write(changes, me, None)
            handled += len(items)
        return handled
    finally:
        store.release_lease(me)


class Sequencer:
    """Implements `sandex.services.exchange.commands.CommandBus`."""

    def __init__(
        self,
        core: ExchangeCore,
        store: ExchangeStore,
        clock: Clock,
        hub: Hub,
        accounts: LedgerAccounts,
        *,
        owner: str | None = None,
        inbox_poll_s: float = INBOX_POLL_S,
        heartbeat_s: float = HEARTBEAT_S,
        lease_wait_s: float = LEASE_WAIT_S,
        checkpoint_s: float = CHECKPOINT_S,
    ) -> None:
        self.core = core
        self._store = store
        self._clock = clock
        self._notifier = Notifier(store, hub, accounts)
        self.owner = owner or lease_owner()
        self._inbox_poll_s = inbox_poll_s
        self._heartbeat_s = heartbeat_s
        self._lease_wait_s = lease_wait_s
        self._queue: list[tuple[Command, asyncio.Future[object]]] = []
        self._wake = asyncio.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._checkpoints: asyncio.Task[None] | None = None
        self._checkpoint_s = checkpoint_s
        self._stopping = False
        self._in_batch = 0  # batches between apply and publish (see `settled`)
        self.commits = 0  # transactions written (tests check that batching happens)
        self.loads = 0  # times `start` loaded the core from the database (a hot standby may not)
        self.failures = 0  # batches that failed and forced a rebuild
        self.lease_lost = False  # another process took the lease: this one stepped down for good
        self.on_lease_lost: Callable[[], None] | None = None  # the server exits (see `serve`)
        self._keeper: asyncio.Task[None] | None = None  # refreshes the lease between `acquire` and `start`
        self.commit_seq = 0  # the database's commit count this state stands at (`ExchangeStore.commit_seq`)
        self.followers: Followers | None = None  # API processes' replicas (`--role sequencer`)
        self._origins: weakref.WeakKeyDictionary[asyncio.Future[object], str] = weakref.WeakKeyDictionary()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # --- life cycle ------------------------------------------------------------------------------
    async def acquire(self, wait_s: float | None) -> None:
        """Take the lease, waiting up to `wait_s` (None: as long as it takes, a standby), and keep it
        fresh until `start`: the process holds it before any start-up step that writes."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="sandex-sequencer")
        self._loop = asyncio.get_running_loop()
        self.lease_lost = False
        deadline = None if wait_s is None else time.monotonic() + wait_s
        while not await self._try_take_lease():
            if deadline is not None and time.monotonic() > deadline:
                self._executor.shutdown(wait=False)
                self._executor = None
                holder = self._store.lease_state().owner
                raise RuntimeError(f"another sandex process writes to this database (lease held by {holder})")
            await asyncio.sleep(LEASE_POLL_S)
        log.info("holding the sequencer lease as %s", self.owner)
        self._keeper = asyncio.create_task(self._keep_lease(), name="sandex-lease-keeper")

    async def start(self, replica_at: int | None = None) -> None:
        """Take the lease (unless `acquire` did), rebuild state from the database, apply the inbox,
        then accept commands. `replica_at`: the commit count the core already stands at as a
        replica of the sequencer before (a hot standby): it goes on from there without loading
        when the database stands there too and holds the same ids, orders and balances."""
        if self._keeper is None:
            await self.acquire(self._lease_wait_s)
        if self.lease_lost:
            raise RuntimeError("the sequencer lease was taken by another process during start-up")
        self._stopping = False
        self._wake = asyncio.Event()
        if not await self._on_the_replica(replica_at):
            await self._io(self.core.load)
            self.loads += 1
        self.commit_seq = await self._io(self._store.bump_commit_seq, self.owner)
        # The state (loaded, or the replica's), by digest, with the count it is the database's at
        # (`base`): a replica that holds it (a takeover after a kill loses nothing committed) goes
        # on without loading; the ids it takes with it include the priority stamps' counter.
        digest = await self._io(self.core.state_digest) if self.followers is not None else ""
        now, ids = self._clock.now_ms(), self.core.next_ids()
        base = self.commit_seq - 1
        await self._tell_followers(base, now, [], [], reload=True, digest=digest, ids=ids)
        await self._drain_inbox()
        self._task = asyncio.create_task(self._run(), name="sandex-sequencer")
        self._checkpoints = asyncio.create_task(self._checkpoint_forever(), name="sandex-checkpoints")

    async def _on_the_replica(self, replica_at: int | None) -> bool:
        """Whether the core, a replica at commit `replica_at`, is the database's: then it is what
        a load would build. The lease is ours and the last holder fenced, so nothing commits under
        these reads. A replica numbers priority stamps as its sequencer (they travel with the ids),
        so its resting orders are the stored ones, numbers too (`store_check`)."""
        if replica_at is None:
            return False
        stored = await self._io(self._store.commit_seq)
        if stored != replica_at:
            log.info("the replica stands at commit %d, the database at %d: loading", replica_at, stored)
            return False
        try:
            differs = await self._io(store_check.differences, self.core, self._store)
        except Exception:  # a replica not whole enough to compare (or the database away): load
            log.warning("checking the replica against the database failed: loading", exc_info=True)
            return False
        if differs:
            log.warning(
                "the replica at commit %d is not the database (%s): loading", stored, "; ".join(differs)
            )
            return False
        log.info("taking over on the replica's state at commit %d: nothing to load", stored)
        return True

    async def stop(self) -> None:
        """Finish what is queued, then release the lease."""
        await self._halt()
        keeper, self._keeper = self._keeper, None
        await cancel_and_wait(keeper)
        if self._executor is not None:
            try:
                await self._io(self._store.release_lease, self.owner)
            except Exception:  # the database may be gone at shutdown; the lease then goes stale
                log.warning("could not release the sequencer lease", exc_info=True)
            self._executor.shutdown(wait=True)
            self._executor = None

    async def _try_take_lease(self) -> bool:
        try:
            return await self._io(take_lease, self._store, self.owner)
        except Exception as exc:  # the database is away: a waiting process keeps waiting
            first = (str(exc).splitlines() or [""])[0]  # the driver's message, never parameters
            log.warning(
                "cannot look at the sequencer lease (%s: %s); trying again", type(exc).__name__, first
            )
            return False

    async def _keep_lease(self) -> None:
        """Refresh the lease every `heartbeat_s` unless a commit proved it meanwhile, from start-up
        (the market's backfill can take a while) to `stop`. On a thread of its own: a long job on
        the writer's thread (`exclusive`: retention, key-use flushes) must not let the lease go
        stale under a live holder."""
        commits = -1
        while not self.lease_lost:
            await asyncio.sleep(self._heartbeat_s)
            if self.commits == commits or self._task is None:
                await self._heartbeat()
            commits = self.commits

    async def _halt(self) -> None:
        """Finish what is queued and take no more commands; the lease stays as it is."""
        self._stopping = True
        self._wake.set()
        checkpoints, self._checkpoints = self._checkpoints, None
        await cancel_and_wait(checkpoints)
        if self._task is not None:
            await self._task
            self._task = None

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Stopped for the block (the control API wipes or restores the database), then started
        again when it ran before: it rebuilds books and balances from the database. The lease
        stays held (refreshed) throughout: a standby must not take over a database half rewritten."""
        running = self.running
        if running:
            await self._halt()
        try:
            yield
        finally:
            if running:  # the rewrite counts as a commit: no replica's count stands for the new state
                await self._io(self._store.bump_commit_seq, self.owner)
                await self.start()

    async def exclusive(self, fn: Callable[[], T]) -> T:
        """Run a database write on the writer thread, between two group commits (or on a worker
        thread when no sequencer runs): on SQLite it then neither waits on nor holds up a commit."""
        executor = self._executor
        if executor is not None and self.running:
            with contextlib.suppress(RuntimeError):  # the executor shut down meanwhile
                return await asyncio.get_running_loop().run_in_executor(executor, fn)
        return await asyncio.to_thread(fn)

    async def _checkpoint_forever(self) -> None:
        """The write-ahead log moves into the database here, on a worker thread of its own, so no
        group commit ever pays for it (its own connection never checkpoints). When that falls behind
        a busy writer, one catch-up between two commits copies the rest and empties the file."""
        while True:
            await asyncio.sleep(self._checkpoint_s)
            try:
                moved = await asyncio.to_thread(self._store.checkpoint)
                if moved is None:
                    return  # the database has no write-ahead log to move (PostgreSQL)
                if moved[0] > WAL_CATCH_UP_FRAMES:
                    await self.exclusive(functools.partial(self._store.checkpoint, truncate=True))
            except Exception:  # the next round tries again; the WAL only grows meanwhile
                log.warning("WAL checkpoint failed", exc_info=True)

    # --- commands --------------------------------------------------------------------------------
    async def submit(self, command: Command, origin: str = "") -> object:
        """Run `command` in order with all others; safe to call from any thread and event loop (a test
        thread, a notebook): the command then hops onto the sequencer's loop. `origin`: the API
        process that sent it and its number there (its replica answers from the batch)."""
        if not self.running or self._stopping:
            raise CommandError("the sequencer is not running")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            assert self._loop is not None
            hop = asyncio.run_coroutine_threadsafe(self.submit(command, origin), self._loop)
            return await asyncio.wrap_future(hop)
        future: asyncio.Future[object] = loop.create_future()
        if origin:
            self._origins[future] = origin
        self._queue.append((command, future))
        self._wake.set()
        return await future

    async def _run(self) -> None:
        try:
            await self._loop_forever()
        finally:  # never leave a caller waiting on a sequencer that is gone
            queued, self._queue = self._queue, []
            for _, future in queued:
                if not future.done():
                    future.set_exception(CommandError("the sequencer stopped"))

    async def _loop_forever(self) -> None:
        loop = asyncio.get_running_loop()
        next_poll = loop.time()
        while True:
            if not self._queue and not self._stopping:
                timeout = max(0.0, next_poll - loop.time())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            if self._stopping and not self._queue:
                return
            inbox: list[InboxItem] = []
            if loop.time() >= next_poll:
                next_poll = loop.time() + self._inbox_poll_s
                inbox = await self._safe_io(self._store.pending_inbox, INBOX_BATCH) or []
            if inbox:  # a batch of its own: a bad inbox item must not fail users' commands
                await self._process([], inbox)
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            if batch:
                await self._process(batch, [])

    @property
    def settled(self) -> bool:
        """True unless a batch is between being applied in memory and being published: then the
        exchanges hold state not yet committed (the WS gateway reads books only while settled)."""
        return self._in_batch == 0

    async def _process(
        self, batch: list[tuple[Command, asyncio.Future[object]]], inbox: list[InboxItem]
    ) -> bool:
        self._in_batch += 1
        try:
            return await self._process_batch(batch, inbox)
        finally:
            self._in_batch -= 1

    async def _process_batch(
        self, batch: list[tuple[Command, asyncio.Future[object]]], inbox: list[InboxItem]
    ) -> bool:
        """Apply and commit one batch; True when it was committed."""
        if self.lease_lost:  # stepped down: another process writes, this one's state is stale
            _refuse(batch, "this process lost the sequencer lease")
            return False
        ts = self._clock.now_ms()
        ids = self.core.next_ids() if self.followers is not None else ()  # before: replicas start there
        try:
            commands = [command for command, _ in batch]
            events = self._notifier.wants_order_events
            answered, changes = apply_batch(self.core, commands, inbox, ts, order_events=events)
        except Exception as exc:  # a bug: the inbox items that caused it are refused, not retried forever
            return await self._failed(batch, exc, inbox)
        base = self.commit_seq
        tell = functools.partial(self._tell_followers, base, ts, inbox, batch, ids=ids)
        try:
            if changes:
                await self._write(changes, tell)
        except Exception as exc:  # the database: the batch runs again after a rebuild (`_failed`)
            rest = _answer_server_commands(batch, answered)
            return await self._failed(rest, exc, [], retry_alone=len(rest) < len(batch))
        if self.followers is not None:  # committed: confirmed; nothing written: applied as it comes
            await (self._confirm(base) if changes else tell())
        try:  # published before the callers hear back: a client sees its push no later than its ack
            await self._notifier.publish(changes, self._io)
        except Exception:  # best effort: a broken subscriber never fails a committed batch
            log.exception("publishing a committed batch failed")
        for (_, future), applied in zip(batch, answered, strict=True):
            if not future.done():  # the caller may have gone away; the command stands
                future.set_result(applied.result)
        return True

    async def _tell_followers(
        self,
        base: int,
        ts: int,
        inbox: Sequence[InboxItem],
        batch: Sequence[tuple[Command, asyncio.Future[object]]],
        *,
        reload: bool = False,
        digest: str = "",
        ids: Sequence[int] = (),
        seq: int | None = None,
        pending: bool = False,
    ) -> None:
        """The batch, as applied, to the API processes' replicas: the inbox's commands first (decoded
        again: the same commands `apply_batch` ran), then the callers'. `seq`: the commit count
        after it (default: now); `pending`: before its commit (`_confirm` follows it)."""
        followers = self.followers
        if followers is None:
            return
        commands: list[Command] = []
        origins: list[str] = []
        for item in inbox:
            command = codec.decode(item.kind, item.payload)
            if not isinstance(command, Rejected):
                commands.append(command)
                origins.append("")
        for command, future in batch:
            commands.append(command)
            origins.append(self._origins.get(future, ""))  # kept: a failed commit runs again in halves
        try:
            await followers.publish(
                base,
                self.commit_seq if seq is None else seq,
                ts,
                commands,
                origins,
                self.core.halted,
                self.core.marks(),
                reload=reload,
                digest=digest,
                ids=ids,
                pending=pending,
            )
        except Exception:  # a replica that misses a batch sees the gap and reloads
            log.warning("telling the API processes about a batch failed", exc_info=True)

    async def _write(self, changes: ChangeSet, tell: Callable[..., Awaitable[None]]) -> None:
        """Commit a batch's rows; the replicas hear of it before (`pending`): a standby then has it
        even when this process dies between the commit and the confirmation."""
        if self.followers is not None:
            await tell(seq=self.commit_seq + 1, pending=True)
        await self._io(self._store.write, changes, self.owner, None)
        self.commits += 1
        self.commit_seq += 1

    async def _confirm(self, base: int) -> None:
        """The pending batch on `base` is committed: replicas apply it now."""
        assert self.followers is not None
        try:
            await self.followers.confirm(base, self.commit_seq)
        except Exception:  # a replica that misses it sees the gap and reloads
            log.warning("confirming a batch to the API processes failed", exc_info=True)

    async def _failed(
        self,
        batch: list[tuple[Command, asyncio.Future[object]]],
        exc: Exception,
        poison: list[InboxItem],
        *,
        retry_alone: bool = False,  # the batch had others (answered already): one left still runs again
    ) -> bool:
        count = len(batch) + len(poison)
        log.error("group commit of %d commands failed; rebuilding from the database", count, exc_info=exc)
        self.failures += 1
        rebuilt = await self._rebuild()  # before anyone hears back: reads must not see undone state
        if self.lease_lost:
            _refuse(batch, "this process lost the sequencer lease")
            return False
        if rebuilt and (len(batch) > 1 or (retry_alone and batch)):
            await self._in_halves(batch)
            batch = []
        for _, future in batch:
            if not future.done():
                future.set_exception(CommandError(str(exc) or type(exc).__name__))
        if not rebuilt:
            await self._recover()
        if poison:
            refused = Rejected(Reason.SYSTEM_ERROR)
            outcomes = ChangeSet(
                inbox=[codec.outcome(item.id, refused, self._clock.now_ms()) for item in poison]
            )
            await self._safe_io(self._store.write, outcomes, self.owner, None)
        return False

    async def _in_halves(self, batch: list[tuple[Command, asyncio.Future[object]]]) -> None:
        """Run a failed batch's commands again, in order, as two batches (a half that fails again
        comes back here through `_failed`): isolates the command that broke it."""
        log.warning("running the %d commands of the failed batch again in halves", len(batch))
        middle = len(batch) // 2
        for half in (batch[:middle], batch[middle:]):
            await self._process_batch(half, [])

    async def _drain_inbox(self) -> None:
        while items := await self._io(self._store.pending_inbox, INBOX_BATCH):
            if not await self._process([], items):
                return

    async def _heartbeat(self) -> None:
        try:
            beat = await asyncio.to_thread(self._store.heartbeat, self.owner, None)
        except Exception:  # the database is away, or the row busy: the next beat or commit tells
            log.warning("refreshing the sequencer lease failed", exc_info=True)
            return
        if not beat:
            self._step_down()

    def _step_down(self) -> None:
        """Another process holds the lease: refuse every command from now on, at once, and tell the
        server (`on_lease_lost`). Taking the lease back would make the two take turns."""
        if self.lease_lost:
            return
        self.lease_lost = True
        self._stopping = True
        self._wake.set()
        queued, self._queue = self._queue, []
        _refuse(queued, "this process lost the sequencer lease")
        log.critical("the sequencer lease was taken by another process: this one no longer writes")
        if self.on_lease_lost is not None:
            self.on_lease_lost()

    async def _recover(self) -> None:
        """Rebuild the exchanges from committed state, retrying until it works (or the lease is gone)."""
        while not self._stopping and not await self._rebuild():
            await asyncio.sleep(0.5)

    async def _rebuild(self) -> bool:
        """Prove the lease is still ours, then reload the exchanges from the database; False if
        that failed (the database is away: try again) or the lease is another's (then step down)."""
        try:
            if await self._io(self._store.heartbeat, self.owner, None):
                await self._io(self.core.load)
                return True
            self._step_down()
        except LeaseLostError:
            self._step_down()
        except Exception:
            log.exception("rebuilding exchange state failed")
        return False

    # --- the database thread ---------------------------------------------------------------------
    async def _io(self, fn: Callable[..., T], *args: Any) -> T:
        assert self._executor is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _safe_io(self, fn: Callable[..., T], *args: Any) -> T | None:
        try:
            return await self._io(fn, *args)
        except Exception:
            log.warning("sequencer housekeeping failed (%s)", getattr(fn, "__name__", fn), exc_info=True)
            return None


def _refuse(batch: Sequence[tuple[Command, asyncio.Future[object]]], why: str) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(CommandError(why))
