"""`sandex deposit EMAIL CCY AMOUNT --chain USDT-TRC20`: a chain deposit to the user's own address.

Unlike the instant deposit, it moves through OKX's states on the app clock (waiting for
confirmations -> credited -> successful) and lands in the funding account. It goes through the
command inbox (a `SimulateChainDeposit`, `services.funding.chain_inbox`): a running server's sequencer
picks it up; when none runs, this command starts the sequencer itself just long enough to record
the deposit (its later states then move on when a server runs, or `FundingService.advance`).
The deposit is found afterwards by the transaction hash chosen here.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandex.cli.common import fail_with
from sandex.cli.inbox import enqueue, refusal
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.money import format_decimal
from sandex.services.exchange.commands import SimulateChainDeposit
from sandex.services.funding.chain_inbox import check_chain_deposit
from sandex.services.funding.views import DepositView, Funder, HistoryFilter

if TYPE_CHECKING:
    from sandex.process import Runtime

WAIT_S = 10.0  # how long to wait for the deposit to be recorded
POLL_S = 0.05


def chain_deposit(
    runtime: Runtime, email: str, ccy: str, value: Decimal, chain: str, environment: Environment
) -> dict[str, Any]:
    """Send the deposit and answer its record as JSON-ready data; exits 1 on bad input."""
    from sandex.runtime.sequencer import lease_alive

    user = runtime.accounts.get_user_by_email(email)
    if user is None:
        fail_with(f"no user with email {email.strip().lower()}")
    checked = check_chain_deposit(runtime.catalogue, ccy, value, chain)
    if isinstance(checked, Rejected):
        fail_with(_reason(runtime, checked, ccy, value, chain))
    order = SimulateChainDeposit(environment, user.id, ccy, chain, value, "0x" + secrets.token_hex(32))
    who = Funder(user.id, environment, user.is_sub_account)
    item = enqueue(runtime, order)
    if lease_alive(runtime.trading.store):
        _await_accepted(runtime, item)
        found = _await_record(runtime, who, order.tx_id)
    else:
        found = asyncio.run(_apply_here(runtime, who, order.tx_id))
    if found is None:
        fail_with(f"the deposit was accepted but not recorded within {WAIT_S:g} s (inbox item {item})")
    return _json(found, environment)


def _await_accepted(runtime: Runtime, item: int) -> None:
    store = runtime.trading.store
    deadline = time.monotonic() + WAIT_S
    while (outcome := store.inbox_outcome(item)) is None:
        if time.monotonic() > deadline:
            fail_with(f"the running server did not take the deposit within {WAIT_S:g} s (inbox item {item})")
        time.sleep(POLL_S)
    if outcome.state != "done":
        body = refusal(outcome)
        fail_with(f"deposit refused: {body.get('reason')} {body.get('params') or ''}".rstrip())


def _find(runtime: Runtime, who: Funder, tx_id: str) -> DepositView | None:
    found = runtime.funding.service.deposit_history(who, HistoryFilter(tx_id=tx_id, limit=1))
    return None if isinstance(found, Rejected) or not found else found[0]


def _await_record(runtime: Runtime, who: Funder, tx_id: str) -> DepositView | None:
    deadline = time.monotonic() + WAIT_S
    while (found := _find(runtime, who, tx_id)) is None and time.monotonic() < deadline:
        time.sleep(POLL_S)
    return found


async def _apply_here(runtime: Runtime, who: Funder, tx_id: str) -> DepositView | None:
    """No server runs: run the sequencer here (it applies the inbox on start) until it is recorded."""
    sequencer = runtime.trading.sequencer
    try:
        await sequencer.start()
    except RuntimeError as exc:  # a server started meanwhile and holds the lease
        fail_with(str(exc))
    try:
        deadline = time.monotonic() + WAIT_S
        while (found := await asyncio.to_thread(_find, runtime, who, tx_id)) is None:
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(POLL_S)
        return found
    finally:
        await sequencer.stop()


def _reason(runtime: Runtime, refused: Rejected, ccy: str, value: Decimal, chain: str) -> str:
    field = refused.params.get("field")
    if field == "ccy":
        return f"unknown currency {ccy!r}"
    currency = runtime.catalogue.currency(ccy)
    chains = ", ".join(c.name for c in currency.chains) if currency else ""
    if field == "chain":
        return f"invalid --chain {chain!r}: {ccy} deposits arrive on {chains}"
    if field == "amt":
        picked = next((c for c in currency.chains if c.name == chain), None) if currency else None
        minimum = f" (minimum {format_decimal(picked.min_dep)} {ccy})" if picked else ""
        return f"invalid amount {format_decimal(value)} for {chain}: below the minimum or too fine{minimum}"
    return f"deposit refused: {refused.reason.value}"


def _json(view: DepositView, environment: Environment) -> dict[str, Any]:
    return {
        "depId": view.dep_id,
        "ccy": view.ccy,
        "chain": view.chain,
        "amount": format_decimal(view.amount),
        "to": view.to_addr,
        "tag": view.tag,
        "txId": view.tx_id,
        "state": view.state.value,
        "confirmations": view.confirmations,
        "environment": environment.value,
        "ts": view.ts,
    }
