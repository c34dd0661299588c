"""The pytest plugin's swap helpers (`sandex_swaps`): account and position mode, leverage, a position
opened by real orders, the index (hence the mark) steered, and a forced liquidation.

    def test_short_is_liquidated(sandex_account, sandex_swaps):
        sandex_swaps.futures(sandex_account)                   # acctLv 2: swaps allowed
        sandex_swaps.open_position(sandex_account, "BTC-USDT-SWAP", "sell", "1", lever="50")  # at the mark
        sandex_swaps.set_mark("BTC-USDT-SWAP", sandex_swaps.mark("BTC-USDT-SWAP") * 2)  # or steer the index
        sandex_swaps.liquidate(sandex_account, "BTC-USDT-SWAP")  # or wait for the mark to breach

A position is never written into the database behind the exchange's back: `open_position` trades for
it. A counterparty (its own user, funded, in Futures mode) rests the opposite limit order at `px`
and the account takes it, so both sides hold real positions, fills, bills and margin, exactly as
the OKX API would have made them.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandex.client.models import OrderAck, SwapSettings
from sandex.client.sync import ControlClient
from sandex.testing.handles import SandexAccount, SandexServer

MARK_WAIT_S = 10.0
MARK_POLL_S = 0.05
COUNTERPARTY_FUNDS = "10000000"  # USDT: enough margin for any test position at 1x
SWAP_SUFFIX = "-SWAP"


@dataclass(frozen=True, slots=True)
class SeededPosition:
    """The two orders that opened it: the account's (taker) and the counterparty's (maker)."""

    inst_id: str
    side: str
    sz: str
    px: str
    taker: OrderAck
    maker: OrderAck
    counterparty_uid: str


def index_of(inst_id: str) -> str:
    """The index a linear swap follows: its spot pair (`BTC-USDT-SWAP` -> `BTC-USDT`)."""
    return inst_id.removesuffix(SWAP_SUFFIX)


class SandexSwaps:
    def __init__(self, server: SandexServer) -> None:
        self._server = server
        self._control: ControlClient = server.control
        self._counterparties = itertools.count(1)

    # --- settings --------------------------------------------------------------------------------
    def futures(self, account: SandexAccount | str, *, demo: bool = False) -> SwapSettings:
        """Futures mode (acctLv 2): the account may trade swaps. OKX asks for this choice on its web
        site; sandex takes it here, from the control API or the console's Account page."""
        return self._control.set_account_mode(_uid(account), "futures", demo=demo)

    def spot(self, account: SandexAccount | str, *, demo: bool = False) -> SwapSettings:
        return self._control.set_account_mode(_uid(account), "spot", demo=demo)

    def position_mode(self, account: SandexAccount | str, mode: str, *, demo: bool = False) -> SwapSettings:
        """`net` or `long_short`."""
        return self._control.set_position_mode(_uid(account), mode, demo=demo)

    def leverage(
        self,
        account: SandexAccount | str,
        inst_id: str,
        lever: str | int | Decimal,
        *,
        mgn_mode: str = "cross",
        pos_side: str = "",
        demo: bool = False,
    ) -> dict[str, str]:
        uid = _uid(account)
        return self._control.set_leverage(
            uid, inst_id, lever, mgn_mode=mgn_mode, pos_side=pos_side, demo=demo
        )

    def settings(self, account: SandexAccount | str, *, demo: bool = False) -> SwapSettings:
        return self._control.swap_settings(_uid(account), demo=demo)

    # --- positions -------------------------------------------------------------------------------
    def open_position(
        self,
        account: SandexAccount,
        inst_id: str,
        side: str,
        sz: str | int | Decimal,
        *,
        px: str | int | Decimal | None = None,
        td_mode: str = "cross",
        pos_side: str = "",
        lever: str | int | Decimal | None = None,
    ) -> SeededPosition:
        """Open (or add to) `account`'s position by trading `sz` contracts at `px` (default: the
        current mark; OKX refuses prices outside the limits around it, 51006) against a fresh
        counterparty's resting limit order. The account must be in Futures mode (`futures`), and in
        long/short mode give `pos_side`. `lever`: set first for the account's `td_mode`."""
        price = self.mark(inst_id) if px is None else px
        if lever is not None:
            side_of_lever = pos_side if td_mode == "isolated" else ""
            self.leverage(account, inst_id, lever, mgn_mode=td_mode, pos_side=side_of_lever)
        other, maker_pos_side = self._counterparty(account, pos_side)
        opposite = "sell" if side == "buy" else "buy"
        maker_args: dict[str, Any] = {"posSide": maker_pos_side} if maker_pos_side else {}
        maker = self._server.okx(other.trade).place_order(
            inst_id, opposite, "limit", sz, px=price, td_mode="cross", **maker_args
        )
        taker_args: dict[str, Any] = {"posSide": pos_side} if pos_side else {}
        taker = self._server.okx(account.trade).place_order(
            inst_id, side, "limit", sz, px=price, td_mode=td_mode, **taker_args
        )
        return SeededPosition(inst_id, side, str(sz), str(price), taker, maker, other.uid)

    def liquidate(
        self, account: SandexAccount | str, inst_id: str = "", *, demo: bool = False
    ) -> dict[str, str]:
        """Liquidate now, as if the margin had breached ("": every position of the account)."""
        return self._control.force_liquidation(_uid(account), inst_id, demo=demo)

    # --- prices ----------------------------------------------------------------------------------
    def mark(self, inst_id: str, *, timeout_s: float = MARK_WAIT_S) -> Decimal:
        """The swap's mark price now (waiting for the market's first one after a start or reset)."""
        deadline = time.monotonic() + timeout_s
        while True:
            [market] = self._control.market("show", inst_id)
            if market.get("markPx"):
                return Decimal(market["markPx"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"no mark price for {inst_id} within {timeout_s:g} s")
            time.sleep(MARK_POLL_S)

    def steer(self, inst_id: str, px: str | int | Decimal) -> dict[str, Any]:
        """Move the index of `inst_id` (its spot pair) to `px`; the mark follows it at the market's
        next step, and with it price limits, unrealised PnL and liquidation checks."""
        return self._control.set_price(index_of(inst_id), px)

    def shift(self, inst_id: str, pct: str | int | Decimal, *, over_ms: int = 0) -> dict[str, Any]:
        """Move the index by `pct` percent (negative: down), at once or over `over_ms`."""
        return self._control.shift_price(index_of(inst_id), pct, over_ms=over_ms)

    def set_mark(self, inst_id: str, px: str | int | Decimal) -> dict[str, Any]:
        """Pin the mark of `inst_id` at `px` (until `unfreeze_mark`): liquidation checks run on it."""
        return self._control.set_mark(inst_id, px)

    def shift_mark(self, inst_id: str, pct: str | int | Decimal, *, over_ms: int = 0) -> dict[str, Any]:
        return self._control.shift_mark(inst_id, pct, over_ms=over_ms)

    def freeze_mark(self, inst_id: str) -> dict[str, Any]:
        return self._control.freeze_mark(inst_id)

    def unfreeze_mark(self, inst_id: str) -> dict[str, Any]:
        """Let the mark follow its index again."""
        return self._control.freeze_mark(inst_id, frozen=False)

    # --- funding ---------------------------------------------------------------------------------
    def set_funding_rate(self, inst_id: str, rate: str | Decimal, *, freeze: bool = True) -> dict[str, Any]:
        """The coming settlement's rate of `inst_id`, frozen by default (the minute samples would
        move it otherwise)."""
        return self._control.set_funding_rate(inst_id, rate, frozen=freeze)

    def unfreeze_funding(self, inst_id: str) -> dict[str, Any]:
        return self._control.set_funding_rate(inst_id, frozen=False)

    def settle_funding(self, inst_id: str) -> dict[str, Any]:
        """Book `inst_id`'s funding now at the rate shown: every open position pays or receives it."""
        return self._control.settle_funding(inst_id)

    def _counterparty(self, account: SandexAccount, pos_side: str) -> tuple[SandexAccount, str]:
        """A new funded user in Futures mode (in the account's position mode), and its posSide."""
        number = next(self._counterparties)
        email = f"counterparty-{number}-{account.uid}@sandex.test"
        other = self._server.create_account(email=email, funds={"USDT": COUNTERPARTY_FUNDS})
        self.futures(other)
        maker_side = ""
        if pos_side:
            self.position_mode(other, "long_short")
            maker_side = "short" if pos_side == "long" else "long"
        return other, maker_side


def _uid(account: SandexAccount | str) -> str:
    return account if isinstance(account, str) else account.uid
