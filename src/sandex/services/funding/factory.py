"""The funding use cases of one process, wired from their collaborators (the composition root picks
them). Funding's state lives inside the exchange core, so it is built with the core, before this."""

from __future__ import annotations

from dataclasses import dataclass

from sandex.domain.clock import Clock
from sandex.domain.funding.lifecycle import FundingTiming
from sandex.domain.funding.withdrawals import Limits
from sandex.domain.instruments import Catalogue
from sandex.services.accounts.service import AccountsService
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.funding import FundingState
from sandex.services.exchange.prices import CatalogueUsdPrices
from sandex.services.exchange.store import ExchangeStore, FundingStore
from sandex.services.funding.allowlist import WithdrawAddressService
from sandex.services.funding.ports import AddressBook
from sandex.services.funding.reads import FundingDeps
from sandex.services.funding.service import FundingBus, FundingService


@dataclass(frozen=True, slots=True)
class FundingServices:
    service: FundingService  # transfers, deposits, withdrawals and the funding reads
    addresses: WithdrawAddressService  # the withdrawal allow-list


def build(
    state: FundingState,
    bus: FundingBus,
    store: FundingStore,
    ledgers: ExchangeStore,
    ledger_accounts: LedgerAccounts,
    book: AddressBook,
    accounts: AccountsService,
    catalogue: Catalogue,
    clock: Clock,
    address_secret: bytes,
    limits: Limits,
    timing: FundingTiming,
) -> FundingServices:
    prices = CatalogueUsdPrices(catalogue)
    deps = FundingDeps(store, ledgers, book, catalogue, clock, prices, address_secret, limits, timing)
    service = FundingService(deps, state, bus, accounts, ledger_accounts)
    return FundingServices(service, WithdrawAddressService(book, accounts, catalogue, clock))
