"""The exchange core's tests name ledger accounts by id: these are created first, in this order.
Its core lists `BTC-USDT-SWAP` beside the test catalogue's spot pairs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.instruments import Catalogue
from sandex.services.exchange.commands import Command
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.funding import FundingState
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.store import ExchangeStore
from tests.support.swaps import btc_swap
from tests.unit.services.conftest import CATALOGUE, MemoryStore

SWAP_CATALOGUE = Catalogue([*CATALOGUE.instruments.values(), btc_swap()], CATALOGUE.currencies.values())
Run = Callable[[Command], object]


@pytest.fixture(autouse=True)
def ledger_accounts(store: ExchangeStore) -> list[int]:
    """Trading accounts 3, 4 and 5 (live) and 6 (demo): ids 1 and 2 are the fee accounts."""
    wanted = [(11, Environment.LIVE), (12, Environment.LIVE), (13, Environment.LIVE), (11, Environment.DEMO)]
    ids = [store.ensure_account(user, env, LedgerAccountKind.TRADING, 0) for user, env in wanted]
    assert ids == [3, 4, 5, 6]
    return ids


@pytest.fixture
def core(store: MemoryStore, funding_state: FundingState) -> ExchangeCore:
    """The services' core (see the parent conftest) over a catalogue that lists `BTC-USDT-SWAP` too."""
    core = ExchangeCore(SWAP_CATALOGUE, store, funding=funding_state)
    core.load()
    return core
