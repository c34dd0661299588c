"""The control API's swap calls (`/sandex/v1/users/{uid}/…`, `/market` marks, `/funding-rates`), mixed
into `AsyncControlClient`: account and position mode, leverage, forced liquidation, the mark price,
and funding rates (set, freeze, settle now)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandex.client.models import SwapSettings


def exact(value: str | int | Decimal) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


class SwapCalls:
    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        raise NotImplementedError  # `AsyncControlClient.call`

    async def market(self, command: str, inst_id: str = "", **args: Any) -> list[dict[str, Any]]:
        raise NotImplementedError  # `AsyncControlClient.market`

    async def swap_settings(self, uid: str, *, demo: bool = False) -> SwapSettings:
        return SwapSettings.of(await self.call("GET", f"/users/{uid}/swap-settings", demo=str(demo).lower()))

    async def set_account_mode(self, uid: str, mode: str, *, demo: bool = False) -> SwapSettings:
        """Set `mode` "futures" (acctLv 2: swaps allowed) or "spot" (acctLv 1, the default). OKX takes
        the first choice on its web site only; in sandex it is this call or the console's Account page."""
        body = {"mode": mode, "demo": demo}
        return SwapSettings.of(await self.call("PUT", f"/users/{uid}/account-mode", body))

    async def set_position_mode(self, uid: str, mode: str, *, demo: bool = False) -> SwapSettings:
        """Set `mode` "net" or "long_short" (refused with 59000 while positions or orders are open)."""
        body = {"mode": mode, "demo": demo}
        return SwapSettings.of(await self.call("PUT", f"/users/{uid}/position-mode", body))

    async def set_leverage(
        self,
        uid: str,
        inst_id: str,
        lever: str | int | Decimal,
        *,
        mgn_mode: str = "cross",
        pos_side: str = "",
        demo: bool = False,
    ) -> dict[str, str]:
        body = {
            "inst_id": inst_id,
            "mgn_mode": mgn_mode,
            "lever": exact(lever),
            "pos_side": pos_side,
            "demo": demo,
        }
        answer: dict[str, str] = await self.call("PUT", f"/users/{uid}/leverage", body)
        return answer

    async def force_liquidation(self, uid: str, inst_id: str = "", *, demo: bool = False) -> dict[str, str]:
        """Liquidate the user's position on `inst_id` ("": every position) now, as a breach would."""
        body = {"inst_id": inst_id, "demo": demo}
        answer: dict[str, str] = await self.call("POST", f"/users/{uid}/liquidations", body)
        return answer

    # --- marks and funding -----------------------------------------------------------------------
    async def set_mark(self, inst_id: str, px: str | int | Decimal) -> dict[str, Any]:
        """Pin the mark price of swap `inst_id` (price limits, PnL and liquidation checks follow)."""
        return (await self.market("set-mark", inst_id, value=exact(px)))[0]

    async def shift_mark(self, inst_id: str, pct: str | int | Decimal, *, over_ms: int = 0) -> dict[str, Any]:
        """Move the mark price by `pct` percent (negative: down), at once or over `over_ms`."""
        return (await self.market("shift-mark", inst_id, value=exact(pct), over_ms=over_ms))[0]

    async def freeze_mark(self, inst_id: str, *, frozen: bool = True) -> dict[str, Any]:
        """Hold the mark price of `inst_id` where it is (False: let it follow its index again)."""
        return (await self.market("freeze-mark" if frozen else "unfreeze-mark", inst_id))[0]

    async def funding_rates(self) -> list[dict[str, Any]]:
        """Every swap's coming funding settlement (rate, time, frozen)."""
        rows: list[dict[str, Any]] = await self.call("GET", "/funding-rates")
        return rows

    async def set_funding_rate(
        self, inst_id: str, rate: str | Decimal | None = None, *, frozen: bool | None = None
    ) -> dict[str, Any]:
        """The coming settlement's rate of `inst_id`; `frozen=True` keeps the minute samples from
        moving it (False lets them again)."""
        body = {"inst_id": inst_id, "rate": None if rate is None else exact(rate), "frozen": frozen}
        answer: dict[str, Any] = await self.call("POST", "/funding-rates", body)
        return answer

    async def settle_funding(self, inst_id: str) -> dict[str, Any]:
        """Settle `inst_id`'s funding now, at the rate shown (bills type 8 for every position)."""
        answer: dict[str, Any] = await self.call("POST", "/funding-rates/settle", {"inst_id": inst_id})
        return answer
