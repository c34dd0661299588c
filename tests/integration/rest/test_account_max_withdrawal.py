"""`account/max-withdrawal`: what can move from the trading account to the funding account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.apps import Sandbox, sandbox
from tests.support.rest import trader


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with sandbox(tmp_path) as b:
        yield b


def row(ccy: str, amount: str) -> dict[str, str]:
    return {"ccy": ccy, "maxWd": amount, "maxWdEx": amount, "spotOffsetMaxWd": "", "spotOffsetMaxWdEx": ""}


async def test_the_available_balance_is_what_can_be_transferred_out(box: Sandbox) -> None:
    alice = trader(box)
    assert (await alice.get("account/max-withdrawal"))["data"] == []
    await alice.deposit("USDT", "1000")
    await alice.deposit("BTC", "0.5")
    await alice.placed_id()  # a resting buy freezes 200 USDT
    everything = (await alice.get("account/max-withdrawal"))["data"]
    assert sorted(everything, key=lambda r: r["ccy"]) == [row("BTC", "0.5"), row("USDT", "800")]
    asked = (await alice.get("account/max-withdrawal", ccy="USDT,ETH"))["data"]
    assert asked == [row("USDT", "800"), row("ETH", "0")]
    too_many = await alice.get("account/max-withdrawal", ccy=",".join(f"C{i}" for i in range(21)))
    assert (too_many["code"], too_many["msg"]) == ("51000", "Parameter ccy error")


async def test_a_read_permission_is_enough_and_a_key_is_needed(box: Sandbox) -> None:
    reader = trader(box, "reader@example.com", perm="read_only")
    assert (await reader.get("account/max-withdrawal"))["code"] == "0"
    unsigned = await box.client().get("/api/v5/account/max-withdrawal")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "50103")
