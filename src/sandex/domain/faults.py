"""The fault model: what a test asks to go wrong, shared by the registry and the transports.

A fault is a `FaultSpec` (what happens, where, how often) registered with a `FaultInjector`
(`sandex.runtime.faults.FaultRegistry`). Transports ask the injector before serving:

* REST (`transport/okx/faults.py`, an ASGI middleware in front of every `/api/v5/` route) calls
  `decide_http(method, path, api_key)` and gets the latency to add and, maybe, the fault that
  answers instead of the handler (an OKX error code, or an HTTP status with a non-JSON body).
* The WebSocket gateway calls `decide_ws(channel, api_key)` per push and gets `WS_DROP`,
  `WS_DUPLICATE` or `WS_DISCONNECT`.

Transports ask through `ask_http` / `ask_ws`: in one process they are `decide_http` / `decide_ws`;
in a cluster's API process the decision is the sequencer's process's (`RemoteFaultDecisions`), so a
fault's `times`, its dice and its record of firings are one for the whole cluster. Either way a
transport pays nothing while no fault is armed.

How often: `times` = how many times the fault fires before it retires (None: no limit);
`probability` = the chance it fires on each matching request (None: always), drawn from a
`random.Random(seed)` of its own, so a run with the same seed and the same requests fires on the same
requests. Every firing is recorded as a `FaultEvent` so a test can assert that it happened.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sandex.domain.errors import Reason, Rejected

MAX_LATENCY_MS = 60_000
MAX_TEXT = 10_000
MAX_API_KEY = 64
DEFAULT_HTTP_STATUS = 502


class FaultKind(StrEnum):
    ERROR = "error"  # answer with an OKX error code in OKX's wire shape; the handler never runs
    HTTP = "http"  # answer with an HTTP status and a non-JSON body (a failing proxy or gateway)
    LATENCY = "latency"  # only add `latency_ms`, then serve the request as usual
    WS_DROP = "ws_drop"  # a WebSocket push is not sent
    WS_DUPLICATE = "ws_duplicate"  # a WebSocket push is sent twice
    WS_DISCONNECT = "ws_disconnect"  # the WebSocket connection is closed


HTTP_KINDS = frozenset({FaultKind.ERROR, FaultKind.HTTP, FaultKind.LATENCY})
WS_KINDS = frozenset({FaultKind.WS_DROP, FaultKind.WS_DUPLICATE, FaultKind.WS_DISCONNECT})


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """What to inject. `route` is `"POST /api/v5/trade/order"`, a path alone (any method) or a
    prefix ending in `*` (`"/api/v5/trade/*"`); for WS kinds it is a channel name. None: anywhere.
    `api_key`: only requests signed with this key (None: any request)."""

    kind: FaultKind
    route: str | None = None
    api_key: str | None = None
    code: str | None = None  # ERROR: the OKX code, e.g. "50001", "51008"
    msg: str | None = None  # ERROR: message (default: OKX's text for the code)
    status: int | None = None  # HTTP: the status (default 502); ERROR: overrides OKX's status
    body: str | None = None  # HTTP: the body (default: a small HTML error page)
    latency_ms: int = 0  # added before answering (any kind)
    times: int | None = None
    probability: float | None = None
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class RouteMatcher:
    method: str | None
    path: str
    prefix: bool

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return path.startswith(self.path) if self.prefix else path == self.path


def parse_route(text: str) -> RouteMatcher | Rejected:
    """`"POST /api/v5/trade/order"`, `"/api/v5/public/time"` or `"/api/v5/trade/*"`."""
    verb, _, path = text.strip().rpartition(" ")
    method = verb.strip().upper() or None
    if not path.startswith("/") or (method is not None and not method.isalpha()):
        return Rejected.of(Reason.PARAM_ERROR, field="route")
    prefix = path.endswith("*")
    return RouteMatcher(method, path[:-1] if prefix else path, prefix)


def check_spec(spec: FaultSpec) -> Rejected | None:
    """Why a spec cannot be injected (naming the field), or None."""
    checks = (
        _check_kind_fields(spec),
        _check_counts(spec),
        _check_where(spec),
    )
    return next((refusal for refusal in checks if refusal is not None), None)


def _check_kind_fields(spec: FaultSpec) -> Rejected | None:
    if spec.kind is FaultKind.ERROR:
        if not spec.code:
            return Rejected.of(Reason.PARAM_EMPTY, field="code")
        if not (spec.code.isascii() and spec.code.isdigit() and len(spec.code) <= 10):
            return Rejected.of(Reason.PARAM_ERROR, field="code")
    if spec.status is not None and not 100 <= spec.status <= 599:
        return Rejected.of(Reason.PARAM_ERROR, field="status")
    if spec.kind is FaultKind.HTTP and spec.status is not None and spec.status < 400:
        return Rejected.of(Reason.PARAM_ERROR, field="status")
    if spec.kind is FaultKind.LATENCY and spec.latency_ms <= 0:
        return Rejected.of(Reason.PARAM_EMPTY, field="latency_ms")
    if not 0 <= spec.latency_ms <= MAX_LATENCY_MS:
        return Rejected.of(Reason.PARAM_ERROR, field="latency_ms")
    for name, text in (("msg", spec.msg), ("body", spec.body)):
        if text is not None and len(text) > MAX_TEXT:
            return Rejected.of(Reason.PARAM_ERROR, field=name)
    return None


def _check_counts(spec: FaultSpec) -> Rejected | None:
    if spec.times is not None and spec.times < 1:
        return Rejected.of(Reason.PARAM_ERROR, field="times")
    if spec.probability is not None and not 0 < spec.probability <= 1:
        return Rejected.of(Reason.PARAM_ERROR, field="probability")
    return None


def _check_where(spec: FaultSpec) -> Rejected | None:
    if spec.api_key is not None and not 0 < len(spec.api_key) <= MAX_API_KEY:
        return Rejected.of(Reason.PARAM_ERROR, field="api_key")
    if spec.route is None:
        return None
    if spec.kind in WS_KINDS:
        return None if 0 < len(spec.route) <= 100 else Rejected.of(Reason.PARAM_ERROR, field="route")
    parsed = parse_route(spec.route)
    return parsed if isinstance(parsed, Rejected) else None


@dataclass(frozen=True, slots=True)
class Fault:
    """A registered fault and how it has done so far."""

    id: str
    spec: FaultSpec
    created_ms: int
    seen: int  # matching requests (or pushes) it was asked about
    fired: int

    @property
    def remaining(self) -> int | None:
        """Firings left before it retires; None: no limit."""
        return None if self.spec.times is None else max(0, self.spec.times - self.fired)


@dataclass(frozen=True, slots=True)
class FaultEvent:
    """One firing: which fault, on what (`"POST /api/v5/trade/order"`, `"ws orders"`), for which key."""

    seq: int
    fault_id: str
    kind: FaultKind
    target: str
    api_key: str | None
    ts_ms: int
    code: str | None = None
    status: int | None = None


@dataclass(frozen=True, slots=True)
class HttpInjection:
    """What to do to one REST request: wait `latency_ms`, then let `answer` reply (None: the handler)."""

    latency_ms: int
    answer: Fault | None


# A WS push's fault: known now (None: no fault), or asked elsewhere and known later.
WsDecision = FaultKind | Awaitable[FaultKind | None] | None


class RemoteFaultDecisions(Protocol):
    """Decisions made by another process (a cluster's sequencer's), asked only when a fault armed
    here could fire. An answer that does not come in time is "no fault"."""

    async def decide_http(self, method: str, path: str, api_key: str | None) -> HttpInjection | None: ...

    def decide_ws(self, channel: str, api_key: str | None) -> Awaitable[FaultKind | None]:
        """Asked at once (decisions reach the deciding process in push order), answered later."""
        ...


class FaultInjector(Protocol):
    @property
    def armed(self) -> bool:
        """False when no REST fault could fire: the transport then skips everything (hot path)."""
        ...

    def add(self, spec: FaultSpec) -> Fault | Rejected: ...

    def faults(self) -> list[Fault]:
        """Every fault, in the order added (retired ones too, until removed)."""
        ...

    def get(self, fault_id: str) -> Fault | None: ...

    def remove(self, fault_id: str) -> bool: ...

    def clear(self) -> None:
        """Remove every fault and forget every event."""
        ...

    def events(self, since_seq: int = 0, fault_id: str | None = None) -> list[FaultEvent]: ...

    def decide_http(self, method: str, path: str, api_key: str | None) -> HttpInjection | None: ...

    def decide_ws(self, channel: str, api_key: str | None) -> FaultKind | None: ...

    async def ask_http(self, method: str, path: str, api_key: str | None) -> HttpInjection | None:
        """What transports call (after `armed`): `decide_http` here or where decisions are made."""
        ...

    def ask_ws(self, channel: str, api_key: str | None) -> WsDecision:
        """What transports call per push: `decide_ws` here, or an answer to await from elsewhere."""
        ...
