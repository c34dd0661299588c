from dataclasses import replace
from typing import Any

import pytest

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.clock import DAY_MS
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.model import ApiKeyPolicyView, KeyState, Permission
from sandex.domain.keys.policy import (
    KEY_CHECKS,
    SignedRequest,
    authenticate,
    check_environment,
    check_expiry,
    check_ip,
    check_ip_binding,
    check_owner,
    check_passphrase,
    check_permission,
    check_signature,
    check_state,
    ws_login_request,
)
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.testing.clock import ManualClock
from tests.support.factories import PASSPHRASE
from tests.support.keys import (
    API_KEY,
    CLIENT_IP,
    NOW_MS,
    SECRET,
    ips,
    lookup_of,
    make_key,
    plain_passphrase_check,
    signed,
    unbound_key,
)

UNKNOWN_KEY = "00000000-0000-0000-0000-000000000000"


def auth(request: SignedRequest, key: ApiKeyPolicyView | None = None, now_ms: int = NOW_MS) -> object:
    lookup = lookup_of(make_key() if key is None else key)
    return authenticate(request, now_ms, lookup, plain_passphrase_check)


def reason_of(result: object) -> Reason:
    assert isinstance(result, Rejected), result
    return result.reason


def test_valid_request_returns_the_key() -> None:
    key = make_key()
    assert auth(signed(), key) is key


def test_post_with_body_and_raw_query() -> None:
    request = signed(method="POST", target="/api/v5/trade/order", body=b'{"instId": "BTC-USDT", "sz": "1"}')
    assert isinstance(auth(request), ApiKeyPolicyView)
    unencoded = signed(target="/api/v5/market/tickers?instType=SPOT&instFamily=BTC USD")
    assert isinstance(auth(unencoded), ApiKeyPolicyView)


# --- one reason per check ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("api_key", Reason.KEY_HEADER_MISSING),
        ("sign", Reason.SIGN_HEADER_MISSING),
        ("timestamp", Reason.TIMESTAMP_HEADER_MISSING),
        ("passphrase", Reason.PASSPHRASE_HEADER_MISSING),
    ],
)
@pytest.mark.parametrize("missing", [None, ""])
def test_missing_header(field: str, reason: Reason, missing: str | None) -> None:
    changes: dict[str, Any] = {field: missing}
    assert reason_of(auth(replace(signed(), **changes))) is reason


def test_header_order_key_sign_timestamp_passphrase() -> None:
    bare = replace(signed(), api_key=None, sign=None, timestamp=None, passphrase=None)
    seen = []
    for field in ("api_key", "sign", "timestamp", "passphrase"):
        seen.append(reason_of(auth(bare)))
        bare = replace(bare, **{field: getattr(signed(), field)})
    assert seen == [
        Reason.KEY_HEADER_MISSING,
        Reason.SIGN_HEADER_MISSING,
        Reason.TIMESTAMP_HEADER_MISSING,
        Reason.PASSPHRASE_HEADER_MISSING,
    ]


def test_malformed_timestamp() -> None:
    result = auth(signed(timestamp="2026-08-22 16:40:00"))
    assert result == Rejected.of(Reason.TIMESTAMP_INVALID, field="timestamp")


@pytest.mark.parametrize("offset_s", [31, -31, 3600])
def test_timestamp_outside_window(offset_s: int) -> None:
    request = signed(now_ms=NOW_MS + offset_s * 1000)
    assert auth(request) == Rejected.of(Reason.TIMESTAMP_EXPIRED, field="timestamp")


@pytest.mark.parametrize("offset_s", [30, -30])
def test_timestamp_at_window_edge_is_fine(offset_s: int) -> None:
    assert isinstance(auth(signed(now_ms=NOW_MS + offset_s * 1000)), ApiKeyPolicyView)


def test_unknown_key() -> None:
    assert auth(signed(api_key=UNKNOWN_KEY)) == Rejected.of(Reason.KEY_NOT_FOUND, field="api_key")


def test_malformed_key_is_invalid_without_a_lookup() -> None:
    def lookup(api_key: str) -> ApiKeyPolicyView | None:
        raise AssertionError("no lookup for a key that cannot exist")

    result = authenticate(signed(api_key="not-a-key"), NOW_MS, lookup, plain_passphrase_check)
    assert result == Rejected.of(Reason.KEY_INVALID, field="api_key")


@pytest.mark.parametrize("state", [KeyState.PENDING, KeyState.REVOKED, KeyState.EXPIRED, KeyState.DELETED])
def test_unusable_states_are_invalid(state: KeyState) -> None:
    assert auth(signed(), make_key(state=state)) == Rejected.of(
        Reason.KEY_INVALID, field="api_key", state=state.value
    )


def test_frozen_key() -> None:
    assert reason_of(auth(signed(), make_key(state=KeyState.FROZEN))) is Reason.KEY_FROZEN


def test_blocked_owner() -> None:
    assert reason_of(auth(signed(), make_key(owner_status=UserStatus.FROZEN))) is Reason.USER_BLOCKED


def test_inactive_unbound_key_expires_after_14_days() -> None:
    key = unbound_key(last_used_ms=NOW_MS)
    clock = ManualClock(NOW_MS)
    clock.advance(days=14, seconds=-1)
    assert auth(signed(now_ms=clock.now_ms()), key, clock.now_ms()) is key
    clock.advance(seconds=2)
    assert auth(signed(now_ms=clock.now_ms()), key, clock.now_ms()) == Rejected.of(
        Reason.KEY_INVALID, field="api_key", state="expired"
    )


def test_explicit_expiry() -> None:
    key = make_key(expires_at_ms=NOW_MS + 1)
    assert auth(signed(), key) is key
    assert reason_of(auth(signed(now_ms=NOW_MS + 1), key, NOW_MS + 1)) is Reason.KEY_INVALID


@pytest.mark.parametrize(
    ("environment", "demo", "ok"),
    [
        (Environment.LIVE, False, True),
        (Environment.DEMO, True, True),
        (Environment.LIVE, True, False),
        (Environment.DEMO, False, False),
    ],
)
def test_environment(environment: Environment, demo: bool, ok: bool) -> None:
    key = make_key(environment=environment)
    result = auth(signed(demo=demo), key)
    assert result is key if ok else result == Rejected.of(Reason.ENVIRONMENT_MISMATCH)


def test_demo_key_never_expires() -> None:
    key = unbound_key(environment=Environment.DEMO)
    later = NOW_MS + 400 * DAY_MS
    assert auth(signed(now_ms=later, demo=True), key, later) is key


def test_ip_not_allowed_names_the_ip() -> None:
    result = auth(signed(client_ip="198.51.100.9"))
    assert result == Rejected.of(Reason.IP_NOT_ALLOWED, ip="198.51.100.9", api_key=API_KEY)


def test_ip_allowed_via_cidr_and_mapped_v6() -> None:
    key = make_key(ips=ips("198.51.100.0/24 2001:db8::/32"))
    for client in ("198.51.100.9", "::ffff:198.51.100.9", "2001:db8::42"):
        assert auth(signed(client_ip=client), key) is key


def test_wrong_passphrase() -> None:
    assert auth(signed(passphrase="Sandex#2025")) == Rejected.of(
        Reason.PASSPHRASE_INCORRECT, field="passphrase"
    )


def test_without_the_secret_the_passphrase_is_never_checked() -> None:
    """No oracle: a right and a wrong passphrase get the same 50113 when the signature is wrong,
    and the (argon2) passphrase check is not even called."""
    asked: list[str] = []

    def counting_check(verifier: str, candidate: str) -> bool:
        asked.append(candidate)
        return plain_passphrase_check(verifier, candidate)

    for passphrase in (PASSPHRASE, "Sandex#2025"):
        request = signed(secret="0" * 32, passphrase=passphrase)
        assert authenticate(request, NOW_MS, lookup_of(make_key()), counting_check) == Rejected.of(
            Reason.SIGNATURE_INVALID, field="sign"
        )
    assert asked == []


def test_a_refused_passphrase_check_answers_with_its_refusal() -> None:
    too_soon = Rejected.of(Reason.RATE_LIMITED)
    result = authenticate(signed(), NOW_MS, lookup_of(make_key()), lambda _verifier, _candidate: too_soon)
    assert result == too_soon


def test_wrong_signature() -> None:
    assert auth(signed(secret="0" * 32)) == Rejected.of(Reason.SIGNATURE_INVALID, field="sign")
    assert reason_of(auth(signed(sign="not base64 at all"))) is Reason.SIGNATURE_INVALID


@pytest.mark.parametrize(
    ("perms", "required", "ok"),
    [
        ({Permission.READ_ONLY}, Permission.READ_ONLY, True),
        ({Permission.READ_ONLY}, Permission.TRADE, False),
        ({Permission.READ_ONLY, Permission.TRADE}, Permission.WITHDRAW, False),
        ({Permission.READ_ONLY, Permission.WITHDRAW}, Permission.WITHDRAW, True),
    ],
)
def test_permission(perms: set[Permission], required: Permission, ok: bool) -> None:
    key = make_key(perms=frozenset(perms))
    result = auth(signed(required_perm=required), key)
    assert result is key if ok else result == Rejected.of(Reason.PERMISSION_DENIED, perm=required.value)


def test_endpoint_requiring_ip_binding() -> None:
    assert isinstance(auth(signed(needs_ip_binding=True)), ApiKeyPolicyView)
    key = make_key(ips=ips("0.0.0.0/0"))
    assert auth(signed(needs_ip_binding=True), key) == Rejected.of(Reason.IP_BINDING_REQUIRED)


# --- order of checks ---------------------------------------------------------------------------------
def test_key_checks_run_in_okx_order() -> None:
    checks = KEY_CHECKS
    assert checks == (
        check_state,
        check_expiry,
        check_owner,
        check_environment,
        check_ip,
        check_signature,
        check_passphrase,
        check_permission,
        check_ip_binding,
    )


def test_bad_timestamp_and_unknown_key_reports_the_timestamp() -> None:
    request = signed(api_key=UNKNOWN_KEY, timestamp="yesterday")
    assert reason_of(auth(request)) is Reason.TIMESTAMP_INVALID
    old = signed(api_key=UNKNOWN_KEY, now_ms=NOW_MS - 3600_000)
    assert reason_of(auth(old)) is Reason.TIMESTAMP_EXPIRED


def test_missing_passphrase_header_comes_before_timestamp() -> None:
    request = signed(passphrase=None, timestamp="garbage")
    assert reason_of(auth(request)) is Reason.PASSPHRASE_HEADER_MISSING


def test_everything_wrong_after_lookup_reports_in_order() -> None:
    """Start with a request that fails every key check, then fix one per step."""
    key = make_key(
        state=KeyState.REVOKED,
        expires_at_ms=NOW_MS - 1,
        owner_status=UserStatus.FROZEN,
        environment=Environment.DEMO,
        perms=frozenset({Permission.READ_ONLY}),
    )
    request = signed(
        client_ip="198.51.100.9", passphrase="wrong", secret="0" * 32, required_perm=Permission.TRADE
    )
    fixes: list[tuple[Reason, dict[str, Any], dict[str, Any]]] = [
        (Reason.KEY_INVALID, {"state": KeyState.ACTIVE}, {}),
        (Reason.KEY_INVALID, {"expires_at_ms": None}, {}),
        (Reason.USER_BLOCKED, {"owner_status": UserStatus.ACTIVE}, {}),
        (Reason.ENVIRONMENT_MISMATCH, {"environment": Environment.LIVE}, {}),
        (Reason.IP_NOT_ALLOWED, {}, {"client_ip": CLIENT_IP}),
        (Reason.SIGNATURE_INVALID, {}, {"sign": signed().sign}),
        (Reason.PASSPHRASE_INCORRECT, {}, {"passphrase": PASSPHRASE}),
        (Reason.PERMISSION_DENIED, {"perms": frozenset(Permission)}, {}),
    ]
    for expected, key_fix, request_fix in fixes:
        assert reason_of(auth(request, key)) is expected
        key, request = replace(key, **key_fix), replace(request, **request_fix)
    assert auth(request, key) is key


# --- WebSocket login ------------------------------------------------------------------------------------
def ws_login(seconds: str, *, demo: bool = False, secret: str = SECRET) -> SignedRequest:
    sign = signing.sign(secret, signing.ws_login_prehash(seconds))
    return ws_login_request(API_KEY, sign, seconds, PASSPHRASE, CLIENT_IP, demo)


@pytest.mark.parametrize("seconds", [str(NOW_MS // 1000), f"{NOW_MS / 1000:.3f}", str(NOW_MS // 1000 - 30)])
def test_ws_login(seconds: str) -> None:
    assert isinstance(auth(ws_login(seconds)), ApiKeyPolicyView)


def test_ws_login_refusals() -> None:
    assert reason_of(auth(ws_login(format_rest_timestamp(NOW_MS)))) is Reason.TIMESTAMP_INVALID
    assert reason_of(auth(ws_login(str(NOW_MS // 1000 - 31)))) is Reason.TIMESTAMP_EXPIRED
    assert reason_of(auth(ws_login(str(NOW_MS // 1000), secret="1" * 32))) is Reason.SIGNATURE_INVALID


def test_the_same_request_expires_as_the_clock_moves() -> None:
    clock = ManualClock(NOW_MS)
    lookup = lookup_of(make_key())
    request = signed()
    assert isinstance(authenticate(request, clock.now_ms(), lookup, plain_passphrase_check), ApiKeyPolicyView)
    clock.advance(seconds=31)
    refused = authenticate(request, clock.now_ms(), lookup, plain_passphrase_check)
    assert reason_of(refused) is Reason.TIMESTAMP_EXPIRED
