"""Rebuilding books from persisted orders, and determinism of replays."""

from __future__ import annotations

from typing import Any

import pytest

from sandex.domain.ids import SequentialIds
from sandex.domain.matching import (
    Fill,
    MatchEvent,
    MatchingEngine,
    NewOrder,
    OrderAccepted,
    OrderAmended,
    OrdType,
    Side,
)

Script = list[tuple[Any, ...]]
BEFORE: Script = [
    ("place", 1, NewOrder(1, Side.SELL, OrdType.LIMIT, 3, 101)),
    ("place", 2, NewOrder(2, Side.SELL, OrdType.LIMIT, 2, 101)),
    ("place", 3, NewOrder(3, Side.SELL, OrdType.LIMIT, 4, 102)),
    ("place", 4, NewOrder(4, Side.BUY, OrdType.LIMIT, 5, 99)),
    ("place", 5, NewOrder(5, Side.BUY, OrdType.IOC, 1, 101)),
    ("amend", 4, 4, None, 98),
    ("place", 6, NewOrder(6, Side.BUY, OrdType.LIMIT, 2, 99)),
    ("amend", 1, 1, 2, None),
]
AFTER: Script = [
    ("place", 7, NewOrder(9, Side.BUY, OrdType.LIMIT, 1, 101)),
    ("place", 8, NewOrder(9, Side.SELL, OrdType.LIMIT, 20, 97)),
    ("place", 9, NewOrder(8, Side.BUY, OrdType.LIMIT, 1, 96)),
]


def _run(engine: MatchingEngine, script: Script, ts: int = 1000) -> list[MatchEvent]:
    events: list[MatchEvent] = []
    for step, (op, *args) in enumerate(script):
        if op == "place":
            events += engine.place(args[0], args[1], ts + step)
        else:
            events += engine.amend(args[0], args[1], args[2], args[3], ts + step)
    return events


def test_same_commands_and_ids_give_the_same_events() -> None:
    one = _run(MatchingEngine("BTC-USDT", SequentialIds()), BEFORE + AFTER)
    two = _run(MatchingEngine("BTC-USDT", SequentialIds()), BEFORE + AFTER)
    assert one == two and len(one) > len(BEFORE)


def test_engine_rebuilt_from_storage_continues_exactly_like_the_original() -> None:
    uninterrupted = MatchingEngine("BTC-USDT", SequentialIds())
    _run(uninterrupted, BEFORE)
    expected = _run(uninterrupted, AFTER, ts=2000)

    first_life = MatchingEngine("BTC-USDT", SequentialIds())
    log = _run(first_life, BEFORE)
    # What storage keeps: the resting orders, the highest seq and trade id seen in the log.
    resting = first_life.resting_orders()
    last_seq = max(e.order.seq for e in log if isinstance(e, OrderAccepted | OrderAmended))
    next_trade = 1 + max((e.trade_id for e in log if isinstance(e, Fill)), default=0)

    second_life = MatchingEngine("BTC-USDT", SequentialIds(next_trade))
    second_life.restore(list(reversed(resting)), last_seq=last_seq)
    assert second_life.resting_orders() == resting
    assert second_life.depth(10) == first_life.depth(10)
    assert _run(second_life, AFTER, ts=2000) == expected


def test_restore_refuses_what_cannot_rest() -> None:
    engine = MatchingEngine("BTC-USDT", SequentialIds())
    events = engine.place(1, NewOrder(1, Side.BUY, OrdType.IOC, 1, 100), 1)
    with pytest.raises(ValueError, match="not a resting order"):
        MatchingEngine("BTC-USDT", SequentialIds()).restore([events[-1].order])  # type: ignore[union-attr]
