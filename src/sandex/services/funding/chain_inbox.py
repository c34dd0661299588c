"""Chain deposits sent through the command inbox (`sandex deposit … --chain USDT-TRC20`).

The CLI checks the request (`check_chain_deposit`), picks the deposit's transaction hash and
leaves an inbox item of kind `chain_deposit`. The sequencer (of a running server, or of the CLI
itself when none runs) hands it to `ChainDepositInbox.handle`, which checks it again, answers
"accepted" and starts `FundingService.simulate_deposit` as a task: the deposit is a command of its
own, so it cannot be applied inside the batch that carries the inbox item. The CLI then finds the
deposit by its transaction hash in the deposit history.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.withdrawals import amount_units, find_chain
from sandex.domain.instruments import Catalogue, Chain
from sandex.services.exchange.core import rejected_inbox
from sandex.services.exchange.records import InboxItem, InboxOutcome
from sandex.services.funding.service import FundingService

log = logging.getLogger("sandex.funding")

INBOX_KIND = "chain_deposit"
READY_WAIT_S = 10.0  # a sequencer draining the inbox while it starts runs commands shortly after


@dataclass(frozen=True, slots=True)
class ChainDepositOrder:
    user_id: int
    environment: Environment
    ccy: str
    chain: str
    amount: Decimal
    tx_id: str

    def payload(self) -> str:
        return json.dumps(
            {
                "user_id": self.user_id,
                "environment": self.environment.value,
                "ccy": self.ccy,
                "chain": self.chain,
                "amount": str(self.amount),
                "tx_id": self.tx_id,
            }
        )

    @classmethod
    def parse(cls, payload: str) -> ChainDepositOrder | Rejected:
        try:
            raw = json.loads(payload)
            return cls(
                int(raw["user_id"]),
                Environment(raw["environment"]),
                str(raw["ccy"]),
                str(raw["chain"]),
                Decimal(str(raw["amount"])),
                str(raw["tx_id"]),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation):
            return Rejected.of(Reason.PARAM_ERROR, field="payload")


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
    """The sequencer's handler for `chain_deposit` inbox items (`Sequencer.handle_inbox`)."""

    def __init__(self, funding: FundingService, catalogue: Catalogue, ready: Callable[[], bool]) -> None:
        self._funding = funding
        self._catalogue = catalogue
        self._ready = ready  # whether the sequencer takes commands (not while it drains on start)
        self._tasks: set[asyncio.Task[None]] = set()

    def handle(self, item: InboxItem, ts: int) -> InboxOutcome:
        order = ChainDepositOrder.parse(item.payload)
        if isinstance(order, Rejected):
            return rejected_inbox(item, order, ts)
        checked = check_chain_deposit(self._catalogue, order.ccy, order.amount, order.chain)
        if isinstance(checked, Rejected):
            return rejected_inbox(item, checked, ts)
        task = asyncio.get_running_loop().create_task(self._deposit(order))
        self._tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._tasks.discard)
        return InboxOutcome(item.id, "done", json.dumps({"accepted": True, "txId": order.tx_id}), ts)

    async def _deposit(self, order: ChainDepositOrder) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_WAIT_S
        while not self._ready() and loop.time() < deadline:
            await asyncio.sleep(0.01)
        result = await self._funding.simulate_deposit(
            order.user_id, order.environment, order.ccy, order.amount, order.chain, tx_id=order.tx_id
        )
        if isinstance(result, Rejected):
            log.warning("chain deposit tx=%s refused: %s", order.tx_id, result.reason.value)
