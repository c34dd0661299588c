"""The funding use cases of one process, built on the exchange core (funding's state lives inside
it) with the command bus that drives it and the stores the composition root picks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sandex.domain.funding.lifecycle import FundingTiming
from sandex.domain.funding.withdrawals import Limits
from sandex.services.accounts.service import AccountsService
from sandex.services.exchange.factory import Exchange
from sandex.services.exchange.prices import CatalogueUsdPrices
from sandex.services.exchange.store import FundingStore
from sandex.services.funding.allowlist import WithdrawAddressService
from sandex.services.funding.ports import AddressBook, AllowListUnitOfWork
from sandex.services.funding.reads import FundingDeps
from sandex.services.funding.service import FundingBus, FundingService
from sandex.services.funding.web_withdrawal import WebWithdrawals


@dataclass(frozen=True, slots=True)
class FundingServices:
    service: FundingService  # transfers, deposits, withdrawals and the funding reads
    addresses: WithdrawAddressService  # the withdrawal allow-list
    web_withdrawals: WebWithdrawals  # withdrawals confirmed with codes (the console)


def build(
    exchange: Exchange,
    bus: FundingBus,
    store: FundingStore,
    book: AddressBook,
    allow_lists: Callable[[], AllowListUnitOfWork],
    accounts: AccountsService,
    address_secret: bytes,
    limits: Limits,
    timing: FundingTiming,
) -> FundingServices:
    """`address_secret` derives deposit addresses; `limits` and `timing` are OKX's unless a test or
    a demo picks its own."""
    catalogue, clock = exchange.catalogue, exchange.clock
    prices = CatalogueUsdPrices(catalogue)
    deps = FundingDeps(store, exchange.store, book, catalogue, clock, prices, address_secret, limits, timing)
    service = FundingService(deps, exchange.funding, bus, accounts, exchange.accounts)
    return FundingServices(
        service,
        WithdrawAddressService(allow_lists, book, accounts, catalogue, clock),
        WebWithdrawals(service, book, accounts, allow_lists),
    )
