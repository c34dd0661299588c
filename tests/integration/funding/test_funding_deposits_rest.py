"""Deposit addresses (stable, per user and chain, tags where needed) and deposits moving through
OKX's states on the simulated clock: waiting for confirmations -> credited -> successful."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.views import UserView
from sandex.services.funding.views import DepositView
from tests.support.apps import Box, funding_box
from tests.support.exchange import assert_conserved
from tests.support.rest import Client

LIVE = Environment.LIVE
BLOCK_MS = 250  # the default simulated block time


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Box]:
    async with funding_box(tmp_path) as box:
        yield box


async def test_deposit_addresses_are_stable_per_user_chain_and_environment(box: Box) -> None:
    alice, bob = box.user("alice@example.test"), box.user("bob@example.test")
    a, b = Client(box, box.key(alice.id)), Client(box, box.key(bob.id))
    first = await a.data("asset/deposit-address", ccy="USDT")
    assert [(r["chain"], r["to"], r["selected"], r["ccy"]) for r in first] == [
        ("USDT-TRC20", "6", True, "USDT"),
        ("USDT-ERC20", "6", True, "USDT"),
    ]
    assert first[0]["addr"].startswith("T") and first[1]["addr"].startswith("0x")
    assert "tag" not in first[0] and "memo" not in first[0]
    assert await a.data("asset/deposit-address", ccy="USDT") == first
    others = await b.data("asset/deposit-address", ccy="USDT")
    assert {r["addr"] for r in others}.isdisjoint({r["addr"] for r in first})
    demo = await Client(box, box.key(alice.id, demo=True, label="demo")).data(
        "asset/deposit-address", ccy="USDT"
    )
    assert {r["addr"] for r in demo}.isdisjoint({r["addr"] for r in first})


async def test_tag_chains_share_an_address_and_give_each_user_a_tag(box: Box) -> None:
    alice, bob = box.user("alice@example.test"), box.user("bob@example.test")
    (a,) = await Client(box, box.key(alice.id)).data("asset/deposit-address", ccy="XRP")
    (b,) = await Client(box, box.key(bob.id)).data("asset/deposit-address", ccy="XRP")
    assert a["addr"] == b["addr"] and a["tag"] != b["tag"] and a["tag"].isdigit()
    (xlm,) = await Client(box, box.key(alice.id, label="x")).data("asset/deposit-address", ccy="XLM")
    assert xlm["memo"].isdigit() and "tag" not in xlm


async def test_deposit_address_needs_a_known_ccy(box: Box) -> None:
    client = Client(box, box.key(box.user("alice@example.test").id))
    assert (await client.get("asset/deposit-address"))["code"] == "50014"
    assert (await client.get("asset/deposit-address", ccy="NOPE"))["code"] == "51000"


async def _address(box: Box, user: UserView, ccy: str = "BTC") -> tuple[str, str]:
    (row,) = await Client(box, box.key(user.id, label=f"addr{ccy}")).data("asset/deposit-address", ccy=ccy)
    return row["addr"], row.get("tag", "")


async def test_a_deposit_to_an_address_moves_through_its_states_on_the_clock(box: Box) -> None:
    alice = box.user("alice@example.test")
    client = Client(box, box.key(alice.id))
    addr, _ = await _address(box, alice)
    credited = await box.runtime.funding.service.credit_address(
        LIVE, "BTC-Bitcoin", addr, "", Decimal("0.5"), "0xfeed"
    )
    assert isinstance(credited, DepositView) and credited.state.value == "0"
    rows = await client.data("asset/deposit-history")
    assert [
        (r["state"], r["amt"], r["ccy"], r["chain"], r["to"], r["txId"], r["actualDepBlkConfirm"])
        for r in rows
    ] == [("0", "0.5", "BTC", "BTC-Bitcoin", addr, "0xfeed", "0")]
    assert await client.data("asset/balances", ccy="BTC") == []
    # BTC needs 2 confirmations to be credited, 4 to be withdrawable (minDepArrivalConfirm/minWdUnlockConfirm)
    assert await box.travel(BLOCK_MS) == 0
    assert await box.travel(BLOCK_MS) == 1
    (row,) = await client.data("asset/deposit-history")
    assert (row["state"], row["actualDepBlkConfirm"]) == ("1", "2")
    assert (await client.funding("BTC"))["availBal"] == "0.5"
    assert await box.travel(2 * BLOCK_MS) == 1
    (row,) = await client.data("asset/deposit-history")
    assert (row["state"], row["actualDepBlkConfirm"]) == ("2", "4")
    assert_conserved(box.runtime)


async def test_currencies_tell_the_confirmations_deposits_wait_for(box: Box) -> None:
    client = Client(box, box.key(box.user("alice@example.test").id))
    (btc,) = await client.data("asset/currencies", ccy="BTC")
    assert (btc["minDepArrivalConfirm"], btc["minWdUnlockConfirm"]) == ("2", "4")
    assert (btc["wdQuota"], btc["usedWdQuota"]) == ("10000000", "0")


async def test_a_credit_to_an_unknown_address_is_refused(box: Box) -> None:
    service = box.runtime.funding.service
    assert await service.credit_address(LIVE, "BTC-Bitcoin", "bc1qnotours", "", Decimal(1)) == Rejected(
        Reason.DEPOSIT_ADDRESS_NOT_FOUND
    )


async def test_a_credit_below_the_chain_minimum_is_refused(box: Box) -> None:
    alice = box.user("alice@example.test")
    addr, _ = await _address(box, alice)
    refused = await box.runtime.funding.service.credit_address(LIVE, "BTC-Bitcoin", addr, "", Decimal("1E-9"))
    assert refused == Rejected.of(Reason.PARAM_ERROR, field="amt")


async def test_simulated_deposits_go_to_the_users_own_address(box: Box) -> None:
    alice = box.user("alice@example.test")
    done = await box.runtime.funding.service.simulate_deposit(alice.id, LIVE, "XRP", Decimal(20))
    assert isinstance(done, DepositView)
    (row,) = await Client(box, box.key(alice.id)).data("asset/deposit-address", ccy="XRP")
    assert (done.to_addr, done.tag, done.chain) == (row["addr"], row["tag"], "XRP-Ripple")


async def test_operator_credits_are_successful_deposits_at_once(box: Box) -> None:
    alice = box.user("alice@example.test")
    await box.credit(alice, "USDT", "10")
    rows = await Client(box, box.key(alice.id)).data("asset/deposit-history", ccy="USDT")
    assert [(r["state"], r["amt"], r["chain"]) for r in rows] == [("2", "10", "USDT-TRC20")]


async def test_deposit_history_filters_and_cursors(box: Box) -> None:
    alice = box.user("alice@example.test")
    client = Client(box, box.key(alice.id))
    await box.credit(alice, "USDT", "1")
    box.runtime.clock.advance(10)
    await box.credit(alice, "BTC", "0.1")
    box.runtime.clock.advance(10)
    await box.runtime.funding.service.simulate_deposit(alice.id, LIVE, "BTC", Decimal("0.2"))
    rows = await client.data("asset/deposit-history")
    assert [r["amt"] for r in rows] == ["0.2", "0.1", "1"]
    assert [r["amt"] for r in await client.data("asset/deposit-history", ccy="BTC", state="2")] == ["0.1"]
    assert [r["amt"] for r in await client.data("asset/deposit-history", depId=rows[2]["depId"])] == ["1"]
    assert [r["amt"] for r in await client.data("asset/deposit-history", after=rows[1]["ts"])] == ["1"]
    assert [r["amt"] for r in await client.data("asset/deposit-history", before=rows[2]["ts"], limit=1)] == [
        "0.1"
    ]
    assert [r["amt"] for r in await client.data("asset/deposit-history", type="3")] == []
    assert (await client.get("asset/deposit-history", type="5"))["code"] == "51000"
    assert (await client.get("asset/deposit-history", depId="x1"))["code"] == "51000"


async def test_deposits_are_per_environment(box: Box) -> None:
    alice = box.user("alice@example.test")
    await box.runtime.funding.service.simulate_deposit(alice.id, Environment.DEMO, "BTC", Decimal("0.3"))
    assert await Client(box, box.key(alice.id)).data("asset/deposit-history") == []
    demo = Client(box, box.key(alice.id, demo=True, label="demo"))
    assert [r["amt"] for r in await demo.data("asset/deposit-history")] == ["0.3"]


async def test_the_clock_task_advances_deposits_on_its_own(tmp_path: Path) -> None:
    """Without a test moving time: the running funding clock credits a deposit on the wall clock."""
    async with funding_box(tmp_path) as box:
        box.runtime.clock.resume()
        await box.runtime.funding.clock.start()
        alice = box.user("alice@example.test")
        await box.runtime.funding.service.simulate_deposit(
            alice.id, LIVE, "XRP", Decimal(3)
        )  # 1 confirmation
        client = Client(box, box.key(alice.id))
        for _ in range(100):
            rows = await client.data("asset/deposit-history")
            if rows[0]["state"] == "2":
                break
            await asyncio.sleep(0.05)
        assert rows[0]["state"] == "2"
        assert (await client.funding("XRP"))["availBal"] == "3"
