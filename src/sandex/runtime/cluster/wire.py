"""What crosses the bus between API processes and the sequencer (`--role api|sequencer`), as bytes.

* A command, API process → sequencer (NATS request): its kind and fields (the inbox codec's JSON:
  `services/exchange/inbox.py`) and its origin, "<process>:<n>", by which the sender recognises
  its own command in the batch that carries it.
* A reply, sequencer → that API process: the commit count after the command's batch (the sender
  answers once its replica got that far), or why it was refused; for a server command (market
  controls, chain deposits: applied outside the exchange, so no replica can compute the answer)
  its result too.
* A batch, sequencer → every API process (NATS subject): every command of one group commit, in
  order, with the time they ran at. A replica that holds the state after commit `base` applies
  them and so holds the state after commit `seq` (`seq == base` when the batch wrote nothing:
  orders refused, say). `reload`: the sequencer (re)started from the database, load it again.

Decimals travel as exact text, as everywhere in the codec; JSON, not pickle: a bus is a network
service, and whoever can publish on it must not be able to run code in the exchange.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from sandex.domain.errors import Rejected
from sandex.services.exchange import inbox as codec
from sandex.services.exchange.commands import MARKET_COMMANDS, Command, SimulateChainDeposit
from sandex.services.funding.chain_inbox import ChainDepositAccepted
from sandex.services.simulation.board import InstrumentMarket

# The answer a server command's port gives, by command (`ExchangeCore._through_port`).
_SERVER_RESULTS: dict[type[Any], Any] = {cls: list[InstrumentMarket] | Rejected for cls in MARKET_COMMANDS}
_SERVER_RESULTS[SimulateChainDeposit] = ChainDepositAccepted | Rejected


# orjson has no integers past 64 bits (amounts in base units reach them: 10**20 USDT units) and
# reads them back as floats: such frames go as stdlib JSON, marked by this first byte.
BIG_INTS = b"#"


class WireError(ValueError):
    """Bytes from the bus that are not what this version of sandex sends."""


def _dumps(value: object) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # an integer past 64 bits (anything else fails in json.dumps too)
        return BIG_INTS + json.dumps(value, separators=(",", ":")).encode()


def _loads(data: bytes) -> Any:
    if data[:1] == BIG_INTS:
        return json.loads(data[1:])
    return orjson.loads(data)


@dataclass(frozen=True, slots=True)
class Batch:
    base: int  # the commit count the batch applies on top of
    seq: int  # the commit count once it is applied
    ts: int  # the time its commands ran at (ms)
    commands: list[Command]
    origins: list[str]  # "" for commands no API process sent
    halted: tuple[str, ...] = ()  # instruments halted when the batch ran (not stored: it travels)
    reload: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    seq: int = 0  # the commit count after the command's batch
    error: str = ""
    result: object = None  # a server command's answer
    has_result: bool = False


def encode_command(command: Command, origin: str) -> bytes:
    return _dumps([type(command).__name__, codec.to_json(command), origin])


def decode_command(data: bytes) -> tuple[Command, str]:
    try:
        kind, payload, origin = _loads(data)
        cls = codec.KINDS[kind]
        return codec.from_json(cls, payload), str(origin)
    except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
        raise WireError(f"not a command: {exc}") from exc


def encode_reply(seq: int, command: Command | None = None, result: object = None) -> bytes:
    if command is not None and type(command) in _SERVER_RESULTS:
        return _dumps({"s": seq, "r": codec.to_json(result)})
    return _dumps({"s": seq})


def encode_refusal(why: str) -> bytes:
    return _dumps({"e": why or "refused"})


def decode_reply(data: bytes, command: Command) -> Reply:
    try:
        raw = _loads(data)
        if "e" in raw:
            return Reply(error=str(raw["e"]))
        if "r" in raw:
            result = codec.from_json(_SERVER_RESULTS[type(command)], raw["r"])
            return Reply(seq=int(raw["s"]), result=result, has_result=True)
        return Reply(seq=int(raw["s"]))
    except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
        raise WireError(f"not a reply: {exc}") from exc


def is_server_command(command: Command) -> bool:
    return type(command) in _SERVER_RESULTS


def encode_batch(
    base: int,
    seq: int,
    ts: int,
    commands: Sequence[Command],
    origins: Sequence[str],
    halted: Sequence[str] = (),
    *,
    reload: bool = False,
) -> bytes:
    items = [
        [type(command).__name__, codec.to_json(command), origin]
        for command, origin in zip(commands, origins, strict=True)
    ]
    frame: dict[str, Any] = {"b": base, "s": seq, "t": ts, "c": items}
    if halted:
        frame["h"] = sorted(halted)
    if reload:
        frame["r"] = 1
    return _dumps(frame)


def decode_batch(data: bytes) -> Batch:
    try:
        raw = _loads(data)
        commands: list[Command] = []
        origins: list[str] = []
        for kind, payload, origin in raw["c"]:
            commands.append(codec.from_json(codec.KINDS[kind], payload))
            origins.append(str(origin))
        return Batch(
            int(raw["b"]),
            int(raw["s"]),
            int(raw["t"]),
            commands,
            origins,
            tuple(raw.get("h", ())),
            bool(raw.get("r")),
        )
    except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
        raise WireError(f"not a batch: {exc}") from exc
