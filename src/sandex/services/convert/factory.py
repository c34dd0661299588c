"""The convert use cases of one process, on the exchange core and its command bus (the composition
root picks the stores and the simulated market that gives reference prices)."""

from __future__ import annotations

from decimal import Decimal

from sandex.services.convert.ports import ConvertStore, SystemUsers
from sandex.services.convert.service import DEFAULT_SPREAD, DEFAULT_TTL_MS, ConvertService
from sandex.services.exchange.commands import CommandBus
from sandex.services.exchange.factory import Exchange
from sandex.services.simulation.board import MarketBoard


class BoardPrices:
    """Reference prices from the simulated market; a halted instrument has none (52911)."""

    def __init__(self, board: MarketBoard) -> None:
        self._board = board

    def reference_px(self, inst_id: str) -> Decimal | None:
        if inst_id in self._board.halted:
            return None
        return self._board.index_px(inst_id)


def build(
    exchange: Exchange,
    bus: CommandBus,
    store: ConvertStore,
    users: SystemUsers,
    board: MarketBoard,
    *,
    spread: Decimal = DEFAULT_SPREAD,
    ttl_ms: int = DEFAULT_TTL_MS,
) -> ConvertService:
    return ConvertService(
        exchange.core,
        store,
        users,
        bus,
        exchange.clock,
        exchange.catalogue,
        BoardPrices(board),
        exchange.accounts,
        spread=spread,
        ttl_ms=ttl_ms,
    )
