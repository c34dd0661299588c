"""Chain deposits sent through the command inbox (`sandex deposit … --chain USDT-TRC20`).

The CLI checks the request (`check_chain_deposit`), picks the deposit's transaction hash and
enqueues a `SimulateChainDeposit` command. The sequencer (of a running server, or of the CLI itself
when none runs) applies it through `ChainDepositInbox.accept` (the exchange core's `ChainDeposits`
port), which checks it again, answers "accepted" and starts `FundingService.simulate_deposit` as a
task: the deposit is a command of its own, so it cannot be applied inside the batch that carries
the request. The CLI then finds the deposit by its transaction hash in the deposit history.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.withdrawals import amount_units, find_chain
from sandex.domain.instruments import Catalogue, Chain
from sandex.services.exchange.commands import SimulateChainDeposit
from sandex.services.funding.service import FundingService

log = logging.getLogger("sandex.funding")

READY_WAIT_S = 10.0  # a sequencer draining the inbox while it starts runs commands shortly after


@dataclass(frozen=True, slots=True)
class ChainDepositAccepted:
    tx_id: str


def check_chain_deposit(catalogue: Catalogue, ccy: str, amount: Decimal, chain: str) -> Chain | Rejected:
    """The chain a deposit of `amount` `ccy` arrives on, or why it cannot (unknown currency 51000
    `ccy`, no such chain of it `chain`, below the chain's minimum or too precise `amt`)."""
    currency = catalogue.currency(ccy)
    if currency is None:
        return Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
    picked = find_chain(currency, chain)
    if isinstance(picked, Rejected):
        return picked
    units = amount_units(amount, picked.wd_tick_sz)
    if isinstance(units, Rejected) or amount < picked.min_dep:
        return Rejected.of(Reason.PARAM_ERROR, field="amt")
    return picked


class ChainDepositInbox:
    """Implements the exchange core's `ChainDeposits` port (wired with `ExchangeCore.serve`)."""

    def __init__(self, funding: FundingService, catalogue: Catalogue, ready: Callable[[], bool]) -> None:
        self._funding = funding
        self._catalogue = catalogue
        self._ready = ready  # whether the sequencer takes commands (not while it drains on start)
        self._tasks: set[asyncio.Task[None]] = set()

    def accept(self, command: SimulateChainDeposit) -> ChainDepositAccepted | Rejected:
        checked = check_chain_deposit(self._catalogue, command.ccy, command.amount, command.chain)
        if isinstance(checked, Rejected):
            return checked
        task = asyncio.get_running_loop().create_task(self._deposit(command))
        self._tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._tasks.discard)
        return ChainDepositAccepted(command.tx_id)

    async def _deposit(self, order: SimulateChainDeposit) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_WAIT_S
        while not self._ready() and loop.time() < deadline:
            await asyncio.sleep(0.01)
        result = await self._funding.simulate_deposit(
            order.user_id, order.environment, order.ccy, order.amount, order.chain, tx_id=order.tx_id
        )
        if isinstance(result, Rejected):
            log.warning("chain deposit tx=%s refused: %s", order.tx_id, result.reason.value)
