"""Funding fixtures: alice with 1,000 USDT and 1 BTC in her live funding account, and an allow-list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.funding.withdrawals import AllowedAddress
from sandex.services.exchange.commands import DepositView
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.funding.ports import AddressBook
from sandex.services.funding.views import Funder
from sandex.services.trading.service import TradingService
from sandex.testing.clock import ManualClock

ADDRESS = "TA1iceWa11etXXXXXXXXXXXXXXXXXXXXX1"  # alice's own USDT-TRC20 wallet, on her allow-list


@pytest.fixture
async def funded(trading: TradingService, alice_funder: Funder) -> None:
    for ccy, amount in (("USDT", "1000"), ("BTC", "1")):
        done = await trading.deposit(
            alice_funder.user_id, alice_funder.environment, ccy, Decimal(amount), LedgerAccountKind.FUNDING
        )
        assert isinstance(done, DepositView)


@pytest.fixture
def wallet(address_book: AddressBook, alice_funder: Funder, clock: ManualClock) -> str:
    """alice's USDT-TRC20 address, allowed for withdrawals."""
    address_book.add_allowed(alice_funder.user_id, AllowedAddress("USDT-TRC20", ADDRESS), clock.now_ms())
    return ADDRESS
