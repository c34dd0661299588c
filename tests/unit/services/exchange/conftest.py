"""The exchange core's tests name ledger accounts by id: these are created first, in this order."""

from __future__ import annotations

import pytest

from sandex.domain.accounts.model import Environment
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.store import ExchangeStore


@pytest.fixture(autouse=True)
def ledger_accounts(store: ExchangeStore) -> list[int]:
    """Trading accounts 3, 4 and 5 (live) and 6 (demo): ids 1 and 2 are the fee accounts."""
    wanted = [(11, Environment.LIVE), (12, Environment.LIVE), (13, Environment.LIVE), (11, Environment.DEMO)]
    ids = [store.ensure_account(user, env, LedgerAccountKind.TRADING, 0) for user, env in wanted]
    assert ids == [3, 4, 5, 6]
    return ids
