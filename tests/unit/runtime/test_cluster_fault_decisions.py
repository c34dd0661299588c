"""Fault decisions across a cluster, without NATS: an API process's registry (the mirrored faults)
asks the sequencer's process's registry over the decision wire, so a fault's `times`, its dice and
its events are one, whichever process asks; what does not decode, or does not come, is no fault."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from sandex.domain.faults import Fault, FaultKind, FaultSpec, HttpInjection
from sandex.runtime.cluster.fault_decisions import (
    Decision,
    FaultDecisionClient,
    FaultWireError,
    HttpAsk,
    WsAsk,
    decide,
    decode_ask,
    decode_decision,
    encode_ask,
    encode_decision,
)
from sandex.runtime.faults import FaultRegistry
from sandex.testing.clock import ManualClock

ORDER = ("POST", "/api/v5/trade/order")
TIME = ("GET", "/api/v5/public/time")


class _Reply:
    def __init__(self, data: bytes) -> None:
        self.data = data


class _Bus:
    """NATS request/reply straight to the sequencer's registry, counting the questions."""

    def __init__(self, sequencer: FaultRegistry) -> None:
        self.sequencer = sequencer
        self.asked = 0
        self.away = False

    async def request(self, subject: str, data: bytes, timeout: float) -> _Reply:
        self.asked += 1
        if self.away:
            raise TimeoutError
        return _Reply(encode_decision(decide(self.sequencer, decode_ask(data))))


def _cluster(*specs: FaultSpec) -> tuple[FaultRegistry, _Bus, list[FaultRegistry]]:
    """The sequencer's registry with `specs` armed, and two API processes' mirrors of it."""
    sequencer = FaultRegistry(ManualClock())
    for spec in specs:
        assert isinstance(sequencer.add(spec), Fault)
    bus = _Bus(sequencer)
    apis = []
    for _ in range(2):
        api = FaultRegistry(ManualClock())
        api.mirror(sequencer.specs())
        api.decide_elsewhere(FaultDecisionClient(lambda: bus, "sandex.t.faults.decide", api))
        apis.append(api)
    return sequencer, bus, apis


def _failed(injection: HttpInjection | None) -> str:
    return "x" if injection is not None and injection.answer is not None else "."


@pytest.mark.parametrize(
    "ask", [HttpAsk("POST", "/api/v5/trade/order", "k1"), HttpAsk("GET", "/x", None), WsAsk("orders", None)]
)
def test_a_question_round_trips(ask: HttpAsk | WsAsk) -> None:
    assert decode_ask(encode_ask(ask)) == ask


def test_a_decision_round_trips_with_the_answering_fault_and_the_spent_ones() -> None:
    spec = FaultSpec(FaultKind.ERROR, route="POST /api/v5/trade/order", code="51008", msg="no", times=2)
    fault = Fault("f3", spec, 1_700_000_000_000, seen=4, fired=2)
    for decision in (
        Decision(http=HttpInjection(250, fault), spent=("f3", "f1")),
        Decision(http=HttpInjection(40, None)),
        Decision(ws=FaultKind.WS_DUPLICATE),
        Decision(),
    ):
        assert decode_decision(encode_decision(decision)) == decision


@pytest.mark.parametrize(
    "data", [b"", b"{", b"[]", b'{"w": "smtp", "k": null}', b'{"w": "http", "m": 1, "p": "/", "k": null}']
)
def test_a_question_that_does_not_decode_is_refused(data: bytes) -> None:
    with pytest.raises(FaultWireError):
        decode_ask(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{}",
        b'{"l": 0, "a": null, "ws": "ws_melt", "spent": []}',
        b'{"l": 0, "a": {}, "ws": null, "spent": []}',
    ],
)
def test_a_decision_that_does_not_decode_is_refused(data: bytes) -> None:
    with pytest.raises(FaultWireError):
        decode_decision(data)


async def test_a_fault_with_times_fires_that_often_over_all_processes_and_records_each_firing() -> None:
    sequencer, _, (one, two) = _cluster(
        FaultSpec(FaultKind.ERROR, route="POST /api/v5/trade/order", code="50013", times=2)
    )
    hits = [
        _failed(await api.ask_http(*ORDER, key))
        for api, key in ((one, "a"), (two, "b"), (one, "c"), (two, "d"))
    ]
    assert hits == ["x", "x", ".", "."]
    events = sequencer.events()
    assert [(e.fault_id, e.target, e.api_key) for e in events] == [
        ("f1", "POST /api/v5/trade/order", "a"),
        ("f1", "POST /api/v5/trade/order", "b"),
    ]
    assert [e.seq for e in events] == [1, 2]
    assert one.events() == [] and two.events() == []  # recorded once, where decisions are made


async def test_probability_dice_fire_on_the_same_requests_as_in_one_process() -> None:
    spec = FaultSpec(FaultKind.HTTP, route="/api/v5/public/time", probability=0.4, seed=11)
    _, _, (one, two) = _cluster(spec)
    alone = FaultRegistry(ManualClock())
    alone.add(spec)
    across = [_failed(await (one, two)[i % 2].ask_http(*TIME, None)) for i in range(30)]
    single = [_failed(alone.decide_http(*TIME, None)) for _ in range(30)]
    assert across == single
    assert "x" in across and "." in across


async def test_a_request_no_fault_could_hit_sends_no_question() -> None:
    _, bus, (one, _) = _cluster(
        FaultSpec(FaultKind.ERROR, route="POST /api/v5/trade/order", code="50013", api_key="a")
    )
    assert await one.ask_http(*TIME, "a") is None  # another route
    assert await one.ask_http(*ORDER, "b") is None  # another key
    assert one.ask_ws("orders", "a") is None  # no WS fault armed
    assert bus.asked == 0
    assert _failed(await one.ask_http(*ORDER, "a")) == "x"
    assert bus.asked == 1


async def test_a_used_up_fault_stops_the_questions_of_a_process_that_heard_it() -> None:
    _, bus, (one, two) = _cluster(FaultSpec(FaultKind.LATENCY, latency_ms=5, times=1))
    injection = await one.ask_http(*TIME, None)
    assert injection == HttpInjection(5, None)
    assert not one.armed  # the answer said f1 is used up
    assert two.armed  # it has not asked since: its next question hears it
    assert await two.ask_http(*TIME, None) is None
    assert not two.armed
    assert bus.asked == 2
    assert [fault.remaining for fault in one.faults()] == [0]  # still listed, as on the sequencer


def test_the_mirror_hears_when_a_fault_is_used_up_and_not_before() -> None:
    registry = FaultRegistry(ManualClock())
    registry.add(FaultSpec(FaultKind.ERROR, code="50001", times=2))
    registry.add(FaultSpec(FaultKind.WS_DROP, times=1))
    told: list[list[str]] = []
    registry.on_change.append(lambda: told.append(registry.spent()))
    registry.decide_http(*ORDER, None)
    assert told == []
    registry.decide_http(*ORDER, None)
    registry.decide_http(*ORDER, None)  # nothing fires any more: nothing to tell
    registry.decide_ws("orders", None)
    assert told == [["f1"], ["f1", "f2"]]


async def test_ws_faults_are_decided_once_too() -> None:
    sequencer, _, (one, two) = _cluster(FaultSpec(FaultKind.WS_DROP, route="orders", times=1))
    first, second = one.ask_ws("orders", "a"), two.ask_ws("orders", "b")
    assert first is not None and not isinstance(first, FaultKind)
    assert second is not None and not isinstance(second, FaultKind)
    assert [await first, await second] == [FaultKind.WS_DROP, None]
    assert [(e.target, e.api_key) for e in sequencer.events()] == [("ws orders", "a")]
    assert one.ask_ws("orders", "a") is None  # used up: no question


async def test_no_answer_is_no_fault_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    sequencer, bus, (one, _) = _cluster(FaultSpec(FaultKind.ERROR, code="50001", times=1))
    bus.away = True
    with caplog.at_level(logging.WARNING, "sandex.cluster"):
        assert await one.ask_http(*ORDER, None) is None
    assert "no fault decision" in caplog.text
    assert sequencer.events() == []
    bus.away = False
    assert _failed(await one.ask_http(*ORDER, None)) == "x"  # the fault still fires once it answers


async def test_before_the_bus_is_connected_there_is_no_fault() -> None:
    api = FaultRegistry(ManualClock())
    api.mirror([("f1", FaultSpec(FaultKind.ERROR, code="50001"))])
    none: Any = None
    api.decide_elsewhere(FaultDecisionClient(lambda: none, "sandex.t.faults.decide", api))
    assert await api.ask_http(*ORDER, None) is None


async def test_one_process_decides_itself() -> None:
    registry = FaultRegistry(ManualClock())
    registry.add(FaultSpec(FaultKind.WS_DUPLICATE, route="orders", times=1))
    registry.add(FaultSpec(FaultKind.ERROR, code="50001", times=1))
    assert registry.ask_ws("orders", None) is FaultKind.WS_DUPLICATE
    assert _failed(await registry.ask_http(*ORDER, None)) == "x"
    assert len(registry.events()) == 2
