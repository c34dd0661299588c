"""The fault registry: which requests a fault hits, how often, reproducibly, and what it records."""

from __future__ import annotations

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.faults import Fault, FaultKind, FaultSpec
from sandex.runtime.faults import FaultRegistry
from sandex.testing.clock import ManualClock

ORDER = ("POST", "/api/v5/trade/order")
TIME = ("GET", "/api/v5/public/time")


def _added(registry: FaultRegistry, spec: FaultSpec) -> Fault:
    fault = registry.add(spec)
    assert isinstance(fault, Fault), fault
    return fault


def _hits(
    registry: FaultRegistry, requests: int, target: tuple[str, str] = ORDER, key: str | None = None
) -> str:
    """'x' where a fault answered, '.' where the request went through."""
    marks = []
    for _ in range(requests):
        decision = registry.decide_http(*target, key)
        marks.append("x" if decision is not None and decision.answer is not None else ".")
    return "".join(marks)


def test_nothing_is_armed_until_a_fault_is_added() -> None:
    registry = FaultRegistry(ManualClock())
    assert not registry.armed
    assert registry.decide_http(*ORDER, None) is None


def test_times_fires_on_the_next_n_matching_requests_then_retires() -> None:
    registry = FaultRegistry(ManualClock())
    fault = _added(registry, FaultSpec(FaultKind.ERROR, code="50001", times=2))
    assert _hits(registry, 4) == "xx.."
    now = registry.get(fault.id)
    assert now is not None and (now.fired, now.remaining) == (2, 0)
    assert not registry.armed  # nothing left that could fire: the hot path is skipped again


def test_without_times_or_probability_a_fault_fires_until_removed() -> None:
    registry = FaultRegistry(ManualClock())
    fault = _added(registry, FaultSpec(FaultKind.ERROR, code="50013"))
    assert _hits(registry, 3) == "xxx"
    assert registry.remove(fault.id)
    assert _hits(registry, 2) == ".."


def test_the_same_seed_hits_the_same_requests() -> None:
    def pattern(seed: int) -> str:
        registry = FaultRegistry(ManualClock())
        _added(registry, FaultSpec(FaultKind.ERROR, code="50026", probability=0.5, seed=seed))
        return _hits(registry, 40)

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 5 < pattern(7).count("x") < 35


def test_probability_and_times_together_cap_the_firings() -> None:
    registry = FaultRegistry(ManualClock())
    fault = _added(registry, FaultSpec(FaultKind.ERROR, code="50026", probability=0.5, seed=1, times=3))
    assert _hits(registry, 60).count("x") == 3
    now = registry.get(fault.id)
    assert now is not None and now.seen > 3  # misses count as seen


@pytest.mark.parametrize(
    ("route", "hits_order", "hits_time"),
    [
        ("POST /api/v5/trade/order", True, False),
        ("GET /api/v5/trade/order", False, False),
        ("/api/v5/trade/order", True, False),
        ("/api/v5/trade/*", True, False),
        ("/api/v5/*", True, True),
        ("get /api/v5/public/time", False, True),
    ],
)
def test_routes_match_by_method_path_or_prefix(route: str, hits_order: bool, hits_time: bool) -> None:
    registry = FaultRegistry(ManualClock())
    _added(registry, FaultSpec(FaultKind.ERROR, code="50001", route=route))
    assert (_hits(registry, 1, ORDER) == "x") is hits_order
    assert (_hits(registry, 1, TIME) == "x") is hits_time


def test_a_fault_for_one_key_leaves_other_keys_and_anonymous_requests_alone() -> None:
    registry = FaultRegistry(ManualClock())
    _added(registry, FaultSpec(FaultKind.ERROR, code="50011", api_key="k1"))
    assert _hits(registry, 1, key="k1") == "x"
    assert _hits(registry, 1, key="k2") == "."
    assert _hits(registry, 1, key=None) == "."


def test_the_first_answering_fault_wins_and_later_ones_are_not_used_up() -> None:
    registry = FaultRegistry(ManualClock())
    first = _added(registry, FaultSpec(FaultKind.ERROR, code="50001", times=1))
    second = _added(registry, FaultSpec(FaultKind.HTTP, times=1))
    decision = registry.decide_http(*ORDER, None)
    assert decision is not None and decision.answer is not None and decision.answer.id == first.id
    decision = registry.decide_http(*ORDER, None)
    assert decision is not None and decision.answer is not None and decision.answer.id == second.id
    assert decision.answer.spec.status == 502  # an HTTP fault defaults to 502


def test_latency_adds_up_and_lets_the_request_through() -> None:
    registry = FaultRegistry(ManualClock())
    _added(registry, FaultSpec(FaultKind.LATENCY, latency_ms=100))
    _added(registry, FaultSpec(FaultKind.LATENCY, latency_ms=50, route="/api/v5/trade/*"))
    decision = registry.decide_http(*ORDER, None)
    assert decision is not None and (decision.latency_ms, decision.answer) == (150, None)
    decision = registry.decide_http(*TIME, None)
    assert decision is not None and decision.latency_ms == 100


def test_every_firing_is_recorded_with_its_target_key_and_time() -> None:
    clock = ManualClock(1_000)
    registry = FaultRegistry(clock)
    fault = _added(registry, FaultSpec(FaultKind.ERROR, code="51008", times=2))
    registry.decide_http(*ORDER, "k1")
    clock.advance(ms=5)
    registry.decide_http("GET", "/api/v5/account/balance", None)
    registry.decide_http(*ORDER, None)  # retired: not recorded
    events = registry.events()
    assert [(e.seq, e.fault_id, e.target, e.api_key, e.ts_ms, e.code) for e in events] == [
        (1, fault.id, "POST /api/v5/trade/order", "k1", 1_000, "51008"),
        (2, fault.id, "GET /api/v5/account/balance", None, 1_005, "51008"),
    ]
    assert [e.seq for e in registry.events(since_seq=1)] == [2]
    registry.clear()
    assert registry.events() == [] and registry.faults() == []


def test_ws_faults_answer_per_channel_and_not_on_rest() -> None:
    registry = FaultRegistry(ManualClock())
    _added(registry, FaultSpec(FaultKind.WS_DROP, route="orders", times=1))
    _added(registry, FaultSpec(FaultKind.WS_DUPLICATE, route="tickers"))
    assert not registry.armed and registry.decide_http(*ORDER, None) is None
    assert registry.decide_ws("books", None) is None
    assert registry.decide_ws("orders", None) is FaultKind.WS_DROP
    assert registry.decide_ws("orders", None) is None
    assert registry.decide_ws("tickers", None) is FaultKind.WS_DUPLICATE
    assert [e.target for e in registry.events()] == ["ws orders", "ws tickers"]


def test_ws_faults_fire_again_after_every_one_retired() -> None:
    """WS pushes skip the registry's lock while no WS fault can fire; a new fault still applies."""
    registry = FaultRegistry(ManualClock())
    _added(registry, FaultSpec(FaultKind.WS_DROP, route="trades", times=1))
    assert registry.decide_ws("trades", None) is FaultKind.WS_DROP
    assert registry.decide_ws("trades", None) is None  # retired
    _added(registry, FaultSpec(FaultKind.WS_DISCONNECT, route="trades", api_key="k1", times=1))
    assert registry.decide_ws("trades", "k2") is None
    assert registry.decide_ws("trades", "k1") is FaultKind.WS_DISCONNECT
    assert registry.decide_ws("trades", "k1") is None


@pytest.mark.parametrize(
    ("spec", "reason", "field"),
    [
        (FaultSpec(FaultKind.ERROR), Reason.PARAM_EMPTY, "code"),
        (FaultSpec(FaultKind.ERROR, code="5x001"), Reason.PARAM_ERROR, "code"),
        (FaultSpec(FaultKind.HTTP, status=200), Reason.PARAM_ERROR, "status"),
        (FaultSpec(FaultKind.HTTP, status=700), Reason.PARAM_ERROR, "status"),
        (FaultSpec(FaultKind.LATENCY), Reason.PARAM_EMPTY, "latency_ms"),
        (FaultSpec(FaultKind.LATENCY, latency_ms=120_000), Reason.PARAM_ERROR, "latency_ms"),
        (FaultSpec(FaultKind.ERROR, code="50001", times=0), Reason.PARAM_ERROR, "times"),
        (FaultSpec(FaultKind.ERROR, code="50001", probability=0), Reason.PARAM_ERROR, "probability"),
        (FaultSpec(FaultKind.ERROR, code="50001", probability=1.5), Reason.PARAM_ERROR, "probability"),
        (FaultSpec(FaultKind.ERROR, code="50001", route="api/v5/x"), Reason.PARAM_ERROR, "route"),
        (FaultSpec(FaultKind.ERROR, code="50001", route="P0ST /x"), Reason.PARAM_ERROR, "route"),
    ],
)
def test_a_bad_spec_is_refused_naming_the_field_and_adds_nothing(
    spec: FaultSpec, reason: Reason, field: str
) -> None:
    registry = FaultRegistry(ManualClock())
    refused = registry.add(spec)
    assert refused == Rejected.of(reason, field=field)
    assert registry.faults() == [] and not registry.armed
