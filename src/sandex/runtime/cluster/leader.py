"""The sequencer's side of the bus (`sandex serve --role sequencer`): it takes API processes'
commands and tells their replicas every batch it applied.

    leader = Leader(sequencer, "nats://127.0.0.1:4222", subjects, name="seq-1")
    sequencer.followers = leader   # before the sequencer starts: its start is a `reload`
    await leader.connect()         # before the sequencer starts
    await leader.start()           # once it holds the lease: answer commands
    ...
    await leader.stop()

Only a sequencer that holds the lease listens for commands, so a standby that has not taken over
answers none (a request then times out: not acknowledged). No queue group: a holder frozen (SIGSTOP)
keeps its subscription, and with a group NATS would hand it half the commands after a standby took
over; so every listening sequencer hears every command, only the holder's commit can succeed, and a
deposed one stays silent instead of answering with a refusal that could beat the holder's answer.
A command is answered after its batch committed and was published, with the commit count after it
(see `follower.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from sandex.domain.clock import Clock
from sandex.runtime.aio import cancel_and_wait
from sandex.runtime.cluster import wire
from sandex.runtime.cluster.forwarding import ForwardedServer
from sandex.runtime.cluster.link import Subjects, connect, unsubscribe
from sandex.runtime.cluster.mirror import Mirror
from sandex.runtime.sequencer import Sequencer
from sandex.services.exchange.commands import Command, CommandError
from sandex.services.simulation.board import MarketBoard
from sandex.services.swap_funding.service import FundingRateService

log = logging.getLogger("sandex.cluster")

BOARD_FEED_S = 0.25


class Responder(Protocol):
    """Answers API processes on a subject of its own while this sequencer holds the lease."""

    async def start(self, nats: Any) -> None: ...

    async def stop(self) -> None: ...


class Leader:
    """Implements `sandex.runtime.sequencer.Followers`."""

    def __init__(self, sequencer: Sequencer, url: str, subjects: Subjects, *, name: str) -> None:
        self._sequencer = sequencer
        self._url = url
        self.name = name
        self._nats: Any = None
        self.subjects = subjects
        self._subscription: Any = None
        self._unstored: Any = None
        self._feed: asyncio.Task[None] | None = None
        self.board: MarketBoard | None = None  # the simulated market API processes follow
        self.funding: FundingRateService | None = None  # and the funding rates it samples
        self.clock: Clock | None = None
        self.mirrors: list[Mirror] = []  # the clock and the faults, one across the cluster
        self.control: ForwardedServer | None = None  # serves API processes' control requests
        self._control: Any = None
        self.responders: list[Responder] = []  # fault decisions (`fault_decisions.py`)
        self._tasks: set[asyncio.Task[None]] = set()
        self.published = 0
        self._marks_sent: Mapping[str, tuple[Decimal, Decimal]] | None = None

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
    ) -> None:
        if self._nats is None:
            return
        # The marks are the core's only unstored state besides halts: sent when they changed (the
        # core replaces its mapping on each `UpdateMarks`) and on every reload.
        changed = reload or marks is not self._marks_sent
        self._marks_sent = marks
        frame = wire.encode_batch(
            base,
            seq,
            ts,
            commands,
            origins,
            tuple(halted),
            reload=reload,
            marks=marks if changed else None,
            digest=digest,
            ids=ids,
            pending=pending,
        )
        await self._nats.publish(self.subjects.batches, frame)
        self.published += 1

    async def confirm(self, base: int, seq: int) -> None:
        if self._nats is not None:
            await self._nats.publish(self.subjects.batches, wire.encode_confirm(base, seq))

    async def connect(self) -> None:
        if self._nats is None:
            self._nats = await connect(self._url, f"sandex-sequencer {self.name}")
            for mirror in self.mirrors:
                await mirror.start(self._nats)

    async def start(self) -> None:
        await self.connect()
        self._subscription = await self._nats.subscribe(
            self.subjects.commands, cb=self._on_command, pending_msgs_limit=1_000_000
        )
        self._unstored = await self._nats.subscribe(self.subjects.unstored, cb=self._on_unstored)
        if self.control is not None:
            self._control = await self._nats.subscribe(self.subjects.control, cb=self._on_control)
        for responder in self.responders:
            await responder.start(self._nats)
        if self.board is not None:
            self._feed = asyncio.get_running_loop().create_task(
                self._feed_board(self.board), name="sandex-board-feed"
            )

    async def stop(self) -> None:
        for mirror in self.mirrors:
            await mirror.stop()
        for responder in self.responders:
            await responder.stop()
        feed, self._feed = self._feed, None
        await cancel_and_wait(feed)
        dropped = (self._control, self._unstored, self._subscription)
        self._control = self._unstored = self._subscription = None
        for subscription in dropped:
            await unsubscribe(subscription)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """After the sequencer stopped (its last batches are out)."""
        nats, self._nats = self._nats, None
        if nats is not None:
            with contextlib.suppress(Exception):
                await nats.drain()

    async def _on_command(self, message: Any) -> None:
        # Each command waits for its batch on a task of its own: awaiting here would make the
        # subscription hand over one command per group commit.
        task = asyncio.get_running_loop().create_task(self._answer(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _feed_board(self, board: MarketBoard) -> None:
        """The reference prices and marks, as they move, for the API processes' boards (they step
        nothing themselves: index and mark candles, convert quotes and index tickers read them)."""
        moves, rates = -1, None
        while True:
            await asyncio.sleep(BOARD_FEED_S)
            funding = self.funding.state() if self.funding is not None else []
            if (board.moves == moves and funding == rates) or self._nats is None:
                continue
            moves, rates = board.moves, funding
            now = self.clock.now_ms() if self.clock is not None else 0
            frame = wire.encode_board(now, board.prices(), board.marks(), funding)
            try:
                await self._nats.publish(self.subjects.board, frame)
            except Exception:  # the bus is away: the next move goes out
                log.debug("publishing the board failed", exc_info=True)

    async def _on_control(self, message: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._serve_control(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve_control(self, message: Any) -> None:
        assert self.control is not None
        try:
            answer = await self.control.serve(message.data)
        except Exception:  # a request that does not decode: the API process times out
            log.warning("a forwarded control request failed", exc_info=True)
            return
        await self._respond(message, answer)

    async def _on_unstored(self, message: Any) -> None:
        core = self._sequencer.core
        await self._respond(message, wire.encode_unstored(tuple(core.halted), core.marks()))

    async def _answer(self, message: Any) -> None:
        try:
            command, origin = wire.decode_command(message.data)
        except wire.WireError as exc:
            await self._respond(message, wire.encode_refusal(str(exc)))
            return
        try:
            result = await self._sequencer.submit(command, origin)
        except CommandError as exc:
            if (
                self._sequencer.lease_lost
            ):  # deposed: the holder answers this one (every sequencer hears every command)
                return
            await self._respond(message, wire.encode_refusal(str(exc)))
            return
        await self._respond(message, wire.encode_reply(self._sequencer.commit_seq, command, result))

    async def _respond(self, message: Any, data: bytes) -> None:
        if not message.reply:
            return
        try:
            await self._nats.publish(message.reply, data)
        except Exception:  # the bus went away: the sender times out (not acknowledged)
            log.warning("answering a command failed", exc_info=True)
