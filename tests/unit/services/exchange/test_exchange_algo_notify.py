"""After a commit that changed algo orders, the hub hears `AlgosChanged` with each one's owner;
attached TP/SL still waiting on their order are not announced (OKX shows them once made)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import AlgoOrdType, AlgoState
from sandex.runtime.hub import Hub
from sandex.runtime.trading_notify import Notifier
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.events import AlgosChanged
from sandex.services.exchange.records import AlgoRecord, ChangeSet, LedgerAccount, LedgerAccountKind
from sandex.testing.clock import ManualClock

LIVE = Environment.LIVE


class _Owners:
    def accounts(self, ids: set[int]) -> list[LedgerAccount]:
        return [LedgerAccount(i, 100 + i, LIVE, LedgerAccountKind.TRADING) for i in ids]


def _algo(algo_id: int, account: int, **kw: Any) -> AlgoRecord:
    live = AlgoRecord(
        algo_id, LIVE, account, "BTC-USDT", AlgoOrdType.CONDITIONAL, Side.SELL, Decimal(1), None, "cash",
        AlgoState.LIVE, "", "", False, 1, 1,
    )  # fmt: skip
    return live._replace(**kw)


async def test_changed_algo_orders_go_out_with_their_owner_but_not_waiting_ones() -> None:
    hub = Hub()
    heard: list[AlgosChanged] = []
    hub.subscribe(AlgosChanged, heard.append)
    owners = _Owners()
    notifier = Notifier(owners, hub, LedgerAccounts(owners, ManualClock()))  # type: ignore[arg-type]

    async def io(call: Any, *args: Any) -> Any:
        return call(*args)

    fired = _algo(1, 3, state=AlgoState.EFFECTIVE, ord_id=9)
    waiting = _algo(2, 4, waiting=True, parent_ord_id=8)
    await notifier.publish(ChangeSet(algos=[fired, waiting]), io)
    [event] = heard
    assert event.environment is LIVE
    assert [(u.user_id, u.algo) for u in event.updates] == [(103, fired)]
