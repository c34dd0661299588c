"""What the control service needs from the outside world (adapters: storage, runtime, trading)."""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sandex.domain.accounts.model import Environment


@dataclass(frozen=True, slots=True)
class StateReplaced:
    """Published on the event hub after a reset or restore: everything that mirrors exchange state
    (WebSocket sessions, market data) should drop it. `uid`: only that user's state was reset."""

    uid: str | None = None


class Publisher(Protocol):
    def publish(self, event: object) -> None: ...


class StateStore(Protocol):
    """Exchange state in the database, wiped or copied whole (`storage/repositories/control.py`)."""

    def wipe(self) -> None:
        """Delete every user, key, order, balance… (configuration such as master keys stays)."""
        ...

    def wipe_user(self, user_id: int) -> None:
        """Delete what a user owns (keys, sub-accounts, orders, balances…) but keep the user itself."""
        ...

    def snapshot(self) -> object:
        """An opaque copy of everything `wipe` would delete."""
        ...

    def restore(self, snapshot: object) -> None:
        """Replace the current state with a snapshot's, in one transaction."""
        ...


class ClockControl(Protocol):
    """The process clock every service reads (`runtime/clock.SystemClock`)."""

    def now_ms(self) -> int: ...

    @property
    def frozen(self) -> bool: ...

    @property
    def offset_ms(self) -> int: ...

    def advance(self, ms: int) -> None: ...

    def freeze(self, at_ms: int | None = None) -> None: ...

    def resume(self) -> None: ...

    def reset(self) -> None:
        """Back to real time, running."""
        ...


class Depositor(Protocol):
    """Credits money to a user (the trading service's ledger)."""

    async def deposit(self, user_id: int, environment: Environment, ccy: str, amount: Decimal) -> Any: ...

    async def set_fee_tier(
        self, user_id: int, maker: Decimal | None, taker: Decimal | None, level: str | None = None
    ) -> Any: ...


class Resettable(Protocol):
    """In-memory state that mirrors the database (a cache, rate budgets…): dropped after every wipe
    or restore, while the exchange's writer is still paused (like moto's `BaseBackend.reset`)."""

    def reset(self) -> Awaitable[None] | None: ...


class Pausable(Protocol):
    """A background writer (the exchange's sequencer, the market, key-usage flushes, retention) that
    must not run while the database is wiped or restored. Pauses nest in order: the first wraps the
    others, so it resumes last (the market reloads only once the exchange's writer runs again)."""

    def paused(self) -> AbstractAsyncContextManager[None]: ...
