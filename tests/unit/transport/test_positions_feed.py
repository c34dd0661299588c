"""`positions` and `balance_and_position` pushes from the hub's `PositionsChanged`: snapshots of
open positions, event updates (the one brought to zero included), filters, posData per event type."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import ContractSpec, CtType, MgnMode, PosSide, Tier
from sandex.domain.instruments import Catalogue, Currency, Instrument
from sandex.domain.keys.ips import IpAllowList
from sandex.services.exchange.events import PositionsChanged, PositionUpdate
from sandex.services.exchange.swap_records import PositionRecord, PositionView
from sandex.services.keys.auth import Principal
from sandex.transport.okx.ws.channels import Topic, resolve
from sandex.transport.okx.ws.positions_feed import PositionsFeed
from sandex.transport.okx.ws.protocol import Kind
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.sessions import Session, SessionRegistry
from tests.support.polling import until

LIVE = Environment.LIVE
Z = Decimal(0)


def swap(inst_id: str, family: str, code: int) -> Instrument:
    spec = ContractSpec(
        family, Decimal("0.01"), Decimal(1), family.split("-")[0], "USDT", CtType.LINEAR, Decimal(100),
        (Tier(1, Z, Decimal(1000), Decimal("0.004"), Decimal("0.01"), Decimal(100)),), family,
    )  # fmt: skip
    return Instrument(inst_id, family.split("-")[0], "USDT", Decimal("0.1"), Decimal("0.01"), Decimal("0.01"),
                      Decimal(100), code, 0, contract=spec)  # fmt: skip


CATALOGUE = Catalogue(
    [swap("BTC-USDT-SWAP", "BTC-USDT", 1), swap("ETH-USDT-SWAP", "ETH-USDT", 2)],
    [Currency(c, c, ()) for c in ("BTC", "ETH", "USDT")],
)


def position(inst_id: str, pos: str, pos_id: int = 1) -> PositionRecord:
    return PositionRecord(
        LIVE, 1, pos_id, inst_id, MgnMode.CROSS, PosSide.NET, Decimal(pos), Decimal(100), 0, Decimal(10),
        0, 0, 0, 0, 0, 1, 2, 9, Decimal(1), Z, None, "live" if Decimal(pos) else "closed", None,
    )  # fmt: skip


def marked(record: PositionRecord) -> PositionView:
    return PositionView(
        record, "SWAP", "USDT", Decimal(101), Decimal(100), Decimal(101), Decimal("0.01"), Decimal("0.01"),
        Decimal("0.1"), Decimal("0.1"), None, Decimal("0.004"), None, None, None, None, Decimal(1),
        abs(record.pos), 1, Decimal(100),
    )  # fmt: skip


class Reads:
    def __init__(self, records: list[PositionRecord]) -> None:
        self.records = records

    def open_positions(self, environment: Environment, user_id: int) -> list[PositionView]:
        return [marked(r) for r in self.records if r.pos != 0]

    def view_of(self, record: PositionRecord) -> PositionView:
        return marked(record)


class Recorder(Pusher):
    def __init__(self) -> None:
        super().__init__(None)
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, session: Session, channel: str, frame: Any) -> None:
        self.sent.append((channel, json.loads(frame)))


def logged_in(registry: SessionRegistry) -> Session:
    session = Session("c1", Kind.PRIVATE, LIVE, "127.0.0.1")
    registry.add(session)
    principal = Principal(1, "uid1", None, "uid1", False, LIVE, "key", "k", frozenset(), IpAllowList())
    registry.logged_in(session, principal)
    return session


def topic(**arg: str) -> Topic:
    resolved = resolve(arg, Kind.PRIVATE, True, CATALOGUE, json.dumps(arg))
    assert isinstance(resolved, Topic), resolved
    return resolved


async def test_snapshot_on_subscribe_shows_open_positions_only() -> None:
    registry, recorder = SessionRegistry(), Recorder()
    reads = Reads([position("BTC-USDT-SWAP", "2"), position("ETH-USDT-SWAP", "0", 2)])
    feed = PositionsFeed(registry, recorder, CATALOGUE, reads)
    session = logged_in(registry)
    wanted = topic(channel="positions", instType="SWAP")
    registry.subscribe(session, wanted)
    await feed.subscribed(session, wanted)
    ((channel, frame),) = recorder.sent
    assert channel == "positions"
    assert (frame["arg"], frame["eventType"], frame["curPage"], frame["lastPage"]) == (
        {"channel": "positions", "instType": "SWAP", "uid": "uid1"},
        "snapshot",
        1,
        True,
    )
    assert [(d["instId"], d["pos"], d["pTime"]) for d in frame["data"]] == [("BTC-USDT-SWAP", "2", "2")]


async def test_updates_include_the_one_brought_to_zero_and_follow_filters() -> None:
    registry, recorder = SessionRegistry(), Recorder()
    feed = PositionsFeed(registry, recorder, CATALOGUE, Reads([]))
    session = logged_in(registry)
    registry.subscribe(session, topic(channel="positions", instType="ANY", instFamily="BTC-USDT"))
    closed, eth = position("BTC-USDT-SWAP", "0"), position("ETH-USDT-SWAP", "1", 2)
    feed.on_positions(
        PositionsChanged(LIVE, [PositionUpdate(1, closed, "filled", 5), PositionUpdate(1, eth, "filled", 5)])
    )
    await until(lambda: bool(recorder.sent), "the update push")  # read on a worker thread
    ((_, frame),) = recorder.sent
    assert frame["eventType"] == "event_update" and "curPage" not in frame
    assert [(d["instId"], d["pos"], d["avgPx"]) for d in frame["data"]] == [("BTC-USDT-SWAP", "0", "")]


async def test_balance_and_position_carries_pos_data_per_event_type() -> None:
    registry, recorder = SessionRegistry(), Recorder()
    feed = PositionsFeed(registry, recorder, CATALOGUE, Reads([]))
    session = logged_in(registry)
    registry.subscribe(session, topic(channel="balance_and_position"))
    updates = [
        PositionUpdate(1, position("BTC-USDT-SWAP", "2"), "filled", 7),
        PositionUpdate(1, position("ETH-USDT-SWAP", "1", 2), "adjust_margin"),
    ]
    feed.on_positions(PositionsChanged(LIVE, updates))
    assert [(c, f["data"][0]["eventType"]) for c, f in recorder.sent] == [
        ("balance_and_position", "filled"),
        ("balance_and_position", "adjust_margin"),
    ]
    filled = recorder.sent[0][1]["data"][0]
    assert filled["trades"] == [{"instId": "BTC-USDT-SWAP", "tradeId": "7"}]
    assert (filled["posData"][0]["pos"], filled["posData"][0]["ccy"], filled["balData"]) == ("2", "USDT", [])


async def test_periodic_snapshots_follow_update_interval() -> None:
    registry, recorder = SessionRegistry(), Recorder()
    feed = PositionsFeed(registry, recorder, CATALOGUE, Reads([position("BTC-USDT-SWAP", "-1")]))
    session = logged_in(registry)
    silent = topic(channel="positions", instType="SWAP", extraParams='{"updateInterval": "0"}')
    periodic = topic(
        channel="positions", instType="SWAP", instId="BTC-USDT-SWAP", extraParams='{"updateInterval": "2000"}'
    )
    for one in (silent, periodic):
        registry.subscribe(session, one)
        await feed.subscribed(session, one)
    recorder.sent.clear()
    feed.tick(10**9)  # far beyond every due time
    await until(lambda: bool(recorder.sent), "the periodic snapshot")
    assert [f["arg"].get("instId") for _, f in recorder.sent] == ["BTC-USDT-SWAP"]
    assert recorder.sent[0][1]["data"][0]["pos"] == "-1"
