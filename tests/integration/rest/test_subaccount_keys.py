"""OKX sub-account endpoints: list sub-accounts and manage their API keys with the master's key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from sandex.services.keys.views import CreatedKey
from tests.support.apps import Sandbox, sandbox
from tests.support.factories import PASSPHRASE
from tests.support.okx import headers_for

BASE = "/api/v5/users/subaccount"


async def _call(
    box: Sandbox,
    created: CreatedKey,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    ip: str = "127.0.0.1",
) -> httpx.Response:
    http = box.client(ip)
    if method == "GET":
        query = "&".join(f"{k}={v}" for k, v in (params or {}).items())
        target = f"{BASE}{path}" + (f"?{query}" if query else "")
        return await http.get(target, headers=headers_for(created, "GET", target, now_ms=box.now_ms()))
    body = json.dumps(params or {})
    headers = headers_for(created, "POST", f"{BASE}{path}", body, now_ms=box.now_ms())
    return await http.post(f"{BASE}{path}", content=body.encode(), headers=headers)


async def test_create_query_modify_delete_a_sub_account_key(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = box.user()
        sub = box.sub(alice, "botdesk01")
        master = box.key(alice.id)
        response = await _call(
            box,
            master,
            "POST",
            "/apikey",
            {
                "subAcct": "botdesk01",
                "label": "desk bot",
                "passphrase": PASSPHRASE,
                "perm": "read_only,trade",
                "ip": "127.0.0.1,198.51.100.7",
            },
        )
        body = response.json()
        assert body["code"] == "0", body
        row = body["data"][0]
        assert list(row) == ["subAcct", "label", "apiKey", "secretKey", "passphrase", "perm", "ip", "ts"]
        assert (row["subAcct"], row["label"], row["perm"], row["ip"], row["passphrase"]) == (
            "botdesk01",
            "desk bot",
            "read_only,trade",
            "127.0.0.1,198.51.100.7",
            PASSPHRASE,
        )
        assert len(row["secretKey"]) == 32

        # the new key works at once and acts for the sub-account
        sub_key = box.runtime.keys.keys.get(row["apiKey"])
        assert sub_key is not None and sub_key.user_id == sub.id
        created = CreatedKey(sub_key, row["secretKey"], PASSPHRASE)
        config = await box.client().get(
            "/api/v5/account/config",
            headers=headers_for(created, "GET", "/api/v5/account/config", now_ms=box.now_ms()),
        )
        assert config.json()["data"][0]["uid"] == sub.uid and config.json()["data"][0]["type"] == "1"
        assert config.json()["data"][0]["mainUid"] == alice.uid

        listed = (await _call(box, master, "GET", "/apikey", {"subAcct": "botdesk01"})).json()
        assert listed["code"] == "0"
        assert listed["data"] == [
            {
                "label": "desk bot",
                "apiKey": row["apiKey"],
                "perm": "read_only,trade",
                "ip": "127.0.0.1,198.51.100.7",
                "ts": row["ts"],
            }
        ]
        assert "secretKey" not in json.dumps(listed) and PASSPHRASE not in json.dumps(listed)

        modified = (
            await _call(
                box,
                master,
                "POST",
                "/modify-apikey",
                {
                    "subAcct": "botdesk01",
                    "apiKey": row["apiKey"],
                    "label": "renamed",
                    "perm": "read_only",
                    "ip": "",
                },
            )
        ).json()
        assert modified["code"] == "0", modified
        assert modified["data"] == [
            {
                "subAcct": "botdesk01",
                "apiKey": row["apiKey"],
                "label": "renamed",
                "perm": "read_only",
                "ip": "",
                "ts": row["ts"],
            }
        ]

        deleted = (
            await _call(
                box, master, "POST", "/delete-apikey", {"subAcct": "botdesk01", "apiKey": row["apiKey"]}
            )
        ).json()
        assert deleted == {"code": "0", "msg": "", "data": [{"subAcct": "botdesk01"}]}
        gone = await box.client().get(
            "/api/v5/account/config",
            headers=headers_for(created, "GET", "/api/v5/account/config", now_ms=box.now_ms()),
        )
        assert gone.json()["code"] == "50119"


async def test_sub_account_key_refusals(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, bob = box.user(), box.user("bob@example.com")
        sub = box.sub(alice, "botdesk01")
        box.sub(bob, "bobsdesk1")
        master = box.key(alice.id)
        other_key = box.key(bob.id, label="bob")
        sub_key = box.key(sub.id, label="subs own")
        new = {"label": "x", "passphrase": PASSPHRASE}
        cases = [
            (master, "POST", "/apikey", {"subAcct": "bobsdesk1", **new}, "59510"),
            (master, "POST", "/apikey", {"subAcct": "nobody123", **new}, "59510"),
            (master, "POST", "/apikey", {"subAcct": "botdesk01", **new, "perm": "withdraw"}, "59504"),
            (
                master,
                "POST",
                "/apikey",
                {"subAcct": "botdesk01", "label": "x", "passphrase": "weak"},
                "59505",
            ),
            (
                master,
                "POST",
                "/apikey",
                {"subAcct": "botdesk01", "label": "subs own", "passphrase": PASSPHRASE},
                "59502",
            ),
            (master, "POST", "/apikey", {"subAcct": "botdesk01", "passphrase": PASSPHRASE}, "50014"),
            (
                master,
                "POST",
                "/modify-apikey",
                {"subAcct": "botdesk01", "apiKey": other_key.info.api_key, "label": "mine"},
                "59506",
            ),
            (
                master,
                "POST",
                "/delete-apikey",
                {"subAcct": "botdesk01", "apiKey": master.info.api_key},
                "59506",
            ),
            (master, "GET", "/apikey", {"subAcct": "botdesk01", "apiKey": other_key.info.api_key}, "59506"),
            (
                master,
                "POST",
                "/modify-apikey",
                {
                    "subAcct": "botdesk01",
                    "apiKey": sub_key.info.api_key,
                    "perm": "read_only,withdraw",
                    "ip": "127.0.0.1",
                },
                "59504",
            ),
            (sub_key, "POST", "/apikey", {"subAcct": "botdesk01", **new}, "59500"),
            (sub_key, "GET", "/apikey", {"subAcct": "botdesk01"}, "59500"),
        ]
        for key, method, path, params, code in cases:
            response = await _call(box, key, method, path, params)
            assert response.json()["code"] == code, (path, params, response.text)
        assert [k.label for k in box.runtime.keys.keys.list(sub.id)] == ["subs own"]
        assert box.runtime.keys.keys.get(other_key.info.api_key).label == "bob"  # type: ignore[union-attr]


async def test_list_sub_accounts_as_okx_shapes_it(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = box.user()
        first = box.sub(alice, "botdesk01")
        box.runtime.clock.advance(1_000)
        second = box.sub(alice, "botdesk02")
        box.runtime.accounts.set_subaccount_enabled(alice.id, "botdesk02", False)
        master = box.key(alice.id, perm="read_only")
        body = (await _call(box, master, "GET", "/list")).json()
        assert body["code"] == "0"
        assert [row["subAcct"] for row in body["data"]] == ["botdesk02", "botdesk01"]
        row = body["data"][1]
        assert row == {
            "type": "1",
            "enable": True,
            "subAcct": "botdesk01",
            "uid": first.uid,
            "label": "",
            "mobile": "",
            "gAuth": False,
            "frozenFunc": [],
            "canTransOut": True,
            "ts": str(first.created_ms),
            "subAcctLv": "1",
            "firstLvSubAcct": "botdesk01",
            "ifDma": False,
        }
        assert body["data"][0]["enable"] is False and body["data"][0]["uid"] == second.uid
        enabled = (await _call(box, master, "GET", "/list", {"enable": "true"})).json()
        assert [row["subAcct"] for row in enabled["data"]] == ["botdesk01"]
        one = (await _call(box, master, "GET", "/list", {"subAcct": "botdesk02", "limit": "1"})).json()
        assert [row["subAcct"] for row in one["data"]] == ["botdesk02"]
        bad = (await _call(box, master, "GET", "/list", {"limit": "101"})).json()
        assert bad["code"] == "51000" and "limit" in bad["msg"]


async def test_list_cursors_beyond_64_bits_are_a_parameter_error(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = box.user()
        box.sub(alice, "botdesk01")
        master = box.key(alice.id, perm="read_only")
        for name, value in (("after", str(1 << 63)), ("before", "9" * 5000)):
            answer = await _call(box, master, "GET", "/list", {name: value})
            assert answer.status_code == 400 and answer.json()["code"] == "51000", answer.text
            assert name in answer.json()["msg"]
        largest = (await _call(box, master, "GET", "/list", {"after": str((1 << 63) - 1)})).json()
        assert [row["subAcct"] for row in largest["data"]] == ["botdesk01"]
