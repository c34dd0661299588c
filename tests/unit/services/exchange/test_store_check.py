"""The check a hot standby's replica passes before its new sequencer writes from it: ids above the
database's, the stored resting orders (priority stamps included) and balances."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.amounts import to_amount
from sandex.services.exchange.commands import Command, Deposit, PlaceBatch
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.store_check import differences
from tests.unit.services.conftest import MemoryStore

LIVE = Environment.LIVE
MAKER, TAKER = 3, 4  # ledger accounts (see conftest)
Run = Callable[[Command], object]


def _traded(run: Run, req) -> None:
    for account, user, ccy, amount in ((MAKER, 11, "BTC", "2"), (TAKER, 12, "USDT", "1000")):
        units = to_amount(Decimal(amount))
        assert units is not None
        run(Deposit(LIVE, account, user, LedgerAccountKind.TRADING, ccy, units))
    run(PlaceBatch(LIVE, MAKER, (req.limit("BTC-USDT", "sell", "101", "1"),)))
    run(PlaceBatch(LIVE, TAKER, (req.limit("BTC-USDT", "buy", "101", "0.5"),)))
    run(PlaceBatch(LIVE, TAKER, (req.limit("BTC-USDT", "buy", "90", "1"),)))


def test_a_core_that_wrote_everything_is_the_database(
    run: Run, req, core: ExchangeCore, store: MemoryStore
) -> None:
    _traded(run, req)
    assert differences(core, store) == []


def test_a_command_never_written_shows(run: Run, req, core: ExchangeCore, store: MemoryStore, clock) -> None:
    _traded(run, req)
    core.apply(PlaceBatch(LIVE, MAKER, (req.limit("BTC-USDT", "sell", "120", "0.1"),)), clock.now_ms())
    found = differences(core, store)
    assert any("resting orders differ" in line for line in found), found
    assert any("balances differ" in line for line in found), found


def test_ids_behind_the_database_show(run: Run, req, core: ExchangeCore, store: MemoryStore) -> None:
    ids = core.next_ids()
    _traded(run, req)
    core.resume_ids(ids)  # as a replica that missed the sequencer's ids
    found = differences(core, store)
    assert any(line.startswith("next order id") for line in found), found
    assert any("priority stamp" in line for line in found), found
