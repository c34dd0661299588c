"""The CLI's side of the command inbox: it enqueues encoded commands (`services/exchange/inbox.py`)
for the sequencer of a running server (or of this process) and reads their outcomes back.

    item = enqueue(runtime, Deposit(...))
    view = await_applied(runtime, item, "deposit", DepositView)  # exits 1 when refused
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Protocol

from sandex.cli.common import fail_with

if TYPE_CHECKING:
    from sandex.domain.clock import Clock
    from sandex.services.exchange.commands import Command
    from sandex.services.exchange.core import ExchangeCore
    from sandex.services.exchange.records import InboxOutcome
    from sandex.storage.repositories.exchange import SqlExchangeStore


class Writer(Protocol):
    """The exchange's tables, and the exchange to apply the inbox with when no server does."""

    @property
    def store(self) -> SqlExchangeStore: ...

    @property
    def core(self) -> ExchangeCore: ...


class InboxRuntime(Protocol):
    """What the inbox needs of a runtime: a whole `Runtime`, or `sandex.cli.exchange_tables`' lean ones."""

    @property
    def clock(self) -> Clock: ...

    @property
    def trading(self) -> Writer: ...


INBOX_WAIT_S = 10.0  # how long to wait for a running server to apply an inbox command
INBOX_POLL_S = 0.05


def enqueue(runtime: InboxRuntime, command: Command) -> int:
    """Leave `command` for the writer; the inbox item's id."""
    from sandex.services.exchange import inbox as codec  # deferred: `sandex --help` stays fast

    kind, payload = codec.encode(command)
    return runtime.trading.store.add_inbox(kind, payload, runtime.clock.now_ms())


def await_applied(runtime: InboxRuntime, item: int, what: str, result_type: Any) -> Any:
    """Wait for a running server to apply inbox `item` (a command the exchange core applies itself:
    a deposit, a fee tier); apply it here when no server holds the sequencer lease. Its result as
    `result_type`; exits 1 with the refusal's reason when it was refused."""
    from sandex.services.exchange import inbox as codec

    return codec.decode_result(result_type, await_done(runtime, item, what).result)


def await_done(runtime: InboxRuntime, item: int, what: str) -> InboxOutcome:
    """`await_applied` without reading the result: the outcome of an applied command."""
    from sandex.runtime.sequencer import drain_inbox, lease_alive

    store, clock = runtime.trading.store, runtime.clock
    deadline = time.monotonic() + INBOX_WAIT_S
    while (outcome := store.inbox_outcome(item)) is None:
        if not lease_alive(store):
            drain_inbox(runtime.trading.core, store, clock)
            continue
        if time.monotonic() > deadline:
            waited = f"{INBOX_WAIT_S:g} s (inbox item {item})"
            fail_with(f"the running server did not apply the {what} within {waited}")
        time.sleep(INBOX_POLL_S)
    if outcome.state != "done":
        body = refusal(outcome)
        fail_with(f"{what} refused: {body.get('reason')} {body.get('params') or ''}".rstrip())
    return outcome


def refusal(outcome: InboxOutcome) -> dict[str, Any]:
    """A refused command's {"reason": ..., "params": {...}}."""
    body: dict[str, Any] = json.loads(outcome.result)
    return body
