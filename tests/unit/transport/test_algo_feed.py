"""`orders-algo` / `algo-advance` pushes from the hub's `AlgosChanged`: which session gets which
algo on which channel (owner and environment only; trailing stops on `algo-advance`; filters)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.keys.ips import IpAllowList
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import AlgoOrdType, AlgoState
from sandex.services.exchange.events import AlgosChanged, AlgoUpdate
from sandex.services.exchange.records import AlgoRecord
from sandex.services.keys.auth import Principal
from sandex.storage.catalogue_file import load_catalogue
from sandex.testing.clock import ManualClock
from sandex.transport.okx.algo_wire import algo_object
from sandex.transport.okx.ws.algo_feed import AlgoFeed
from sandex.transport.okx.ws.channels import Topic, resolve
from sandex.transport.okx.ws.protocol import Kind
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry

LIVE, DEMO = Environment.LIVE, Environment.DEMO


class Recorder(Pusher):
    """Keeps what would be sent: (connId, channel, frame as JSON)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def send(self, session: Session, channel: str, frame: str) -> None:
        self.sent.append((session.conn_id, channel, json.loads(frame)))


def algo(
    algo_id: int, ord_type: AlgoOrdType = AlgoOrdType.CONDITIONAL, inst_id: str = "BTC-USDT"
) -> AlgoRecord:
    return AlgoRecord(
        algo_id=algo_id,
        environment=LIVE,
        account_id=1,
        inst_id=inst_id,
        ord_type=ord_type,
        side=Side.SELL,
        sz=Decimal("0.01"),
        tgt_ccy=None,
        td_mode="cash",
        state=AlgoState.LIVE,
        algo_cl_ord_id="",
        tag="",
        reduce_only=False,
        c_time=1,
        u_time=1,
        sl_trigger_px=Decimal(45000),
        sl_ord_px=Decimal(-1),
    )


def logged_in(registry: SessionRegistry, conn_id: str, user_id: int, env: Environment = LIVE) -> Session:
    session = Session(conn_id, Kind.BUSINESS, env, "127.0.0.1")
    registry.add(session)
    principal = Principal(
        user_id,
        f"uid{user_id}",
        None,
        f"uid{user_id}",
        False,
        env,
        f"key{conn_id}",
        "k",
        frozenset(),
        IpAllowList(),
    )
    registry.logged_in(session, principal)
    return session


def subscribe(registry: SessionRegistry, session: Session, **arg: str) -> None:
    topic = resolve(arg, Kind.BUSINESS, True, load_catalogue(), json.dumps(arg))
    assert isinstance(topic, Topic)
    registry.subscribe(session, topic)


def feed() -> tuple[SessionRegistry, Recorder, AlgoFeed]:
    registry, recorder = SessionRegistry(), Recorder()
    return registry, recorder, AlgoFeed(registry, recorder, ManualClock())


def test_each_change_goes_to_its_owner_on_its_channel() -> None:
    registry, recorder, algos = feed()
    alice = logged_in(registry, "a", 1)
    bob = logged_in(registry, "b", 2)
    for session in (alice, bob):
        subscribe(registry, session, channel="orders-algo", instType="SPOT")
        subscribe(registry, session, channel="algo-advance", instType="ANY")
    stop, trail = algo(10), algo(11, AlgoOrdType.MOVE_ORDER_STOP)
    algos.on_algos(AlgosChanged(LIVE, [AlgoUpdate(1, stop), AlgoUpdate(1, trail)]))

    assert [(conn, channel) for conn, channel, _ in recorder.sent] == [
        ("a", "orders-algo"),
        ("a", "algo-advance"),
    ]
    first, second = recorder.sent[0][2], recorder.sent[1][2]
    assert first["arg"] == {"channel": "orders-algo", "instType": "SPOT", "uid": "uid1"}
    assert first["data"] == [{**algo_object(stop), "reqId": "", "amendResult": ""}]
    assert second["arg"] == {"channel": "algo-advance", "instType": "ANY", "uid": "uid1"}
    assert second["data"][0]["algoId"] == "11" and second["data"][0]["pTime"] == str(ManualClock().now_ms())


def test_demo_changes_reach_demo_sessions_only() -> None:
    registry, recorder, algos = feed()
    live = logged_in(registry, "live", 1)
    demo = logged_in(registry, "demo", 1, DEMO)
    for session in (live, demo):
        subscribe(registry, session, channel="orders-algo", instType="ANY")
    algos.on_algos(AlgosChanged(DEMO, [AlgoUpdate(1, algo(5))]))
    assert [conn for conn, _, _ in recorder.sent] == ["demo"]


def test_filters_instrument_type_instrument_and_algo_id() -> None:
    registry, recorder, algos = feed()
    session = logged_in(registry, "a", 1)
    subscribe(registry, session, channel="orders-algo", instType="SWAP")
    subscribe(registry, session, channel="orders-algo", instType="SPOT", instId="ETH-USDT")
    subscribe(registry, session, channel="algo-advance", instType="SPOT", algoId="12")
    algos.on_algos(
        AlgosChanged(
            LIVE,
            [
                AlgoUpdate(1, algo(1)),  # BTC: neither orders-algo topic
                AlgoUpdate(1, algo(2, inst_id="ETH-USDT")),
                AlgoUpdate(1, algo(3, AlgoOrdType.MOVE_ORDER_STOP)),  # another algo id
                AlgoUpdate(1, algo(12, AlgoOrdType.MOVE_ORDER_STOP)),
            ],
        )
    )
    pushed = [(channel, frame["data"][0]["algoId"]) for _, channel, frame in recorder.sent]
    assert pushed == [("orders-algo", "2"), ("algo-advance", "12")]
    assert recorder.sent[1][2]["arg"] == {
        "channel": "algo-advance",
        "instType": "SPOT",
        "algoId": "12",
        "uid": "uid1",
    }
