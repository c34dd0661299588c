"""Private pushes after login: `orders`, `account` and `balance_and_position` (reference §6.5).

* `orders`: nothing on subscribe; one push per step of each order (accepted, each fill, amended,
  canceled), as the REST order object (`attachAlgoOrds` and the top-level TP/SL fields included, from
  the record the sequencer built) plus OKX's fields "for the current update" (`tradeId`,
  `fillPx`, `fillSz`, `fillTime`, `fillFee`, `fillFeeCcy`, `execType`): taken from the step's own
  fill record, exactly as charged, and empty (`fillSz` and `fillFee` "0") when the step is not a
  fill. Filters: `instType` (the order's, or ANY), `instFamily` (swaps), `instId`.
* `account`: a snapshot on subscribe (`eventType` snapshot), then `event_update` with the
  currencies that changed. Balances are read back from committed state (a worker thread, one read
  at a time per account), so a push shows exactly what REST `account/balance` would.
* `balance_and_position`: a snapshot on subscribe, then the changed cash balances per commit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import InstType
from sandex.domain.instruments import Catalogue, Instrument
from sandex.domain.money import format_decimal
from sandex.services.exchange.events import BalancesChanged, OrdersChanged, OrderUpdate
from sandex.services.exchange.records import FillRecord, LedgerAccountKind, OrderRecord
from sandex.services.exchange.swap_records import MarginSummary
from sandex.services.exchange.units import amount, plain
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import AccountBalanceView, CurrencyBalance, Trader, order_view
from sandex.transport.okx.account_wire import balance_wire
from sandex.transport.okx.positions_wire import pos_data_wire
from sandex.transport.okx.swap_account_wire import futures_balance_wire, is_futures_mode
from sandex.transport.okx.swap_port import SwapAccounts
from sandex.transport.okx.trade_wire import ms, num, order_wire
from sandex.transport.okx.ws.channels import ACCOUNT, BALANCE_AND_POSITION, COUNTED_CHANNELS, ORDERS, Topic
from sandex.transport.okx.ws.protocol import conn_count, push
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry, TopicKey

log = logging.getLogger("sandex.ws")

ANY = "ANY"
_TRADING = LedgerAccountKind.TRADING
_NO_FILL = {
    "tradeId": "",
    "fillPx": "",
    "fillSz": "0",
    "fillTime": "",
    "fillFee": "0",
    "fillFeeCcy": "",
    "fillPnl": "0",
    "execType": "",
}
_EMPTY_FILL_EXTRAS = ("fillPxVol", "fillPxUsd", "fillMarkVol", "fillFwdPx", "fillMarkPx", "fillIdxPx")
FILLED, TRANSFERRED, SNAPSHOT, EVENT_UPDATE = "filled", "transferred", "snapshot", "event_update"
AccountState = tuple[AccountBalanceView, Mapping[str, MarginSummary] | None]


class PrivateFeed:
    def __init__(
        self,
        registry: SessionRegistry,
        pusher: Pusher,
        catalogue: Catalogue,
        trading: TradingService,
        swaps: SwapAccounts | None = None,
    ) -> None:
        self._swaps = swaps  # Futures-mode accounts: their `account` pushes carry the margin fields
        self._registry = registry
        self._pusher = pusher
        self._catalogue = catalogue
        self._trading = trading
        self._dirty: dict[tuple[Environment, int], set[str]] = {}  # account pushes owed, by user
        self._reading: set[tuple[Environment, int]] = set()
        self._filled_users: set[tuple[Environment, int]] = set()  # users whose orders filled this commit
        self._tasks: set[asyncio.Task[None]] = set()
        self._snapshots: dict[tuple[str, TopicKey], float] = {}  # (connId, topic) -> next periodic push

    # --- orders ----------------------------------------------------------------------------------
    def on_orders(self, event: OrdersChanged) -> None:
        environment = event.environment
        by_user: dict[int, list[OrderUpdate]] = {}
        for update in event.updates:
            by_user.setdefault(update.user_id, []).append(update)
        for user_id, updates in by_user.items():
            sessions = self._registry.of_user(environment, user_id)
            if not sessions:
                continue
            records = [update.order for update in updates]
            items = [self._order_item(update) for update in updates]
            if any(item["tradeId"] for item in items):
                self._filled_users.add((environment, user_id))
            self._push_orders(sessions, records, items)

    def _push_orders(self, sessions: Iterable[Session], records: list[OrderRecord], items: list[Any]) -> None:
        for session in tuple(sessions):
            for topic in [t for t in session.topics.values() if t.channel == ORDERS]:
                arg = self._arg(session, topic)
                for record, item in zip(records, items, strict=True):  # one message per step, as OKX
                    if _matches(topic, record, self._catalogue):
                        self._pusher.send(session, ORDERS, push(arg, [item]))

    def _order_item(self, update: OrderUpdate) -> dict[str, Any]:
        order = update.order  # its TP/SL travel on the record: no read per push
        item = order_wire(order_view(order, self._catalogue, order.attached))
        item.update(dict.fromkeys(_EMPTY_FILL_EXTRAS, ""))
        item.update(_NO_FILL if update.fill is None else _fill_fields(update.fill))
        item.update(
            fillNotionalUsd="",
            notionalUsd="",
            amendResult="",
            reqId="",
            code="0",
            msg="",
            lastPx="",
            amendSource="",
        )
        return item

    # --- balances --------------------------------------------------------------------------------
    def on_balances(self, event: BalancesChanged) -> None:
        environment = event.environment
        changed: dict[int, dict[str, Any]] = {}
        for update in event.updates:
            if update.kind is _TRADING and self._registry.of_user(environment, update.user_id):
                changed.setdefault(update.user_id, {})[update.balance.ccy] = update.balance
        for user_id, balances in changed.items():
            sessions = self._registry.of_user(environment, user_id)
            self._push_cash(environment, user_id, sessions, balances)
            if any(t.channel == ACCOUNT for s in sessions for t in s.topics.values()):
                self._owe_account(environment, user_id, balances.keys())
        # the commit's orders came first (`on_orders`); what they said about fills is used up now
        self._filled_users = {key for key in self._filled_users if key[0] is not environment}

    def _push_cash(
        self, environment: Environment, user_id: int, sessions: Iterable[Session], balances: dict[str, Any]
    ) -> None:
        kind = FILLED if (environment, user_id) in self._filled_users else TRANSFERRED
        bal_data = [
            {
                "ccy": ccy,
                "cashBal": format_decimal(amount(b.available + b.frozen)),
                "uTime": str(b.updated_ms),
            }
            for ccy, b in sorted(balances.items())
        ]
        if not bal_data:
            return
        for session in tuple(sessions):
            for topic in [t for t in session.topics.values() if t.channel == BALANCE_AND_POSITION]:
                data = [
                    {
                        "pTime": str(max(int(b["uTime"]) for b in bal_data)),
                        "eventType": kind,
                        "balData": bal_data,
                        "posData": [],
                        "trades": [],
                    }
                ]
                self._pusher.send(session, BALANCE_AND_POSITION, push(self._arg(session, topic), data))

    def _owe_account(self, environment: Environment, user_id: int, ccys: Iterable[str]) -> None:
        key = (environment, user_id)
        self._dirty.setdefault(key, set()).update(ccys)
        if key not in self._reading:
            self._reading.add(key)
            self._spawn(self._send_account_updates(key))

    async def _send_account_updates(self, key: tuple[Environment, int]) -> None:
        """One reader per account: coalesces changes that arrive while a read is running."""
        environment, user_id = key
        try:
            while ccys := self._dirty.pop(key, None):
                state = await asyncio.to_thread(self._account_state, Trader(user_id, environment))
                for session in tuple(self._registry.of_user(environment, user_id)):
                    for topic in [t for t in session.topics.values() if t.channel == ACCOUNT]:
                        self._send_balance(session, topic, state, ccys, EVENT_UPDATE)
        except Exception:  # a push is best effort; the next change tries again
            log.exception("account push failed")
        finally:
            self._reading.discard(key)

    # --- subscriptions ---------------------------------------------------------------------------
    async def subscribed(self, session: Session, topic: Topic) -> None:
        """What a private subscriber gets at once: its connection count, and balance snapshots."""
        principal = session.principal
        if principal is None:
            return
        if topic.channel in COUNTED_CHANNELS:
            held = session.slots.get(topic.channel)  # every process's count, when slots are shared
            count = (
                held[1]
                if held is not None
                else self._registry.count_on(session.environment, principal.user_id, topic.channel)
            )
            session.send(conn_count(topic.channel, count, session.conn_id))
        if topic.channel not in (ACCOUNT, BALANCE_AND_POSITION):
            return
        trader = Trader(principal.user_id, session.environment)
        state = await asyncio.to_thread(self._account_state, trader)
        view = state[0]
        if topic.channel == ACCOUNT:
            self._send_balance(session, topic, state, None, SNAPSHOT)
            if topic.snapshot_ms:
                self._snapshots[(session.conn_id, topic.key)] = time.monotonic() + topic.snapshot_ms / 1000
        else:
            bal_data = [
                {"ccy": d.ccy, "cashBal": format_decimal(d.total), "uTime": str(d.u_time)}
                for d in view.details
            ]
            data = [
                {
                    "pTime": str(view.u_time),
                    "eventType": SNAPSHOT,
                    "balData": bal_data,
                    "posData": await asyncio.to_thread(self._pos_data, trader),
                    "trades": [],
                }
            ]
            self._pusher.send(session, BALANCE_AND_POSITION, push(self._arg(session, topic), data))

    def tick(self, now: float) -> None:
        """Periodic `account` snapshots that are due (the gateway's housekeeping calls this)."""
        due: dict[tuple[Environment, int], list[tuple[Session, Topic]]] = {}
        for (conn_id, key), when in list(self._snapshots.items()):
            if when > now:
                continue
            session = self._registry.sessions.get(conn_id)
            topic = session.topics.get(key) if session is not None else None
            if session is None or topic is None or session.principal is None or not topic.snapshot_ms:
                del self._snapshots[(conn_id, key)]  # closed or unsubscribed
                continue
            self._snapshots[(conn_id, key)] = now + topic.snapshot_ms / 1000
            due.setdefault((session.environment, session.principal.user_id), []).append((session, topic))
        for (environment, user_id), targets in due.items():
            self._spawn(self._send_snapshots(Trader(user_id, environment), targets))

    async def _send_snapshots(self, trader: Trader, targets: list[tuple[Session, Topic]]) -> None:
        try:
            state = await asyncio.to_thread(self._account_state, trader)
        except Exception:  # a push is best effort; the next period tries again
            log.exception("account snapshot failed")
            return
        for session, topic in targets:
            self._send_balance(session, topic, state, None, SNAPSHOT)

    def _pos_data(self, trader: Trader) -> list[dict[str, Any]]:
        """`posData` of a snapshot: the account's open positions."""
        if self._swaps is None:
            return []
        views = self._swaps.positions(trader, (), ())
        return [pos_data_wire(v.record, v.inst_type, v.ccy) for v in views if v.record.pos != 0]

    def _account_state(self, trader: Trader) -> AccountState:
        """The balances, and the margin fields per currency of a Futures-mode account (else None)."""
        view = self._trading.balances(trader)
        swaps = self._swaps
        if swaps is None or not is_futures_mode(swaps.settings(trader)):
            return view, None
        return view, swaps.margin(trader)

    def _send_balance(
        self, session: Session, topic: Topic, state: AccountState, ccys: set[str] | None, kind: str
    ) -> None:
        view, margin = state
        details = _details_for(view, ccys, topic.ccy)
        if ccys is not None and not details:
            return
        shown = AccountBalanceView(view.total_eq, view.u_time, details)
        data = [balance_wire(shown) if margin is None else futures_balance_wire(shown, margin)]
        extra: dict[str, Any] = {"eventType": kind}
        if kind == SNAPSHOT:
            extra.update(curPage=1, lastPage=True)
        self._pusher.send(session, ACCOUNT, push(self._arg(session, topic), data, **extra))

    def _arg(self, session: Session, topic: Topic) -> dict[str, str]:
        arg = topic.echo
        if session.principal is not None:
            arg["uid"] = session.principal.uid
        return arg

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _matches(topic: Topic, record: OrderRecord, catalogue: Catalogue) -> bool:
    """`instType` (the order's or ANY), `instFamily` (swaps only: `BTC-USDT`), `instId`."""
    return topic_matches(topic, catalogue.instrument(record.inst_id), record.inst_id)


def topic_matches(topic: Topic, inst: Instrument | None, inst_id: str) -> bool:
    """Whether a push about `inst_id` belongs to a subscription with these filters."""
    inst_type = InstType.SPOT if inst is None else inst.inst_type
    if topic.inst_type not in (inst_type.value, ANY):
        return False
    if topic.inst_family and (
        inst is None or inst.contract is None or inst.contract.inst_family != topic.inst_family
    ):
        return False
    return not topic.inst_id or topic.inst_id == inst_id


def _fill_fields(fill: FillRecord) -> dict[str, str]:
    """OKX's fields "for the current update" when the update is a fill: the order's side of it."""
    return {
        "tradeId": str(fill.trade_id),
        "fillPx": num(plain(fill.px)),
        "fillSz": num(plain(fill.sz)),
        "fillTime": ms(fill.ts),
        "fillFee": format_decimal(-amount(fill.fee)),
        "fillFeeCcy": fill.fee_ccy,
        "fillPnl": format_decimal(amount(fill.fill_pnl)),
        "fillMarkPx": "" if fill.fill_mark_px is None else num(plain(fill.fill_mark_px)),
        "execType": fill.exec_type.value,
    }


def _details_for(view: AccountBalanceView, ccys: set[str] | None, only: str) -> list[CurrencyBalance]:
    """The currencies to show: all (snapshot) or the changed ones, a zero row for one now empty."""
    wanted = None if ccys is None else set(ccys)
    if only:
        wanted = {only} if wanted is None else wanted & {only}
    if wanted is None:
        return list(view.details)
    shown = [d for d in view.details if d.ccy in wanted]
    gone = wanted - {d.ccy for d in shown}
    zero = Decimal(0)
    shown += [CurrencyBalance(ccy, zero, zero, zero, zero, view.u_time) for ccy in sorted(gone)]
    return shown
