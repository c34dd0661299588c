"""`POST /api/v5/asset/withdrawal` and friends: permission and IP binding, the allow-list, fees and
minimums, the state machine on the clock (pending -> broadcasting -> success, canceled, failed),
internal withdrawals, idempotent client ids, daily limits, and conservation throughout."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import Connection, text

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import Dest
from sandex.domain.funding.withdrawals import Limits, WithdrawRequest
from sandex.services.accounts.views import UserView
from sandex.services.funding.views import Funder
from sandex.storage.repositories.funding_addresses import SqlAllowList
from tests.support.apps import Box, funding_box
from tests.support.exchange import assert_conserved
from tests.support.factories import TRON_ADDR, WITHDRAW
from tests.support.rest import Client

LIVE = Environment.LIVE
REVIEW_MS, BROADCAST_MS = 5_000, 5_000  # the default withdrawal timing


@dataclass
class World:
    box: Box
    alice: UserView
    bob: UserView
    wd: Client  # alice's withdraw key (IP-bound)
    alice_rw: Client  # alice's read+trade key (cancel, histories)
    bob_rw: Client


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with funding_box(tmp_path) as box:
        alice, bob = box.user("alice@example.test"), box.user("bob@example.test")
        await box.credit(alice, "USDT", "100")
        box.allow(alice, "USDT-TRC20", TRON_ADDR)
        box.allow(alice, "", "bob@example.test")
        yield World(
            box,
            alice,
            bob,
            Client(box, box.key(alice.id, WITHDRAW, label="wd")),
            Client(box, box.key(alice.id)),
            Client(box, box.key(bob.id)),
        )


def _onchain(amt: str = "10", to: str = TRON_ADDR, **extra: Any) -> dict[str, Any]:
    return {"ccy": "USDT", "amt": amt, "dest": "4", "toAddr": to, "chain": "USDT-TRC20", **extra}


async def _withdraw(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    answer = await client.post("asset/withdrawal", body)
    assert answer["code"] == "0", answer
    row: dict[str, Any] = answer["data"][0]
    return row


async def _history(client: Client, **params: Any) -> list[dict[str, Any]]:
    return await client.data("asset/withdrawal-history", **params)


async def test_on_chain_withdrawal_pending_broadcasting_success_with_fee(world: World) -> None:
    row = await _withdraw(world.wd, _onchain("10", fee="1"))
    assert (row["amt"], row["ccy"], row["chain"], row["clientId"]) == ("10", "USDT", "USDT-TRC20", "")
    assert await world.alice_rw.funding("USDT") == {
        "availBal": "89",
        "bal": "100",
        "ccy": "USDT",
        "frozenBal": "11",
    }
    (pending,) = await _history(world.alice_rw)
    assert (pending["state"], pending["fee"], pending["feeCcy"], pending["to"], pending["txId"]) == (
        "0",
        "1",
        "USDT",
        TRON_ADDR,
        "",
    )
    assert await world.box.travel(REVIEW_MS) == 1
    (broadcasting,) = await _history(world.alice_rw)
    assert broadcasting["state"] == "1" and broadcasting["txId"].startswith("0x")
    assert await world.box.travel(BROADCAST_MS) == 1
    (done,) = await _history(world.alice_rw, wdId=row["wdId"])
    assert (done["state"], done["txId"]) == ("2", broadcasting["txId"])
    assert await world.alice_rw.funding("USDT") == {
        "availBal": "89",
        "bal": "89",
        "ccy": "USDT",
        "frozenBal": "0",
    }
    bills = await world.alice_rw.data("asset/bills", ccy="USDT")
    assert [(b["type"], b["balChg"]) for b in bills[:2]] == [("221", "-1"), ("2", "-10")]
    assert_conserved(world.box.runtime)


async def test_cancel_while_pending_returns_everything(world: World) -> None:
    row = await _withdraw(world.wd, _onchain("10"))
    answer = await world.alice_rw.post("asset/cancel-withdrawal", {"wdId": row["wdId"]})
    assert answer == {"code": "0", "msg": "", "data": [{"wdId": row["wdId"]}]}
    (canceled,) = await _history(world.alice_rw)
    assert canceled["state"] == "-2"
    assert (await world.alice_rw.funding("USDT"))["availBal"] == "100"
    again = await world.alice_rw.post("asset/cancel-withdrawal", {"wdId": row["wdId"]})
    assert again["code"] == "58220"
    assert await world.box.travel(REVIEW_MS + BROADCAST_MS) == 0  # a canceled withdrawal stays canceled
    assert_conserved(world.box.runtime)


async def test_no_cancel_once_broadcasting_or_done(world: World) -> None:
    row = await _withdraw(world.wd, _onchain("10"))
    await world.box.travel(REVIEW_MS)
    assert (await world.alice_rw.post("asset/cancel-withdrawal", {"wdId": row["wdId"]}))["code"] == "58216"
    await world.box.travel(BROADCAST_MS)
    assert (await world.alice_rw.post("asset/cancel-withdrawal", {"wdId": row["wdId"]}))["code"] == "58216"
    assert (await world.alice_rw.post("asset/cancel-withdrawal", {"wdId": "123"}))["code"] == "58215"
    assert (await world.bob_rw.post("asset/cancel-withdrawal", {"wdId": row["wdId"]}))["code"] == "58215"
    assert (await world.alice_rw.post("asset/cancel-withdrawal", {}))["code"] == "50014"


async def test_a_failed_withdrawal_gives_the_hold_back(world: World) -> None:
    row = await _withdraw(world.wd, _onchain("10"))
    await world.box.travel(REVIEW_MS)
    failed = await world.box.runtime.funding.service.fail_withdrawal(LIVE, int(row["wdId"]))
    assert not isinstance(failed, Rejected) and failed.state.value == "-1"
    assert (await _history(world.alice_rw, state="-1"))[0]["wdId"] == row["wdId"]
    assert (await world.alice_rw.funding("USDT"))["availBal"] == "100"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (_onchain(to="TAnotherXXXXXXXXXXXXXXXXXXXXXXXXX1"), "58207"),
        (_onchain(to="not-an-address"), "58222"),
        (_onchain(to="0x52908400098527886E0F7030069857D2E4169EE7"), "58222"),  # an EVM address on TRC20
        (_onchain("0.5"), "58206"),  # minWd on TRC20 is 1
        (_onchain("99.5"), "58350"),  # 99.5 + fee 1 > 100
        (_onchain("10.0000001"), "51000"),  # wdTickSz 6
        (_onchain(chain="USDT-Omni"), "51000"),
        (_onchain(chain="BTC-Bitcoin"), "51000"),
        (_onchain(dest="5"), "51000"),
        (_onchain(toAddrType="2"), "51000"),  # a uid only names an internal receiver
        ({"ccy": "USDT", "amt": "1", "dest": "4"}, "50014"),
        ({**_onchain(), "ccy": "NOPE"}, "51000"),
        (_onchain(clientId="x" * 33), "51000"),
        ({"ccy": "USDT", "amt": "1", "dest": "3", "toAddr": "carol@example.test"}, "58207"),
        ({"ccy": "USDT", "amt": "1", "dest": "3", "toAddr": "+86 138"}, "58213"),
    ],
)
async def test_refusals_hold_nothing(world: World, body: dict[str, Any], code: str) -> None:
    answer = await world.wd.post("asset/withdrawal", body)
    assert answer["code"] == code, answer
    assert await world.alice_rw.funding("USDT") == {
        "availBal": "100",
        "bal": "100",
        "ccy": "USDT",
        "frozenBal": "0",
    }
    assert await _history(world.alice_rw) == []


async def test_an_empty_allow_list_asks_for_an_address(world: World) -> None:
    bob = Client(world.box, world.box.key(world.bob.id, WITHDRAW, label="wd"))
    await world.box.credit(world.bob, "USDT", "50")
    assert (await bob.post("asset/withdrawal", _onchain()))["code"] == "58203"


async def test_withdrawal_needs_the_withdraw_permission(world: World) -> None:
    answer = await world.alice_rw.post("asset/withdrawal", _onchain())
    assert answer == {"msg": "This API key doesn't have permission to use this function", "code": "50120"}


async def test_sub_accounts_cannot_withdraw(world: World) -> None:
    sub = world.box.sub(world.alice, "desk0001")
    service = world.box.runtime.funding.service
    request = WithdrawRequest("USDT", Decimal(1), Dest.ON_CHAIN, TRON_ADDR)
    assert await service.withdraw(Funder(sub.id, LIVE, is_sub=True), request) == Rejected(
        Reason.SUBACCOUNT_NO_DEPOSIT_WITHDRAW
    )
    assert world.box.runtime.funding.addresses.send_add_code(
        sub.id, chain="", addr="bob@example.test"
    ) == Rejected(Reason.SUBACCOUNT_NO_DEPOSIT_WITHDRAW)


async def test_a_retried_withdrawal_with_the_same_client_id_moves_money_once(world: World) -> None:
    first = await _withdraw(world.wd, _onchain("10", clientId="wd001"))
    again = await _withdraw(world.wd, _onchain("10", clientId="wd001"))
    assert again == first and first["clientId"] == "wd001"
    assert (await world.alice_rw.funding("USDT"))["frozenBal"] == "11"
    assert [r["wdId"] for r in await _history(world.alice_rw, clientId="wd001")] == [first["wdId"]]
    await world.box.travel(REVIEW_MS + BROADCAST_MS)
    assert await _withdraw(world.wd, _onchain("10", clientId="wd001")) == first
    assert (await world.alice_rw.funding("USDT"))["bal"] == "89"


async def test_internal_withdrawal_credits_the_receiver_at_once_without_fee(world: World) -> None:
    row = await _withdraw(world.wd, {"ccy": "USDT", "amt": "25", "dest": "3", "toAddr": "Bob@Example.test"})
    assert row["chain"] == ""
    assert (await world.alice_rw.funding("USDT"))["bal"] == "75"
    assert (await world.bob_rw.funding("USDT"))["availBal"] == "25"
    (sent,) = await _history(world.alice_rw, type="3")
    assert (sent["state"], sent["fee"], sent["txId"], sent["to"]) == ("2", "0", "", "Bob@Example.test")
    (received,) = await world.bob_rw.data("asset/deposit-history")
    assert (received["state"], received["fromWdId"], received["from"], received["amt"], received["txId"]) == (
        "2",
        row["wdId"],
        "alice@example.test",
        "25",
        "",
    )
    assert_conserved(world.box.runtime)


async def test_internal_withdrawal_by_uid(world: World) -> None:
    world.box.allow(world.alice, "", world.bob.uid)
    body = {"ccy": "USDT", "amt": "1", "dest": "3", "toAddr": world.bob.uid, "toAddrType": "2"}
    await _withdraw(world.wd, body)
    assert (await world.bob_rw.funding("USDT"))["availBal"] == "1"
    ghost = {**body, "toAddr": "9999999"}
    world.box.allow(world.alice, "", "9999999")
    assert (await world.wd.post("asset/withdrawal", ghost))["code"] == "58218"


async def test_daily_limit_counts_usd_value(tmp_path: Path) -> None:
    async with funding_box(tmp_path, limits=Limits(daily_quota_usd=Decimal(30))) as box:
        alice = box.user("alice@example.test")
        await box.credit(alice, "USDT", "100")
        box.allow(alice, "USDT-TRC20", TRON_ADDR)
        client = Client(box, box.key(alice.id, WITHDRAW, label="wd"))
        await _withdraw(client, _onchain("20"))
        assert (await client.post("asset/withdrawal", _onchain("11")))["code"] == "58201"
        (usdt,) = [r for r in await client.data("asset/currencies", ccy="USDT") if r["chain"] == "USDT-TRC20"]
        assert (usdt["wdQuota"], usdt["usedWdQuota"]) == ("30", "20")
        await _withdraw(client, _onchain("10"))


async def test_withdrawals_survive_a_restart_and_finish(tmp_path: Path) -> None:
    async with funding_box(tmp_path) as box:
        alice = box.user("alice@example.test")
        await box.credit(alice, "USDT", "100")
        box.allow(alice, "USDT-TRC20", TRON_ADDR)
        row = await _withdraw(
            Client(box, box.key(alice.id, WITHDRAW, label="wd")), _onchain("10", clientId="r1")
        )
        key = box.key(alice.id, label="reader")
        clock_ms = box.now_ms()
    async with funding_box(tmp_path) as box:
        box.runtime.clock.freeze(clock_ms)
        reader = Client(box, key)
        assert (await reader.funding("USDT"))["frozenBal"] == "11"
        assert await box.travel(REVIEW_MS + BROADCAST_MS) == 1
        assert [(r["wdId"], r["state"]) for r in await _history(reader)] == [(row["wdId"], "2")]
        again = await Client(box, box.key(alice.id, WITHDRAW, label="wd2")).post(
            "asset/withdrawal", _onchain("10", clientId="r1")
        )
        assert again["data"][0]["wdId"] == row["wdId"]
        assert_conserved(box.runtime)


async def test_the_allow_list_needs_the_emailed_code(world: World) -> None:
    book = world.box.runtime.funding.addresses
    refused = book.add(
        world.alice.id, chain="USDT-ERC20", addr="0x" + "ab" * 20, totp_code=None, email_code=None
    )
    assert refused == Rejected.of(Reason.EMAIL_CODE_REQUIRED, field="code")
    book.send_add_code(
        world.alice.id, chain="USDT-ERC20", addr="0x" + "cd" * 20
    )  # a code for another address
    code = world.box.runtime.accounts.list_mail("alice@example.test")[0].code
    wrong = book.add(
        world.alice.id, chain="USDT-ERC20", addr="0x" + "ab" * 20, totp_code=None, email_code=code
    )
    assert isinstance(wrong, Rejected)
    assert [e.addr for e in book.list(world.alice.id)] == [TRON_ADDR, "bob@example.test"]
    entry = book.list(world.alice.id)[0]
    assert book.send_remove_code(world.alice.id, int(entry.id)) is None
    code = world.box.runtime.accounts.list_mail("alice@example.test")[0].code
    assert book.remove(world.alice.id, int(entry.id), totp_code=None, email_code=code) is None
    assert (await world.wd.post("asset/withdrawal", _onchain()))["code"] == "58207"


class ListState(NamedTuple):
    spent_codes: int
    entries: int


def _list_state(connection: Connection) -> ListState:
    spent = connection.scalar(text("SELECT count(*) FROM email_codes WHERE used_ms IS NOT NULL"))
    entries = connection.scalar(text("SELECT count(*) FROM withdraw_addresses"))
    return ListState(int(spent or 0), int(entries or 0))


def _list_change(world: World, change: str) -> tuple[Callable[[str], object], int]:
    """Mail the code for adding an address or removing the first entry; the change, and what it
    does to the number of entries."""
    book, alice = world.box.runtime.funding.addresses, world.alice
    if change == "add":
        addr = "0x" + "ab" * 20
        assert book.send_add_code(alice.id, chain="USDT-ERC20", addr=addr) is None

        def add(code: str) -> object:
            return book.add(alice.id, chain="USDT-ERC20", addr=addr, totp_code=None, email_code=code)

        return add, 1
    entry_id = int(book.list(alice.id)[0].id)
    assert book.send_remove_code(alice.id, entry_id) is None

    def remove(code: str) -> object:
        return book.remove(alice.id, entry_id, totp_code=None, email_code=code)

    return remove, -1


@pytest.mark.parametrize("change", ["add", "remove"])
async def test_an_allow_list_change_and_its_code_commit_together(
    world: World, commit_log: Callable[..., list[ListState]], change: str
) -> None:
    run, moved = _list_change(world, change)
    code = world.box.runtime.accounts.list_mail("alice@example.test")[0].code
    assert code is not None
    engine = world.box.runtime.engine
    with engine.connect() as connection:
        before = _list_state(connection)
    log = commit_log(engine, _list_state)
    assert not isinstance(run(code), Rejected)
    # the guess is counted first (nothing else changes), then one commit spends the code and changes the list
    assert log == [before, ListState(before.spent_codes + 1, before.entries + moved)]


@pytest.mark.parametrize("change", ["add", "remove"])
async def test_an_allow_list_change_that_fails_after_the_code_check_leaves_the_code_usable(
    world: World, commit_log: Callable[..., list[ListState]], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    run, _ = _list_change(world, change)
    code = world.box.runtime.accounts.list_mail("alice@example.test")[0].code
    assert code is not None
    engine = world.box.runtime.engine
    with engine.connect() as connection:
        before = _list_state(connection)
    log = commit_log(engine, _list_state)

    def broken(self: SqlAllowList, *args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SqlAllowList, change, broken)
    with pytest.raises(RuntimeError):
        run(code)
    assert log and all(state == before for state in log)  # only the guess was committed
    monkeypatch.undo()
    assert not isinstance(run(code), Rejected)  # the code still works
