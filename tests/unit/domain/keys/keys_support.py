"""Builders for keys and signed requests, shared by the key tests (imported by module name)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.keys import signing
from sandex.domain.keys.ips import UNBOUND, IpAllowList, parse_ip_list
from sandex.domain.keys.model import ApiKeyPolicyView, KeyState, Permission
from sandex.domain.keys.policy import SignedRequest
from sandex.domain.keys.timestamps import format_rest_timestamp

NOW_MS = 1_787_416_800_000  # 2026-08-22T16:40:00Z
API_KEY = "b68428e0-1f2a-4c3d-8e9f-0a1b2c3d4e5f"
SECRET = "22582BD0CFF14C41EDBF1AB98506286D"
PASSPHRASE = "Sandex#2026"
CLIENT_IP = "203.0.113.7"


def ips(text: str) -> IpAllowList:
    parsed = parse_ip_list(text)
    assert isinstance(parsed, IpAllowList), parsed
    return parsed


def make_key(**changes: Any) -> ApiKeyPolicyView:
    """An active live read+trade key bound to CLIENT_IP, created a day before NOW_MS."""
    key = ApiKeyPolicyView(
        api_key=API_KEY,
        user_id=7,
        is_sub_account=False,
        environment=Environment.LIVE,
        state=KeyState.ACTIVE,
        perms=frozenset({Permission.READ_ONLY, Permission.TRADE}),
        secret=SECRET.encode(),
        passphrase_verifier="plain:" + PASSPHRASE,
        created_ms=NOW_MS - 86_400_000,
        ips=ips(CLIENT_IP),
    )
    return replace(key, **changes)


def unbound_key(**changes: Any) -> ApiKeyPolicyView:
    return make_key(ips=UNBOUND, **changes)


def signed(
    *,
    method: str = "GET",
    target: bytes | str = b"/api/v5/account/balance?ccy=BTC",
    body: bytes = b"",
    now_ms: int = NOW_MS,
    timestamp: str | None = None,
    secret: str = SECRET,
    **fields: Any,
) -> SignedRequest:
    """A correctly signed REST request (fields override anything after signing)."""
    ts = format_rest_timestamp(now_ms) if timestamp is None else timestamp
    sign = signing.sign(secret, signing.prehash(ts, method, target, body))
    request = SignedRequest(
        api_key=API_KEY,
        sign=sign,
        timestamp=ts,
        passphrase=PASSPHRASE,
        method=method,
        raw_target=target,
        body=body,
        client_ip=CLIENT_IP,
        demo=False,
    )
    return replace(request, **fields)


def plain_passphrase_check(verifier: str, candidate: str) -> bool:
    """Stands in for argon2: verifiers in these tests are "plain:<passphrase>"."""
    return hmac.compare_digest(verifier.encode(), ("plain:" + candidate).encode())


def lookup_of(*keys: ApiKeyPolicyView) -> Callable[[str], ApiKeyPolicyView | None]:
    table = {key.api_key: key for key in keys}
    return table.get
