"""What the OKX swap handlers use: the account's swap settings, positions and margin, and the swap
commands, handed over by the composition root (`OkxContext.swaps`). The exchange's swap services
serve it; a context without it answers the swap endpoints as a Spot-mode account would (51010)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from sandex.domain.derivatives.contracts import MgnMode
from sandex.domain.errors import Rejected
from sandex.services.exchange.swap_commands import SwapCommand
from sandex.services.exchange.swap_records import (
    AccountSettingsRecord,
    LeverageRecord,
    MarginSummary,
    PositionRecord,
    PositionView,
)
from sandex.services.trading.views import MaxAvailView, MaxSizeView, Trader


class SwapAccounts(Protocol):
    def account_id(self, trader: Trader) -> int:
        """The trader's trading account (whose settings and positions the commands name)."""
        ...

    def settings(self, trader: Trader) -> AccountSettingsRecord:
        """Its account level and position mode (defaults when never set)."""
        ...

    def leverages(self, trader: Trader, inst_ids: Sequence[str], mgn_mode: MgnMode) -> list[LeverageRecord]:
        """Leverage rows of these swaps (defaults included; long and short in long/short mode)."""
        ...

    def positions(
        self, trader: Trader, inst_ids: Sequence[str], pos_ids: Sequence[int]
    ) -> list[PositionView]:
        """Its live positions (filtered when ids are given), marked now, newest first."""
        ...

    def positions_history(
        self,
        trader: Trader,
        *,
        inst_id: str | None,
        mgn_mode: MgnMode | None,
        close_type: int | None,
        pos_id: int | None,
        after: int | None,
        before: int | None,
        limit: int,
    ) -> list[PositionRecord]:
        """Positions that closed (fully or in part), newest `u_time` first."""
        ...

    def margin(self, trader: Trader) -> Mapping[str, MarginSummary]:
        """Futures-mode balance fields per settlement currency it has positions or orders in."""
        ...

    def max_size(
        self,
        trader: Trader,
        inst_id: str,
        mgn_mode: MgnMode,
        prices: tuple[Decimal, Decimal],
        lever: Decimal | None,
    ) -> MaxSizeView | Rejected:
        """Contracts a buy at prices[0] / a sell at prices[1] could open (`account/max-size`)."""
        ...

    def max_avail_size(self, trader: Trader, inst_id: str) -> MaxAvailView | Rejected:
        """The settlement currency an opening order may spend (`account/max-avail-size`)."""
        ...

    async def apply(self, command: SwapCommand) -> object:
        """Run a swap command through the sequencer: its result, or `Rejected`."""
        ...
