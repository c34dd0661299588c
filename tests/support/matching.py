"""The matching engine alone: a `Desk` that numbers orders and ticks a clock, and event pickers."""

from __future__ import annotations

from typing import Any, TypeVar

from sandex.domain.ids import SequentialIds
from sandex.domain.matching import (
    DEFAULT_LIMITS,
    Fill,
    MatchEvent,
    MatchingEngine,
    NewOrder,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrderSnapshot,
    OrdType,
    Side,
    TradingLimits,
)

E = TypeVar("E")


class Desk:
    """An engine plus an order-id counter and a clock: `desk.buy(1, px=100, sz=5)`."""

    def __init__(self, limits: TradingLimits = DEFAULT_LIMITS) -> None:
        self.engine = MatchingEngine("BTC-USDT", SequentialIds(), limits)
        self.ids = SequentialIds(1)
        self.ts = 1_000

    def place(self, account: int, side: Side, sz: int, px: int = 0, **kw: Any) -> list[MatchEvent]:
        self.ts += 1
        kw.setdefault("ord_type", OrdType.LIMIT if px else OrdType.MARKET)
        req = NewOrder(account, side, sz=sz, px=px, **kw)
        return self.engine.place(self.ids.next_id(), req, self.ts)

    def buy(self, account: int, px: int, sz: int, **kw: Any) -> list[MatchEvent]:
        return self.place(account, Side.BUY, sz, px, **kw)

    def sell(self, account: int, px: int, sz: int, **kw: Any) -> list[MatchEvent]:
        return self.place(account, Side.SELL, sz, px, **kw)

    def rest(self, account: int, side: Side, px: int, sz: int, **kw: Any) -> int:
        """Place an order that must rest untouched; its id."""
        events = self.place(account, side, sz, px, **kw)
        assert len(events) == 1 and isinstance(events[0], OrderAccepted), events
        return events[0].order.ord_id

    def amend(
        self, account: int, ord_id: int, new_sz: int | None = None, new_px: int | None = None, **kw: Any
    ) -> list[MatchEvent]:
        self.ts += 1
        return self.engine.amend(account, ord_id, new_sz, new_px, self.ts, **kw)

    def cancel(self, account: int, ord_id: int) -> list[MatchEvent]:
        self.ts += 1
        return self.engine.cancel(account, ord_id, self.ts)

    def queue(self, side: Side, px: int) -> list[int]:
        """Order ids resting at one price, front of the queue first."""
        book = self.engine.bids if side is Side.BUY else self.engine.asks
        level = book.levels.get(px)
        return [] if level is None else [o.ord_id for o in level.orders()]


def of_type(events: list[Any], kind: type[E]) -> list[E]:
    return [e for e in events if type(e) is kind]


def fills(events: list[Any]) -> list[tuple[int, int, int]]:
    """`(maker_ord_id, px, sz)` of each fill, in order."""
    return [(f.maker_ord_id, f.px, f.sz) for f in of_type(events, Fill)]


def final(events: list[Any], ord_id: int) -> OrderSnapshot:
    """An order's last reported state in a list of events."""
    for e in reversed(events):
        if (
            isinstance(e, OrderAccepted | OrderFilled | OrderCanceled | OrderAmended)
            and e.order.ord_id == ord_id
        ):
            return e.order
    raise AssertionError(f"no event about order {ord_id}")
