"""The exchange core of one process, wired from its stores (the composition root picks them).

Trading and funding are built on the `Exchange` afterwards, with the command bus (the sequencer)
that drives its core: the core exists first, so nothing needs a second building phase.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandex.domain.clock import Clock
from sandex.domain.funding.lifecycle import FundingTiming
from sandex.domain.instruments import Catalogue
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.funding import FundingState
from sandex.services.exchange.store import ExchangeStore, FundingStore


@dataclass(frozen=True, slots=True)
class Exchange:
    """The sequenced core and what every feature on it shares."""

    core: ExchangeCore  # the in-memory exchanges (trading's and funding's state); one writer drives it
    funding: FundingState  # funding's part of the core
    store: ExchangeStore
    accounts: LedgerAccounts  # ledger-account ids and owners, for trading, funding and the writer
    catalogue: Catalogue
    clock: Clock


def build(
    store: ExchangeStore,
    funding_store: FundingStore,
    catalogue: Catalogue,
    clock: Clock,
    timing: FundingTiming,
) -> Exchange:
    funding = FundingState(funding_store, catalogue, clock, timing)
    core = ExchangeCore(catalogue, store, funding=funding)
    return Exchange(core, funding, store, LedgerAccounts(store, clock), catalogue, clock)
