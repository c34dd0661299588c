"""What crosses the NATS bus keeps integers past 64 bits exact: amounts in base units reach them
(10**20 units of USDT), which orjson refuses to write and would read back as floats."""

from __future__ import annotations

from sandex.domain.accounts.model import Environment
from sandex.runtime.cluster import wire
from sandex.services.exchange.commands import Deposit
from sandex.services.exchange.records import LedgerAccountKind

HUGE = 10**20 + 1  # past 2**64: a float would lose the 1


def _deposit(units: int) -> Deposit:
    return Deposit(Environment.LIVE, 7, 3, LedgerAccountKind.TRADING, "USDT", units)


def test_a_batch_with_an_amount_past_64_bits_arrives_exact() -> None:
    commands = [_deposit(HUGE), _deposit(5)]
    frame = wire.encode_batch(4, 5, 1_700_000_000_000, commands, ["api-1:1", ""])
    batch = wire.decode_batch(frame)
    assert (batch.base, batch.seq, batch.commands, batch.origins) == (4, 5, commands, ["api-1:1", ""])


def test_a_command_past_64_bits_arrives_exact_and_small_ones_stay_orjson() -> None:
    assert wire.decode_command(wire.encode_command(_deposit(HUGE), "api-1:2")) == (_deposit(HUGE), "api-1:2")
    small = wire.encode_command(_deposit(5), "api-1:3")
    assert not small.startswith(wire.BIG_INTS)
    assert wire.decode_command(small) == (_deposit(5), "api-1:3")
