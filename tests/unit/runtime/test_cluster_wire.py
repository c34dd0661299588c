"""The bus's frames carry commands exactly: amounts past 64 bits, exact decimals, enums, origins."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.runtime.cluster import wire
from sandex.services.exchange.commands import Deposit
from sandex.services.exchange.records import LedgerAccountKind


def test_a_batch_round_trips_amounts_beyond_64_bits_and_marks_exactly() -> None:
    deposit = Deposit(Environment.LIVE, 7, 3, LedgerAccountKind.TRADING, "USDT", 10**30 + 1)
    marks = {"BTC-USDT-SWAP": (Decimal("106684.2"), Decimal("106684.15"))}
    frame = wire.encode_batch(4, 5, 1_700_000_000_000, [deposit], ["api-1:9"], ["ETH-USDT"], marks=marks)
    batch = wire.decode_batch(frame)
    assert batch.commands == [deposit]
    assert batch.origins == ["api-1:9"]
    assert (batch.base, batch.seq, batch.ts, batch.halted, batch.marks) == (
        4, 5, 1_700_000_000_000, ("ETH-USDT",), marks,
    )  # fmt: skip


def test_a_command_round_trips_with_its_origin_and_garbage_is_refused() -> None:
    deposit = Deposit(Environment.DEMO, 1, 2, LedgerAccountKind.FUNDING, "BTC", 5)
    assert wire.decode_command(wire.encode_command(deposit, "p:1")) == (deposit, "p:1")
    with pytest.raises(wire.WireError):
        wire.decode_command(b'["NoSuchCommand", {}, ""]')
    with pytest.raises(wire.WireError):
        wire.decode_batch(b"not json")
