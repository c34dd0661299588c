"""The trading façade (`Exchange`) alone: a `Venue` with funded accounts and a clock, and instruments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandex.domain.errors import Reason
from sandex.domain.ids import SequentialIds
from sandex.domain.instruments import Instrument
from sandex.domain.ledger import FeeSchedule, Ledger, from_amount, to_amount
from sandex.domain.matching import OrderRejected, OrderSnapshot, OrdType, Side, TradingLimits
from sandex.domain.trading import AmendSpec, CancelSpec, Exchange, OrderSpec

D = Decimal

BTC_USDT = Instrument(
    inst_id="BTC-USDT",
    base_ccy="BTC",
    quote_ccy="USDT",
    tick_sz=D("0.1"),
    lot_sz=D("0.01"),
    min_sz=D("0.02"),
    ref_px=D(100),
    inst_id_code=1,
    list_time_ms=0,
    max_mkt_sz=D(50),
    max_mkt_amt=D(100000),
)
ETH_USDT = Instrument(
    inst_id="ETH-USDT",
    base_ccy="ETH",
    quote_ccy="USDT",
    tick_sz=D("0.01"),
    lot_sz=D("0.001"),
    min_sz=D("0.001"),
    ref_px=D(10),
    inst_id_code=2,
    list_time_ms=0,
)


def amt(text: str | int) -> int:
    units = to_amount(D(text))
    assert units is not None
    return units


class Venue:
    """An `Exchange` with funded accounts and a clock: `venue.buy(1, "100", "2")`."""

    def __init__(
        self, *instruments: Instrument, fees: FeeSchedule | None = None, limits: TradingLimits | None = None
    ) -> None:
        self.ledger = Ledger()
        extra: dict[str, Any] = {} if limits is None else {"limits": limits}
        self.x = Exchange(
            instruments or (BTC_USDT,),
            self.ledger,
            order_ids=SequentialIds(),
            trade_ids=SequentialIds(),
            fees=fees,
            **extra,
        )
        self.ts = 5_000
        self.deposits = 0

    def fund(self, account: int, ccy: str, amount: str) -> None:
        self.deposits += 1
        assert isinstance(self.ledger.deposit(account, ccy, amt(amount), ref=self.deposits), list)

    def bal(self, account: int, ccy: str) -> tuple[Decimal, Decimal]:
        b = self.ledger.balance(account, ccy)
        return from_amount(b.available).normalize(), from_amount(b.frozen).normalize()

    def place(self, account: int, side: Side, sz: str, px: str | None = None, **kw: Any) -> list[Any]:
        self.ts += 1
        kw.setdefault("ord_type", OrdType.MARKET if px is None else OrdType.LIMIT)
        kw.setdefault("inst_id", BTC_USDT.inst_id)
        cmd = OrderSpec(side=side, sz=D(sz), px=None if px is None else D(px), **kw)
        return self.x.place(account, cmd, self.ts)

    def buy(self, account: int, px: str, sz: str, **kw: Any) -> list[Any]:
        return self.place(account, Side.BUY, sz, px, **kw)

    def sell(self, account: int, px: str, sz: str, **kw: Any) -> list[Any]:
        return self.place(account, Side.SELL, sz, px, **kw)

    def amend(self, account: int, ord_id: int | None = None, **kw: Any) -> list[Any]:
        self.ts += 1
        kw.setdefault("inst_id", BTC_USDT.inst_id)
        return self.x.amend(account, AmendSpec(ord_id=ord_id, **kw), self.ts)

    def cancel(self, account: int, ord_id: int | None = None, **kw: Any) -> list[Any]:
        self.ts += 1
        kw.setdefault("inst_id", BTC_USDT.inst_id)
        return self.x.cancel(account, CancelSpec(ord_id=ord_id, **kw), self.ts)


def refused(events: list[Any]) -> tuple[Reason, dict[str, str]] | None:
    first = events[0]
    return (first.rejected.reason, dict(first.rejected.params)) if isinstance(first, OrderRejected) else None


def ord_id_of(events: list[Any]) -> int:
    ord_id: int = events[0].order.ord_id
    return ord_id


def find_order(
    x: Exchange, account_id: int, inst_id: str, ord_id: int | None = None, cl_ord_id: str = ""
) -> OrderSnapshot | None:
    """A pending order of `account_id` on `inst_id`, by ordId (wins) or clOrdId."""
    for order in x.pending_orders(account_id, inst_id):
        if (order.ord_id == ord_id) if ord_id is not None else (cl_ord_id and order.cl_ord_id == cl_ord_id):
            return order
    return None
