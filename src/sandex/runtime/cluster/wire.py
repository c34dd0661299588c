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
  With it go the sequencer's id generators as they stood before the batch (`ids`): a replica
  starts from them, so it hands out the same ids even where a refused command used one up.
  A batch that writes is sent `pending` before its commit and confirmed by a small frame after
  it (`encode_confirm`): a replica applies it on the confirmation, and the replicas of a sequencer
  that died between the commit and the confirmation still have it (no reload on a takeover).

Decimals travel as exact text, as everywhere in the codec; JSON, not pickle: a bus is a network
service, and whoever can publish on it must not be able to run code in the exchange.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from sandex.domain.errors import Rejected
from sandex.runtime.cluster import positional
from sandex.services.exchange import inbox as codec
from sandex.services.exchange.commands import MARKET_COMMANDS, Command, SimulateChainDeposit
from sandex.services.funding.chain_inbox import ChainDepositAccepted
from sandex.services.simulation.board import InstrumentMarket

# The answer a server command's port gives, by command (`ExchangeCore._through_port`).
_SERVER_RESULTS: dict[type[Any], Any] = {cls: list[InstrumentMarket] | Rejected for cls in MARKET_COMMANDS}
_SERVER_RESULTS[SimulateChainDeposit] = ChainDepositAccepted | Rejected


# orjson is ~10x faster than the standard library here, but has no integers past 64 bits (amounts
# in base units reach them: 10**20 units of USDT) and reads them back as floats: a frame holding
# one goes as standard JSON, marked by this first byte.
BIG_INTS = b"#"


def _dumps(value: object) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # an integer past 64 bits (anything else fails in json.dumps too)
        return BIG_INTS + json.dumps(value, separators=(",", ":")).encode()


def _loads(data: bytes) -> Any:
    if data[:1] == BIG_INTS:
        return json.loads(data[1:])
    return orjson.loads(data)


_UNPLANNED: set[type[Any]] = set()  # commands the positional codec has no plan for


def _command_item(command: Command, origin: str) -> list[Any]:
    """[kind, fields, origin]: positional (`positional.py`), or [kind, object, origin, 1] in the
    inbox codec's form for a command it has no plan for."""
    cls = type(command)
    if cls not in _UNPLANNED:
        try:
            return [cls.__name__, positional.plan(cls)[0](command), origin]
        except positional.UnplannedError:
            _UNPLANNED.add(cls)
    return [cls.__name__, codec.to_json(command), origin, 1]


def _command_of(item: list[Any]) -> tuple[Command, str]:
    cls = codec.KINDS[item[0]]
    if len(item) == 4:
        return codec.from_json(cls, item[1]), str(item[2])
    command: Command = positional.plan(cls)[1](item[1])
    return command, str(item[2])


class WireError(ValueError):
    """Bytes from the bus that are not what this version of sandex sends."""


@dataclass(frozen=True, slots=True)
class Batch:
    base: int  # the commit count the batch applies on top of
    seq: int  # the commit count once it is applied
    ts: int  # the time its commands ran at (ms)
    commands: list[Command]
    origins: list[str]  # "" for commands no API process sent
    halted: tuple[str, ...] = ()  # instruments halted when the batch ran (not stored: it travels)
    reload: bool = False
    marks: dict[str, tuple[Decimal, Decimal]] | None = None  # swaps' last marks, when they changed
    digest: str = ""  # on a reload: the state digest the sequencer loaded (a replica that has it stays)
    ids: tuple[int, ...] = ()  # the sequencer's next ids before the batch (`ExchangeCore.next_ids`)
    pending: bool = False  # sent before its commit: applied once confirmed
    confirms: bool = False  # a confirmation: the pending batch base → seq is committed (no commands)


@dataclass(frozen=True, slots=True)
class Reply:
    seq: int = 0  # the commit count after the command's batch
    error: str = ""
    result: object = None  # a server command's answer
    has_result: bool = False


def encode_command(command: Command, origin: str) -> bytes:
    return _dumps(_command_item(command, origin))


def decode_command(data: bytes) -> tuple[Command, str]:
    try:
        return _command_of(_loads(data))
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
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


def encode_batch(
    base: int,
    seq: int,
    ts: int,
    commands: Sequence[Command],
    origins: Sequence[str],
    halted: Sequence[str] = (),
    *,
    reload: bool = False,
    marks: Mapping[str, tuple[Decimal, Decimal]] | None = None,
    digest: str = "",
    ids: Sequence[int] = (),
    pending: bool = False,
) -> bytes:
    items = [_command_item(command, origin) for command, origin in zip(commands, origins, strict=True)]
    frame: dict[str, Any] = {"b": base, "s": seq, "t": ts, "c": items}
    if ids:
        frame["i"] = list(ids)
    if pending:
        frame["p"] = 1
    if halted:
        frame["h"] = sorted(halted)
    if reload:
        frame["r"] = 1
    if digest:
        frame["d"] = digest
    if marks is not None:
        frame["k"] = {inst_id: [str(mark), str(index)] for inst_id, (mark, index) in marks.items()}
    return _dumps(frame)


def encode_confirm(base: int, seq: int) -> bytes:
    """The pending batch `base` → `seq` is committed."""
    return _dumps({"b": base, "s": seq, "ok": 1})


def _marks(raw: Any) -> dict[str, tuple[Decimal, Decimal]] | None:
    if raw is None:
        return None
    return {str(inst_id): (Decimal(mark), Decimal(index)) for inst_id, (mark, index) in raw.items()}


def encode_unstored(halted: Sequence[str], marks: Mapping[str, tuple[Decimal, Decimal]]) -> bytes:
    """What a replica must know besides the database before it loads: the sequencer's halts and
    last marks (in an empty batch's shape)."""
    return encode_batch(0, 0, 0, [], [], halted, marks=marks)


@dataclass(frozen=True, slots=True)
class Board:
    """The sequencer's simulated market and funding rates, as an API process follows them."""

    now_ms: int
    prices: dict[str, Decimal]
    marks: dict[str, tuple[Decimal, Decimal]]
    funding: list[list[object]]  # `FundingRateService.state()`


def encode_board(
    now_ms: int,
    prices: Mapping[str, Decimal],
    marks: Mapping[str, tuple[Decimal, Decimal]],
    funding: list[list[object]],
) -> bytes:
    return _dumps(
        {
            "n": now_ms,
            "p": {inst_id: str(px) for inst_id, px in prices.items()},
            "k": {inst_id: [str(mark), str(index)] for inst_id, (mark, index) in marks.items()},
            "f": funding,
        }
    )


def decode_board(data: bytes) -> Board:
    try:
        raw = _loads(data)
        prices = {str(inst_id): Decimal(px) for inst_id, px in raw["p"].items()}
        return Board(int(raw["n"]), prices, _marks(raw["k"]) or {}, list(raw["f"]))
    except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
        raise WireError(f"not a board: {exc}") from exc


def decode_batch(data: bytes) -> Batch:
    try:
        raw = _loads(data)
        commands: list[Command] = []
        origins: list[str] = []
        if raw.get("ok"):
            return Batch(int(raw["b"]), int(raw["s"]), 0, [], [], confirms=True)
        for item in raw["c"]:
            command, origin = _command_of(item)
            commands.append(command)
            origins.append(origin)
        return Batch(
            int(raw["b"]),
            int(raw["s"]),
            int(raw["t"]),
            commands,
            origins,
            tuple(raw.get("h", ())),
            bool(raw.get("r")),
            _marks(raw.get("k")),
            str(raw.get("d", "")),
            tuple(int(i) for i in raw.get("i", ())),
            bool(raw.get("p")),
        )
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
        raise WireError(f"not a batch: {exc}") from exc
