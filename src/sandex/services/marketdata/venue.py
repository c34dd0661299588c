"""The exchange core as market data and the market maker see it: books, own orders, balances.

Reads the in-memory exchanges the sequencer owns. Called on the event loop, like the sequencer's
own apply step, so a read never sees a command half-applied. Implements `BookSource` and
`InstrumentStates` (`sandex.services.marketdata.ports`).
"""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.domain.instruments import Catalogue, InstrumentState
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.matching.book import LevelView
from sandex.domain.matching.order import OrdType
from sandex.domain.simulation.quoting import OwnOrder
from sandex.services.exchange.core import ExchangeCore
from sandex.services.marketdata.ports import BookLevel, BookView


class CoreVenue:
    def __init__(self, core: ExchangeCore, catalogue: Catalogue, clock: Clock) -> None:
        self._core = core
        self._catalogue = catalogue
        self._clock = clock

    def depth(self, environment: Environment, inst_id: str, levels: int) -> BookView | None:
        inst = self._catalogue.instrument(inst_id)
        if inst is None or not self._core.loaded:
            return None
        engine = self._core.exchange(environment).engine(inst_id)
        if engine is None:
            return None
        bids, asks = engine.depth(levels)
        tick, lot = inst.tick_sz, inst.lot_sz
        return BookView(_levels(asks, tick, lot), _levels(bids, tick, lot), self._clock.now_ms())

    def own_orders(self, environment: Environment, account_id: int, inst_id: str) -> list[OwnOrder]:
        """The account's resting limit orders on `inst_id` (price in ticks, sizes in lots)."""
        if not self._core.loaded:
            return []
        pending = self._core.exchange(environment).pending_orders(account_id, inst_id)
        resting = (o for o in pending if o.ord_type is not OrdType.MARKET)
        return [OwnOrder(o.ord_id, o.side, o.px, o.sz, o.filled) for o in resting]

    def available(self, environment: Environment, account_id: int, ccy: str) -> Decimal:
        if not self._core.loaded:
            return Decimal(0)
        return from_amount(self._core.exchange(environment).ledger.available(account_id, ccy))

    def set_state(self, inst_id: str, state: InstrumentState) -> None:
        self._core.set_instrument_state(inst_id, state)


def _levels(levels: list[LevelView], tick: Decimal, lot: Decimal) -> list[BookLevel]:
    return [BookLevel(level.px * tick, level.lots * lot, level.order_count) for level in levels]
