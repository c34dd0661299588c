"""Unmodified python-okx (OKX's own SDK) against a real sandex server: only `domain` changes."""

from __future__ import annotations

import okx.Account as Account
import okx.SubAccount as SubAccount
import pytest

from tests.support.servers import SUB_NAME, World

# python-okx posts with httpx's deprecated `data=<str>`; the warning is about the SDK, not sandex.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.mark.parametrize(("flag", "label"), [("0", "live"), ("1", "demo")])
def test_get_account_config_live_and_demo(world: World, flag: str, label: str) -> None:
    creds = world.live if flag == "0" else world.demo
    api = Account.AccountAPI(
        creds.api_key, creds.secret, creds.passphrase, False, flag, domain=world.base_url
    )
    result = api.get_account_config()
    assert result["code"] == "0", result
    row = result["data"][0]
    assert (row["uid"], row["label"], row["perm"], row["type"]) == (world.uid, label, "read_only,trade", "0")


def test_wrong_flag_is_an_environment_mismatch(world: World) -> None:
    creds = world.live
    api = Account.AccountAPI(creds.api_key, creds.secret, creds.passphrase, False, "1", domain=world.base_url)
    assert api.get_account_config() == {"msg": "APIKey does not match current environment.", "code": "50101"}


def test_sub_account_list_and_reset_key(world: World) -> None:
    creds = world.live
    api = SubAccount.SubAccountAPI(
        creds.api_key, creds.secret, creds.passphrase, False, "0", domain=world.base_url
    )
    listed = api.get_subaccount_list()
    assert listed["code"] == "0", listed
    assert [(row["subAcct"], row["uid"], row["label"], row["enable"]) for row in listed["data"]] == [
        (SUB_NAME, world.sub_uid, "desk", True),
    ]
    reset = api.reset_subaccount_apikey(
        SUB_NAME, world.sub_key, label="renamed", perm="read_only", ip="127.0.0.1,198.51.100.7"
    )
    assert reset["code"] == "0", reset
    assert reset["data"][0] == {
        "subAcct": SUB_NAME,
        "apiKey": world.sub_key,
        "label": "renamed",
        "perm": "read_only",
        "ip": "127.0.0.1,198.51.100.7",
        "ts": reset["data"][0]["ts"],
    }
    cleared = api.reset_subaccount_apikey(SUB_NAME, world.sub_key, ip="")
    assert (
        cleared["code"] == "0" and cleared["data"][0]["ip"] == "" and cleared["data"][0]["label"] == "renamed"
    )
