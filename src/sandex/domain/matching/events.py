"""What the matching engine reports. Immutable; storage persists them, the WS layer publishes them.

Events are `NamedTuple`s: immutable, typed, and several times cheaper to build than frozen
dataclasses, which matters because an event is created on every command. (Being tuples, two events
of different types with equal fields compare equal: compare `type(e)` too when that matters.)

A command's events come in causal order. A rejected command yields exactly one `OrderRejected`;
an amend that fails with `cxl_on_fail` yields `OrderRejected` then `OrderCanceled`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

from sandex.domain.errors import Rejected
from sandex.domain.matching.order import CancelCause, OrderSnapshot, Side


class Action(StrEnum):
    PLACE = "place"
    AMEND = "amend"
    CANCEL = "cancel"


class OrderRejected(NamedTuple):
    action: Action
    inst_id: str
    account_id: int
    ord_id: int  # 0 when the order never got an id
    cl_ord_id: str
    rejected: Rejected
    ts: int


class OrderAccepted(NamedTuple):
    """The order as it entered the engine, before any matching."""

    order: OrderSnapshot


class Fill(NamedTuple):
    """One match between a taker and a maker, at the maker's price."""

    trade_id: int
    inst_id: str
    px: int  # ticks (the maker's price)
    sz: int  # lots
    taker_side: Side
    taker_ord_id: int
    taker_account_id: int
    maker_ord_id: int
    maker_account_id: int
    ts: int


class OrderFilled(NamedTuple):
    """One side of a fill: the order right after it (OKX pushes one order update per fill)."""

    order: OrderSnapshot
    fill: Fill


class OrderAmended(NamedTuple):
    order: OrderSnapshot


class OrderCanceled(NamedTuple):
    order: OrderSnapshot
    cause: CancelCause


MatchEvent = OrderRejected | OrderAccepted | Fill | OrderFilled | OrderAmended | OrderCanceled

# The steps of one order's life: each carries the order as it is right after the step.
OrderStep = OrderAccepted | OrderFilled | OrderAmended | OrderCanceled
ORDER_STEPS = (OrderAccepted, OrderFilled, OrderAmended, OrderCanceled)


def rejection(events: Sequence[object]) -> Rejected | None:
    """The refusal of a command, if it was refused (it is then the first event)."""
    first = events[0] if events else None
    return first.rejected if isinstance(first, OrderRejected) else None


def outcome(events: Sequence[object]) -> OrderSnapshot | Rejected:
    """What a place, amend or cancel did: its refusal, else the order it acted on (a command that
    was not refused starts with that order's step)."""
    first = events[0]
    if isinstance(first, OrderRejected):
        return first.rejected
    assert isinstance(first, ORDER_STEPS), first
    return first.order
