"""Each step of an order a commit records is linked to its own side of the trade (what the WS
`orders` channel pushes as `fillFee`, `execType`, `tradeId`...), and so is the latest state of an
order when the commit recorded no steps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.ids import SequentialIds
from sandex.domain.instruments import Instrument
from sandex.domain.ledger import Ledger, to_amount
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.matching.events import outcome
from sandex.domain.matching.order import OrdState, OrdType, Side
from sandex.domain.trading import Event, Exchange, OrderSpec
from sandex.runtime.hub import Hub
from sandex.runtime.trading_notify import Notifier
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.changes import ChangeBuilder
from sandex.services.exchange.events import OrdersChanged
from sandex.services.exchange.records import (
    ChangeSet,
    ExecType,
    FillRecord,
    LedgerAccount,
    LedgerAccountKind,
)
from sandex.services.exchange.units import OrderExtras
from sandex.testing.clock import ManualClock

D = Decimal
LIVE = Environment.LIVE
MAKER, TAKER = 1, 2
INST = Instrument(
    inst_id="BTC-USDT",
    base_ccy="BTC",
    quote_ccy="USDT",
    tick_sz=D("0.1"),
    lot_sz=D("0.01"),
    min_sz=D("0.01"),
    ref_px=D(100),
    inst_id_code=1,
    list_time_ms=0,
)


def units(text: str) -> int:
    found = to_amount(D(text))
    assert found is not None
    return found


def _traded(*, with_events: bool) -> tuple[ChangeSet, int]:
    """One commit: the maker rests 3 BTC at 100, fills 1 at the default maker rate (0.08 %), gets
    0.2 % and fills 2 more. Returns the commit's rows and the maker's order id."""
    x = Exchange([INST], Ledger(), order_ids=SequentialIds(), trade_ids=SequentialIds())
    x.ledger.deposit(MAKER, "BTC", units("10"), ref=1)
    x.ledger.deposit(TAKER, "USDT", units("10000"), ref=2)
    sell = OrderSpec(INST.inst_id, Side.SELL, OrdType.LIMIT, D(3), D(100))
    events: list[tuple[list[Event], int]] = [(x.place(MAKER, sell, 1), 1)]
    buy = OrderSpec(INST.inst_id, Side.BUY, OrdType.LIMIT, D(1), D(100))
    events.append((x.place(TAKER, buy, 2), 2))
    x.fees.set_tier(MAKER, FeeTier(D("0.002"), D("0.001"), "custom"))
    events.append((x.place(TAKER, OrderSpec(INST.inst_id, Side.BUY, OrdType.LIMIT, D(2), D(100)), 3), 3))
    extras: dict[int, OrderExtras] = {}
    builder = ChangeBuilder({INST.inst_id: INST}, {LIVE: x}, extras, SequentialIds(700))
    builder.with_events = with_events
    for evs, ts in events:
        builder.add(LIVE, evs, ts)
    placed = outcome(events[0][0])
    assert not isinstance(placed, Rejected)
    return builder.finish(), placed.ord_id


def test_every_fill_step_carries_its_own_side_of_the_trade() -> None:
    changes, maker_order = _traded(with_events=True)
    maker_steps = [e for e in changes.order_events if e.order.ord_id == maker_order]
    assert [(e.order.state, e.fill is None) for e in maker_steps] == [
        (OrdState.LIVE, True),
        (OrdState.PARTIALLY_FILLED, False),
        (OrdState.FILLED, False),
    ]
    fills = [e.fill for e in maker_steps if e.fill is not None]
    assert all(fill in changes.fills for fill in fills)  # the very rows the commit writes
    assert [(f.exec_type, f.sz, f.fee, f.fee_ccy) for f in fills] == [
        (ExecType.MAKER, D(1), units("0.08"), "USDT"),  # 0.08 % of 100 USDT
        (ExecType.MAKER, D(2), units("0.4"), "USDT"),  # 0.2 % of 200 USDT: the rate at that fill
    ]
    # the cumulative fee on the order record is the sum; each step's fill has only its own share
    assert maker_steps[-1].order.fee == units("0.48")
    taker_fills = [e.fill for e in changes.order_events if e.order.account_id == TAKER and e.fill is not None]
    assert [(f.exec_type, f.trade_id) for f in taker_fills] == [(ExecType.TAKER, t.trade_id) for t in fills]


async def test_without_steps_each_order_goes_out_with_its_last_fill_of_the_commit() -> None:
    changes, maker_order = _traded(with_events=False)
    assert changes.order_events == []
    hub = Hub()
    published: list[OrdersChanged] = []
    hub.subscribe(OrdersChanged, published.append)
    owners = _Owners()
    notifier = Notifier(owners, hub, LedgerAccounts(owners, ManualClock()))  # type: ignore[arg-type]

    async def io(call: Any, *args: Any) -> Any:
        return call(*args)

    await notifier.publish(changes, io)
    [event] = published
    fill_of = {u.order.ord_id: u.fill for u in event.updates}
    last_maker_fill = [f for f in changes.fills if f.ord_id == maker_order][-1]
    assert fill_of[maker_order] == last_maker_fill
    assert isinstance(last_maker_fill, FillRecord) and last_maker_fill.fee == units("0.4")
    takers = [u for u in event.updates if u.order.account_id == TAKER]
    assert [(u.fill is not None and u.fill.exec_type) for u in takers] == [ExecType.TAKER, ExecType.TAKER]


class _Owners:
    """The one store read the notifier makes: who owns which ledger account."""

    def accounts(self, ids: set[int]) -> list[LedgerAccount]:
        return [LedgerAccount(i, 100 + i, LIVE, LedgerAccountKind.TRADING) for i in ids]
