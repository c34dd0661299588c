"""Users, sub-accounts, keys and deposits made through the control API work on the OKX API at once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.client import ControlError, Credentials, OkxError
from sandex.testing.inprocess import SandexApp


async def test_a_user_gets_a_chosen_password_once_and_can_log_in(sandex_app: SandexApp) -> None:
    user = await sandex_app.control.create_user("Alice@Sandex.test")
    assert user.email == "alice@sandex.test" and user.status == "active" and user.password
    login = sandex_app.runtime.accounts.login(user.email or "", user.password, ip="127.0.0.1", user_agent="t")
    assert getattr(login, "uid", None) == user.uid
    again = await sandex_app.control.get_user(user.uid)
    assert again.password is None and again.uid == user.uid
    given = await sandex_app.control.create_user("bob@sandex.test", "Correct-Horse-9")
    assert given.password is None  # a password the caller chose is never echoed
    assert {u.uid for u in await sandex_app.control.list_users() if u.email} == {user.uid, given.uid}


async def test_a_drawn_password_never_spells_the_email_it_is_for(
    sandex_app: SandexApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Drawn as hex, a password can contain an address's local part ("bad" in about 1 of 200 draws);
    # the policy refuses those, so the draw is made again instead of the user being refused.
    random = sandex_app.runtime.random
    real = random.token_bytes
    draws = iter([bytes.fromhex("0bad" + "00" * 10)])
    monkeypatch.setattr(random, "token_bytes", lambda n: next(draws, None) or real(n))
    user = await sandex_app.control.create_user("bad@sandex.test")
    assert user.password and "bad" not in user.password.lower()
    login = sandex_app.runtime.accounts.login(
        "bad@sandex.test", user.password, ip="127.0.0.1", user_agent="t"
    )
    assert getattr(login, "uid", None) == user.uid


@pytest.mark.parametrize(
    ("email", "password", "status", "reason", "field"),
    [
        ("not-an-email", None, 400, "email_invalid", "email"),
        ("c@sandex.test", "weak", 400, "password_weak", "password"),
    ],
)
async def test_bad_users_are_refused_naming_the_field(
    sandex_app: SandexApp, email: str, password: str | None, status: int, reason: str, field: str
) -> None:
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.create_user(email, password)
    assert (caught.value.status, caught.value.reason, caught.value.field) == (status, reason, field)
    assert [u for u in await sandex_app.control.list_users() if u.email] == []  # the market's own users stay


async def test_a_taken_email_is_a_conflict(sandex_app: SandexApp) -> None:
    await sandex_app.control.create_user("dup@sandex.test")
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.create_user("dup@sandex.test")
    assert (caught.value.status, caught.value.reason, caught.value.code) == (409, "email_taken", "70002")


async def test_unknown_users_and_keys_are_not_found(sandex_app: SandexApp) -> None:
    for call in (sandex_app.control.get_user("123"), sandex_app.control.get_key("nope")):
        with pytest.raises(ControlError) as caught:
            await call
        assert caught.value.status == 404


async def test_a_key_shows_its_secret_once_and_signs_okx_requests(sandex_app: SandexApp) -> None:
    user = await sandex_app.control.create_user("keys@sandex.test")
    key = await sandex_app.control.create_key(user.uid, perm="read_only,trade", ip="127.0.0.1", label="bot")
    assert (key.state, key.perm, key.ip, key.environment, key.label) == (
        "active",
        "read_only,trade",
        "127.0.0.1",
        "live",
        "bot",
    )
    config = await sandex_app.okx(key.credentials).account_config()
    assert (config.uid, config.label, config.perm, config.ip) == (
        user.uid,
        "bot",
        "read_only,trade",
        "127.0.0.1",
    )
    listed = await sandex_app.control.list_keys(user.uid)
    assert [k.api_key for k in listed] == [key.api_key]
    assert listed[0].secret_key is None and listed[0].passphrase is None
    with pytest.raises(ValueError, match="only known"):
        _ = listed[0].credentials


async def test_a_demo_key_trades_in_demo_mode_only(sandex_app: SandexApp) -> None:
    user = await sandex_app.control.create_user("demo@sandex.test")
    key = await sandex_app.control.create_key(user.uid, perm="read_only", demo=True)
    assert key.environment == "demo" and key.credentials.demo
    assert (await sandex_app.okx(key.credentials).account_config()).uid == user.uid
    live = Credentials(key.api_key, key.credentials.secret_key, key.credentials.passphrase, demo=False)
    with pytest.raises(OkxError) as caught:
        await sandex_app.okx(live).account_config()
    assert caught.value.code == "50101"


async def test_revoked_and_deleted_keys_stop_at_once(sandex_app: SandexApp) -> None:
    user = await sandex_app.control.create_user("revoke@sandex.test")
    first = await sandex_app.control.create_key(user.uid)
    second = await sandex_app.control.create_key(user.uid)
    okx_first, okx_second = sandex_app.okx(first.credentials), sandex_app.okx(second.credentials)
    await okx_first.account_config()
    await okx_second.account_config()
    assert (await sandex_app.control.revoke_key(first.api_key)).state == "revoked"
    assert (await sandex_app.control.delete_key(second.api_key)).state == "deleted"
    for okx, code in ((okx_first, "50111"), (okx_second, "50119")):
        with pytest.raises(OkxError) as caught:
            await okx.account_config()
        assert caught.value.code == code


async def test_a_bad_key_request_names_the_field_and_creates_nothing(sandex_app: SandexApp) -> None:
    user = await sandex_app.control.create_user("badkey@sandex.test")
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.create_key(user.uid, perm="read_only,fly")
    assert (caught.value.status, caught.value.code) == (400, "51000")
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.create_key(user.uid, passphrase="simple")
    assert caught.value.field == "passphrase"
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.create_key(user.uid, expires_ms=1 << 70)  # no timestamp holds it
    assert (caught.value.status, caught.value.field) == (400, "expires_ms")  # the field it came in
    assert await sandex_app.control.list_keys(user.uid) == []


async def test_sub_accounts_and_their_keys(sandex_app: SandexApp) -> None:
    master = await sandex_app.control.create_user("master@sandex.test")
    sub = await sandex_app.control.create_subaccount(master.uid, "desk0001", "desk")
    assert sub.sub_account == "desk0001" and sub.email is None
    key = await sandex_app.control.create_key(sub.uid, perm="read_only")
    config = await sandex_app.okx(key.credentials).account_config()
    assert (config.uid, config.main_uid) == (sub.uid, master.uid)
    rows = await sandex_app.control.list_subaccounts(master.uid)
    assert [(row["uid"], row["sub_account"], row["label"]) for row in rows] == [(sub.uid, "desk0001", "desk")]


async def test_a_frozen_user_is_blocked_on_the_okx_api(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(funds={})
    assert (await sandex_app.control.freeze_user(account.uid)).status == "frozen"
    with pytest.raises(OkxError) as caught:
        await sandex_app.okx(account.trade).account_config()
    assert caught.value.code == "50007"
    await sandex_app.control.unfreeze_user(account.uid)
    assert (await sandex_app.okx(account.trade).account_config()).uid == account.uid


async def test_deposits_land_in_the_trading_account_of_their_environment(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(funds={"USDT": "1000.5"})
    demo_key = await sandex_app.control.create_key(account.uid, perm="read_only", demo=True)
    done = await sandex_app.control.deposit(account.uid, "BTC", Decimal("0.25"), demo=True)
    assert (done.ccy, done.amount, done.environment) == ("BTC", Decimal("0.25"), "demo")
    live = await sandex_app.okx(account.read_only).balance()
    demo = await sandex_app.okx(demo_key.credentials).balance()
    assert (live.avail("USDT"), live.avail("BTC")) == (Decimal("1000.5"), Decimal(0))
    assert (demo.avail("USDT"), demo.avail("BTC")) == (Decimal(0), Decimal("0.25"))


@pytest.mark.parametrize(
    ("ccy", "amount", "field"),
    [
        ("USDT", "-1", "amount"),
        ("USDT", "abc", "amount"),
        ("USDT", "0", "amount"),
        ("NOPE1", "1", "ccy"),
        ("USDT", "1e308", "amount"),  # the one rule for numbers: below 10**20, at most 30 decimals
        ("USDT", "0.0100000000000000000000000000000000000001", "amount"),
        ("USDT", "1" * 25, "amount"),
    ],
)
async def test_a_bad_deposit_is_refused_and_credits_nothing(
    sandex_app: SandexApp, ccy: str, amount: str, field: str
) -> None:
    account = await sandex_app.create_account(funds={})
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.deposit(account.uid, ccy, amount)
    assert caught.value.status == 400 and caught.value.field == field
    assert (await sandex_app.okx(account.read_only).balance()).details == ()
