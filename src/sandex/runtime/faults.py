"""The fault registry: faults a test injected, their seeded dice, and the record of every firing.

Faults are asked in the order they were added. For one request, every matching LATENCY fault that
fires adds its delay, and the first matching ERROR or HTTP fault that fires answers instead of the
handler; faults after it are not asked, so they neither fire nor use up their `times`. A fault
whose `times` are used up stays listed (with `remaining == 0`) until removed, so a test can still
read how often it fired.

Each fault draws from its own `random.Random(seed)` (default seed: its ordinal, 1, 2, ...), so
which requests it hits depends only on its seed and the order of the requests it matches.
Everything here is process memory: `reset` of the control API clears it. In a cluster's API
process the registry holds the sequencer's process's faults (`cluster/mirror.py`) but decides
nothing itself (`decide_elsewhere`): a request or push that one of them could hit is decided by the
sequencer's process (`cluster/fault_decisions.py`), which counts, rolls and records every firing of
the cluster, so a fault with `times: 1` fires once whichever process serves the request.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from itertools import count

from sandex.domain.clock import Clock
from sandex.domain.errors import Rejected
from sandex.domain.faults import (
    DEFAULT_HTTP_STATUS,
    HTTP_KINDS,
    WS_KINDS,
    Fault,
    FaultEvent,
    FaultKind,
    FaultSpec,
    HttpInjection,
    RemoteFaultDecisions,
    RouteMatcher,
    WsDecision,
    check_spec,
    parse_route,
)

EVENTS_KEPT = 10_000
_ANSWERING = frozenset({FaultKind.ERROR, FaultKind.HTTP})


@dataclass(slots=True)
class _Armed:
    fault: Fault
    matcher: RouteMatcher | None
    dice: random.Random

    def applies(self, method: str, path: str, api_key: str | None) -> bool:
        spec = self.fault.spec
        if spec.api_key is not None and spec.api_key != api_key:
            return False
        return self.matcher is None or self.matcher.matches(method, path)

    def applies_ws(self, channel: str, api_key: str | None) -> bool:
        spec = self.fault.spec
        return spec.route in (None, channel) and (spec.api_key is None or spec.api_key == api_key)

    @property
    def spec_kind(self) -> FaultKind:
        return self.fault.spec.kind

    def roll(self) -> bool:
        """Count one matching request; True when the fault fires on it."""
        spec = self.fault.spec
        if self.fault.remaining == 0:
            return False
        self.fault = replace(self.fault, seen=self.fault.seen + 1)
        if spec.probability is not None and self.dice.random() >= spec.probability:
            return False
        self.fault = replace(self.fault, fired=self.fault.fired + 1)
        return True


class FaultRegistry:
    """Implements `sandex.domain.faults.FaultInjector` in process memory (thread-safe)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._faults: dict[str, _Armed] = {}
        self._events: deque[FaultEvent] = deque(maxlen=EVENTS_KEPT)
        self._ids = count(1)
        self._seq = count(1)
        self._armed_http = False
        self._armed_ws = False  # read without the lock per WS push and subscriber: usually nothing armed
        # told after add, remove, clear, and when a fault's `times` are used up (the cluster's mirror)
        self.on_change: list[Callable[[], None]] = []
        self._remote: RemoteFaultDecisions | None = None  # a cluster's API process: the sequencer's process

    @property
    def armed(self) -> bool:
        return self._armed_http

    # --- management ---------------------------------------------------------------------------
    def add(self, spec: FaultSpec) -> Fault | Rejected:
        refusal = check_spec(spec)
        if refusal is not None:
            return refusal
        if spec.kind is FaultKind.HTTP and spec.status is None:
            spec = replace(spec, status=DEFAULT_HTTP_STATUS)
        matcher = None
        if spec.route is not None and spec.kind in HTTP_KINDS:
            parsed = parse_route(spec.route)
            assert isinstance(parsed, RouteMatcher)  # check_spec passed
            matcher = parsed
        with self._lock:
            ordinal = next(self._ids)
            fault = Fault(f"f{ordinal}", spec, self._clock.now_ms(), seen=0, fired=0)
            seed = ordinal if spec.seed is None else spec.seed
            self._faults[fault.id] = _Armed(fault, matcher, random.Random(seed))  # noqa: S311 - test dice
            self._rearm()
        self._changed()
        return fault

    def specs(self) -> list[tuple[str, FaultSpec]]:
        """The faults armed, by id, in order (what `mirror` takes)."""
        with self._lock:
            return [(fault_id, armed.fault.spec) for fault_id, armed in self._faults.items()]

    def mirror(self, specs: list[tuple[str, FaultSpec]]) -> None:
        """Arm exactly these faults (another process's, by id): one kept keeps its counts here (a
        copy whose `times` were used up stays retired). Tells no one. Decisions on these copies are
        the process that holds the originals' (`decide_elsewhere`)."""
        with self._lock:
            kept: dict[str, _Armed] = {}
            for ordinal, (fault_id, spec) in enumerate(specs, start=1):
                armed = self._faults.get(fault_id)
                if armed is None or armed.fault.spec != spec:
                    matcher = None
                    if spec.route is not None and spec.kind in HTTP_KINDS:
                        parsed = parse_route(spec.route)
                        matcher = parsed if isinstance(parsed, RouteMatcher) else None
                    seed = ordinal if spec.seed is None else spec.seed
                    fault = Fault(fault_id, spec, self._clock.now_ms(), seen=0, fired=0)
                    armed = _Armed(fault, matcher, random.Random(seed))  # noqa: S311 - test dice
                kept[fault_id] = armed
            self._faults = kept
            self._rearm()

    def _changed(self) -> None:
        for listener in self.on_change:
            listener()

    def faults(self) -> list[Fault]:
        with self._lock:
            return [armed.fault for armed in self._faults.values()]

    def get(self, fault_id: str) -> Fault | None:
        with self._lock:
            armed = self._faults.get(fault_id)
            return None if armed is None else armed.fault

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            removed = self._faults.pop(fault_id, None) is not None
            self._rearm()
        self._changed()
        return removed

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._events.clear()
            self._rearm()
        self._changed()

    def events(self, since_seq: int = 0, fault_id: str | None = None) -> list[FaultEvent]:
        with self._lock:
            return [
                event
                for event in self._events
                if event.seq > since_seq and (fault_id is None or event.fault_id == fault_id)
            ]

    def spent(self) -> list[str]:
        """The faults whose `times` are used up (listed until removed, firing no more)."""
        with self._lock:
            return [fault_id for fault_id, armed in self._faults.items() if armed.fault.remaining == 0]

    def retire(self, fault_ids: Iterable[str]) -> None:
        """These faults' `times` were used up where decisions are made: this process stops asking
        about them (its copies count nothing themselves)."""
        with self._lock:
            for fault_id in fault_ids:
                armed = self._faults.get(fault_id)
                if armed is not None and armed.fault.remaining:
                    armed.fault = replace(armed.fault, fired=armed.fault.spec.times or 0)
            self._rearm()

    # --- decisions ----------------------------------------------------------------------------
    def decide_elsewhere(self, remote: RemoteFaultDecisions | None) -> None:
        """A cluster's API process: `ask_http` and `ask_ws` ask `remote` (None: decide here again)."""
        self._remote = remote

    async def ask_http(self, method: str, path: str, api_key: str | None) -> HttpInjection | None:
        """`decide_http`, or with decisions made elsewhere, theirs: asked only when a fault armed
        here could fire on this request (the others cost no message)."""
        remote = self._remote
        if remote is None:
            return self.decide_http(method, path, api_key)
        if not self._could_fire(
            lambda armed: armed.spec_kind in HTTP_KINDS and armed.applies(method, path, api_key)
        ):
            return None
        return await remote.decide_http(method, path, api_key)

    def ask_ws(self, channel: str, api_key: str | None) -> WsDecision:
        if not self._armed_ws:
            return None
        remote = self._remote
        if remote is None:
            return self.decide_ws(channel, api_key)
        if not self._could_fire(
            lambda armed: armed.spec_kind in WS_KINDS and armed.applies_ws(channel, api_key)
        ):
            return None
        return remote.decide_ws(channel, api_key)

    def _could_fire(self, matches: Callable[[_Armed], bool]) -> bool:
        with self._lock:
            return any(armed.fault.remaining != 0 and matches(armed) for armed in self._faults.values())

    def decide_http(self, method: str, path: str, api_key: str | None) -> HttpInjection | None:
        if not self._armed_http:
            return None
        latency, answer, used_up = 0, None, False
        with self._lock:
            for armed in self._faults.values():
                kind = armed.fault.spec.kind
                if kind not in HTTP_KINDS or not armed.applies(method, path, api_key) or not armed.roll():
                    continue
                self._record(armed.fault, f"{method} {path}", api_key)
                used_up |= armed.fault.remaining == 0
                latency += armed.fault.spec.latency_ms
                if kind in _ANSWERING:
                    answer = armed.fault
                    break
            self._rearm()
        if used_up:
            self._changed()  # a cluster's other processes stop asking about it
        if latency == 0 and answer is None:
            return None
        return HttpInjection(latency, answer)

    def decide_ws(self, channel: str, api_key: str | None) -> FaultKind | None:
        """For one WS push (or connection) on `channel`: drop, duplicate, disconnect, or None."""
        if not self._armed_ws:
            return None
        fired = None
        with self._lock:
            for armed in self._faults.values():
                if armed.spec_kind in WS_KINDS and armed.applies_ws(channel, api_key) and armed.roll():
                    self._record(armed.fault, f"ws {channel}", api_key)
                    self._rearm()
                    fired = armed.fault
                    break
        if fired is None:
            return None
        if fired.remaining == 0:
            self._changed()  # a cluster's other processes stop asking about it
        return fired.spec.kind

    def _record(self, fault: Fault, target: str, api_key: str | None) -> None:
        spec = fault.spec
        event = FaultEvent(
            seq=next(self._seq),
            fault_id=fault.id,
            kind=spec.kind,
            target=target,
            api_key=api_key,
            ts_ms=self._clock.now_ms(),
            code=spec.code if spec.kind is FaultKind.ERROR else None,
            status=spec.status,
        )
        self._events.append(event)

    def _rearm(self) -> None:
        """Caller holds the lock. Armed while some REST (or WS) fault can still fire."""
        live = [armed.fault.spec.kind for armed in self._faults.values() if armed.fault.remaining != 0]
        self._armed_http = any(kind in HTTP_KINDS for kind in live)
        self._armed_ws = any(kind in WS_KINDS for kind in live)
