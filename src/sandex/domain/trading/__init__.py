"""The exchange core façade: instrument rules + matching engines + ledger + fees, still pure."""

from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec
from sandex.domain.trading.events import Event, Trade
from sandex.domain.trading.exchange import Exchange
from sandex.domain.trading.listing import Listing

__all__ = ["AmendSpec", "CancelSpec", "Event", "Exchange", "Listing", "OrderSpec", "Trade"]
