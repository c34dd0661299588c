"""One fault decision for the whole cluster: the sequencer's process decides, API processes ask.

Every process holds the faults armed (`mirror.py`), but only the sequencer's process's registry
counts a fault's `times`, rolls its dice and records its firings. An API process whose own copy of
the faults says that one could fire on a request (route, method, key: no message otherwise) asks
on `sandex.<cluster>.faults.decide` and applies the answer itself (waits the latency, answers the
error, drops or duplicates the push). So `times: 1` fires once whichever process serves the
request, a seeded fault fires on the same requests as with one process (in the order the requests
reach the sequencer's process), and the fault's events list every firing.

The answer also names the faults whose `times` are used up, so the asking process stops asking
about them. No answer within `DECISION_TIMEOUT_S` (no sequencer: a takeover under way) is "no
fault", logged.

    registry.decide_elsewhere(FaultDecisionClient(lambda: follower.nats, subjects.fault_decisions, registry))
    leader.responders.append(FaultDecisionServer(registry, subjects.fault_decisions, active))

The wire is stdlib JSON, as the other cluster messages:
    ask:    {"w": "http", "m": "POST", "p": "/api/v5/trade/order", "k": "<key>"|null}
            {"w": "ws", "c": "orders", "k": "<key>"|null}
    answer: {"l": <latency ms>, "a": <the answering fault>|null, "ws": "<ws kind>"|null,
             "spent": ["f1", ...]}
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandex.domain.faults import Fault, FaultKind, FaultSpec, HttpInjection
from sandex.runtime.cluster.link import unsubscribe
from sandex.runtime.faults import FaultRegistry

log = logging.getLogger("sandex.cluster")

DECISION_TIMEOUT_S = 1.0  # the sequencer's process answers in well under a millisecond when it is there


class FaultWireError(ValueError):
    """A decision message that does not decode."""


@dataclass(frozen=True, slots=True)
class HttpAsk:
    method: str
    path: str
    api_key: str | None


@dataclass(frozen=True, slots=True)
class WsAsk:
    channel: str
    api_key: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    http: HttpInjection | None = None
    ws: FaultKind | None = None
    spent: tuple[str, ...] = ()  # faults whose `times` are used up


# --- the wire ------------------------------------------------------------------------------------
def spec_to_json(spec: FaultSpec) -> dict[str, Any]:
    return {**dataclasses.asdict(spec), "kind": spec.kind.value}


def spec_from_json(raw: Any) -> FaultSpec:
    return FaultSpec(**{**raw, "kind": FaultKind(raw["kind"])})


def encode_ask(ask: HttpAsk | WsAsk) -> bytes:
    if isinstance(ask, HttpAsk):
        return json.dumps({"w": "http", "m": ask.method, "p": ask.path, "k": ask.api_key}).encode()
    return json.dumps({"w": "ws", "c": ask.channel, "k": ask.api_key}).encode()


def decode_ask(data: bytes) -> HttpAsk | WsAsk:
    try:
        raw = json.loads(data)
        key = _optional_text(raw["k"])
        if raw["w"] == "http":
            return HttpAsk(_text(raw["m"]), _text(raw["p"]), key)
        if raw["w"] == "ws":
            return WsAsk(_text(raw["c"]), key)
    except (ValueError, TypeError, KeyError) as exc:
        raise FaultWireError(f"a fault question that does not decode: {exc!r}") from exc
    raise FaultWireError(f"a fault question of no known kind: {raw.get('w')!r}")


def encode_decision(decision: Decision) -> bytes:
    http = decision.http
    answer = None if http is None or http.answer is None else _fault_to_json(http.answer)
    return json.dumps(
        {
            "l": 0 if http is None else http.latency_ms,
            "a": answer,
            "ws": None if decision.ws is None else decision.ws.value,
            "spent": list(decision.spent),
        }
    ).encode()


def decode_decision(data: bytes) -> Decision:
    try:
        raw = json.loads(data)
        latency = int(raw["l"])
        answer = None if raw["a"] is None else _fault_from_json(raw["a"])
        http = None if latency == 0 and answer is None else HttpInjection(latency, answer)
        ws = None if raw["ws"] is None else FaultKind(raw["ws"])
        return Decision(http, ws, tuple(_text(fault_id) for fault_id in raw["spent"]))
    except (ValueError, TypeError, KeyError) as exc:
        raise FaultWireError(f"a fault decision that does not decode: {exc!r}") from exc


def _fault_to_json(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "spec": spec_to_json(fault.spec),
        "created": fault.created_ms,
        "seen": fault.seen,
        "fired": fault.fired,
    }


def _fault_from_json(raw: Any) -> Fault:
    spec = spec_from_json(raw["spec"])
    return Fault(_text(raw["id"]), spec, int(raw["created"]), int(raw["seen"]), int(raw["fired"]))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not a string: {value!r}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


# --- the sequencer's process: decide ----------------------------------------------------------------
def decide(registry: FaultRegistry, ask: HttpAsk | WsAsk) -> Decision:
    """The registry's decision on another process's request (recorded here, as if served here)."""
    if isinstance(ask, HttpAsk):
        decision = Decision(http=registry.decide_http(ask.method, ask.path, ask.api_key))
    else:
        decision = Decision(ws=registry.decide_ws(ask.channel, ask.api_key))
    return dataclasses.replace(decision, spent=tuple(registry.spent()))


class FaultDecisionServer:
    """Answers API processes' questions while this process's sequencer holds the lease (`active`):
    one subscription, answered in the order the questions arrive (the dice roll in that order)."""

    def __init__(self, registry: FaultRegistry, subject: str, active: Callable[[], bool]) -> None:
        self._registry = registry
        self._subject = subject
        self._active = active
        self._nats: Any = None
        self._subscription: Any = None

    async def start(self, nats: Any) -> None:
        self._nats = nats
        self._subscription = await nats.subscribe(self._subject, cb=self._on_ask)

    async def stop(self) -> None:
        subscription, self._subscription = self._subscription, None
        await unsubscribe(subscription)

    async def _on_ask(self, message: Any) -> None:
        if not message.reply or not self._active():  # deposed: the lease holder answers
            return
        try:
            ask = decode_ask(message.data)
        except FaultWireError:
            log.warning("a fault question that does not decode", exc_info=True)
            return
        answer = encode_decision(decide(self._registry, ask))
        try:
            await self._nats.publish(message.reply, answer)
        except Exception:  # the bus went away: the asker decides "no fault" after its timeout
            log.warning("answering a fault question failed", exc_info=True)


# --- an API process: ask -------------------------------------------------------------------------------
class FaultDecisionClient:
    """Implements `sandex.domain.faults.RemoteFaultDecisions` over NATS."""

    def __init__(self, nats: Callable[[], Any], subject: str, registry: FaultRegistry) -> None:
        self._nats = nats
        self._subject = subject
        self._registry = registry  # this process's copies: told which faults are used up

    async def decide_http(self, method: str, path: str, api_key: str | None) -> HttpInjection | None:
        decision = await self._ask(HttpAsk(method, path, api_key))
        return None if decision is None else decision.http

    def decide_ws(self, channel: str, api_key: str | None) -> asyncio.Future[FaultKind | None]:
        # A task now: questions leave in push order, whenever the writer gets to await the answer.
        return asyncio.ensure_future(self._ws(WsAsk(channel, api_key)))

    async def _ws(self, ask: WsAsk) -> FaultKind | None:
        decision = await self._ask(ask)
        return None if decision is None else decision.ws

    async def _ask(self, ask: HttpAsk | WsAsk) -> Decision | None:
        nats = self._nats()
        try:
            if nats is None:
                raise ConnectionError("not connected to NATS yet")
            reply = await nats.request(self._subject, encode_ask(ask), timeout=DECISION_TIMEOUT_S)
            decision = decode_decision(reply.data)
        except Exception as exc:  # no sequencer right now (a takeover), the bus away: no fault
            log.warning("no fault decision from the sequencer's process (%r): no fault on %s", exc, ask)
            return None
        if decision.spent:
            self._registry.retire(decision.spent)
        return decision
