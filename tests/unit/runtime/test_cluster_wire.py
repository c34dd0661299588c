"""The bus's frames carry commands exactly: every kind of command, amounts past 64 bits, exact
decimals, enums, origins; what does not decode is refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandex.domain.accounts.model import Environment
from sandex.runtime.cluster import wire
from sandex.services.exchange import inbox as codec
from sandex.services.exchange.commands import Deposit
from sandex.services.exchange.records import LedgerAccountKind

HUGE = 10**20 + 1  # past 2**64: a float would lose the 1

# within every domain check the commands make on construction (fee rates are in [0, 1))
st.register_type_strategy(Decimal, st.decimals(min_value=0, max_value=Decimal("0.99"), places=8))


def _deposit(units: int) -> Deposit:
    return Deposit(Environment.LIVE, 7, 3, LedgerAccountKind.TRADING, "USDT", units)


@pytest.mark.parametrize("cls", codec.COMMANDS, ids=lambda cls: cls.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_kind_of_command_round_trips_in_a_command_and_in_a_batch(
    cls: type[Any], data: st.DataObject
) -> None:
    command = data.draw(st.from_type(cls))
    assert wire.decode_command(wire.encode_command(command, "api-1:7")) == (command, "api-1:7")
    batch = wire.decode_batch(wire.encode_batch(3, 4, 1_700_000_000_000, [command], [""]))
    assert batch.commands == [command]


def test_a_batch_round_trips_amounts_beyond_64_bits_and_marks_exactly() -> None:
    marks = {"BTC-USDT-SWAP": (Decimal("106684.2"), Decimal("106684.15"))}
    commands = [_deposit(HUGE), _deposit(5)]
    ids = (600_000_000_000_000_007, 2, 3, 4, 5, 6, 7, 8)
    frame = wire.encode_batch(
        4, 5, 1_700_000_000_000, commands, ["api-1:9", ""], ["ETH-USDT"], marks=marks, ids=ids
    )
    batch = wire.decode_batch(frame)
    assert (batch.base, batch.seq, batch.ts, batch.commands, batch.origins, batch.halted, batch.marks) == (
        4, 5, 1_700_000_000_000, commands, ["api-1:9", ""], ("ETH-USDT",), marks,
    )  # fmt: skip
    assert batch.ids == ids  # the sequencer's id generators: a replica goes on from them


def test_a_command_past_64_bits_arrives_exact_and_small_ones_stay_orjson() -> None:
    assert wire.decode_command(wire.encode_command(_deposit(HUGE), "p:2")) == (_deposit(HUGE), "p:2")
    small = wire.encode_command(_deposit(5), "p:3")
    assert not small.startswith(wire.BIG_INTS)
    assert wire.decode_command(small) == (_deposit(5), "p:3")


@pytest.mark.parametrize(
    "frame",
    [
        b"not json",
        b'["NoSuchCommand", [], ""]',
        b'["Deposit", ["live", 7], ""]',
        b'["Deposit", {"x": 1}, "", 1]',
    ],
)
def test_what_does_not_decode_is_refused(frame: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.decode_command(frame)
    with pytest.raises(wire.WireError):
        wire.decode_batch(b'{"b":1,"s":1,"t":1,"c":[' + frame + b"]}")


def test_a_pending_batch_and_its_confirmation_round_trip() -> None:
    frame = wire.encode_batch(7, 8, 1_700_000_000_000, [_deposit(5)], ["a:1"], pending=True)
    pending = wire.decode_batch(frame)
    assert (pending.base, pending.seq, pending.pending, pending.confirms) == (7, 8, True, False)
    confirmed = wire.decode_batch(wire.encode_confirm(7, 8))
    assert (confirmed.base, confirmed.seq, confirmed.confirms, confirmed.commands) == (7, 8, True, [])
    plain = wire.decode_batch(wire.encode_batch(8, 8, 1_700_000_000_000, [], []))
    assert not plain.pending and not plain.confirms
