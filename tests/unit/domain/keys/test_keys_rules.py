import pytest

from sandex.domain.clock import LATEST_MS
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.ips import IpAllowList
from sandex.domain.keys.model import KeyState, Permission, format_perms
from sandex.domain.keys.rules import (
    UNCHANGED,
    CreateKeyRequest,
    EditKeyRequest,
    KeySpec,
    Owner,
    check_activatable,
    check_expiry,
    check_key_count,
    check_label,
    check_passphrase,
    check_withdraw,
    parse_perms,
    validate_create,
    validate_edit,
)
from tests.support.keys import NOW_MS, ips

R, T, W = Permission.READ_ONLY, Permission.TRADE, Permission.WITHDRAW
MASTER = Owner(is_sub_account=False, labels_in_use=frozenset({"bot1"}), key_count=3)
SUB = Owner(is_sub_account=True, labels_in_use=frozenset(), key_count=0)
GOOD = CreateKeyRequest(label="TradingBot_2024", passphrase="Sandex#2026")


# --- label ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("label", ["a", "7", "TradingBot_2024", "Grid bot-2", "x" * 50, "BOT1"])
def test_labels_accepted(label: str) -> None:
    assert check_label(label, {"bot1"}) is None


@pytest.mark.parametrize("label", ["", "x" * 51, " lead", "trail ", "emoji🙂", "dot.s", "tab\tx", "ünï"])
def test_labels_refused(label: str) -> None:
    assert check_label(label, set()) == Rejected.of(Reason.KEY_LABEL_INVALID, field="label")


def test_label_unique_per_account_case_sensitive() -> None:
    assert check_label("bot1", {"bot1"}) == Rejected.of(Reason.KEY_LABEL_TAKEN, field="label")
    assert check_label("Bot1", {"bot1"}) is None


# --- passphrase ----------------------------------------------------------------------------------
@pytest.mark.parametrize("passphrase", ["Sandex#2026", "aA1!aA1!", "Ab1~" * 8])
def test_passphrases_accepted(passphrase: str) -> None:
    assert check_passphrase(passphrase) is None


@pytest.mark.parametrize(
    "passphrase",
    [
        "aA1!aA1",
        "Ab1~" * 8 + "x",
        "sandex#2026",
        "SANDEX#2026",
        "Sandex#abcd",
        "Sandex2026",
        "Sandex #2026",
        "Sändex#2026",
        "",
    ],
)
def test_passphrases_refused(passphrase: str) -> None:
    assert check_passphrase(passphrase) == Rejected.of(Reason.PASSPHRASE_FORMAT, field="passphrase")


# --- permissions ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "perms"),
    [
        ("", {R}),
        ("read_only", {R}),
        ("trade", {R, T}),
        ("read_only,trade", {R, T}),
        (" trade , withdraw ", {R, T, W}),
        ("trade,trade,", {R, T}),
    ],
)
def test_perm_parsing(text: str, perms: set[Permission]) -> None:
    assert parse_perms(text) == frozenset(perms)


@pytest.mark.parametrize("bad", ["read", "Trade", "withdrawal", "all"])
def test_unknown_perm_is_named(bad: str) -> None:
    assert parse_perms(f"read_only,{bad}") == Rejected.of(
        Reason.KEY_PERMISSION_INVALID, field="perm", perm=bad
    )


def test_perm_text_has_a_stable_order() -> None:
    assert format_perms({W, R, T}) == "read_only,trade,withdraw"


# --- withdraw, count, expiry, state --------------------------------------------------------------
def test_withdraw_rules() -> None:
    bound, unbound = ips("1.2.3.4"), ips("0.0.0.0/0")
    assert check_withdraw(frozenset({R, T}), unbound, is_sub_account=True) is None
    assert check_withdraw(frozenset({R, W}), bound, is_sub_account=False) is None
    assert check_withdraw(frozenset({R, W}), bound, is_sub_account=True) == Rejected.of(
        Reason.SUBACCOUNT_CANNOT_WITHDRAW, field="perm"
    )
    for no_binding in (unbound, IpAllowList()):
        assert check_withdraw(frozenset({R, W}), no_binding, is_sub_account=False) == Rejected.of(
            Reason.WITHDRAW_NEEDS_IP_BINDING, field="ip"
        )


def test_key_count_limit_is_50() -> None:
    assert check_key_count(49) is None
    assert check_key_count(50) == Rejected.of(Reason.KEY_LIMIT_REACHED, limit="50")


def test_expiry_perpetual_or_future() -> None:
    assert check_expiry(None, NOW_MS) is None
    assert check_expiry(NOW_MS + 1, NOW_MS) is None
    for past in (NOW_MS, NOW_MS - 1):
        assert check_expiry(past, NOW_MS) == Rejected.of(Reason.KEY_EXPIRY_INVALID, field="expires_at")


def test_expiry_no_timestamp_can_hold_is_refused() -> None:
    assert check_expiry(LATEST_MS, NOW_MS) is None
    for beyond in (LATEST_MS + 1, 1 << 63, 1 << 70):
        assert check_expiry(beyond, NOW_MS) == Rejected.of(Reason.KEY_EXPIRY_INVALID, field="expires_at")


def test_only_pending_keys_activate() -> None:
    assert check_activatable(KeyState.PENDING) is None
    for state in set(KeyState) - {KeyState.PENDING}:
        assert check_activatable(state) == Rejected.of(Reason.KEY_NOT_PENDING)


# --- whole create ---------------------------------------------------------------------------------
def test_create_valid() -> None:
    request = CreateKeyRequest("desk", "Sandex#2026", "read_only,withdraw", "1.2.3.4", NOW_MS + 1000)
    assert validate_create(request, MASTER, NOW_MS) == KeySpec(
        "desk", frozenset({R, W}), ips("1.2.3.4"), NOW_MS + 1000
    )


def test_create_defaults_to_read_only_unbound_perpetual() -> None:
    spec = validate_create(GOOD, MASTER, NOW_MS)
    assert spec == KeySpec("TradingBot_2024", frozenset({R}), IpAllowList(), None)


@pytest.mark.parametrize(
    ("request_", "owner", "reason"),
    [
        # every field wrong: the count is reported first, then label, passphrase, perm, ip ...
        (
            CreateKeyRequest("bot1", "weak", "nope", "x", 0),
            Owner(False, {"bot1"}, 50),
            Reason.KEY_LIMIT_REACHED,
        ),
        (CreateKeyRequest("bot1", "weak", "nope", "x", 0), MASTER, Reason.KEY_LABEL_TAKEN),
        (CreateKeyRequest("ok", "weak", "nope", "x", 0), MASTER, Reason.PASSPHRASE_FORMAT),
        (CreateKeyRequest("ok", "Sandex#2026", "nope", "x", 0), MASTER, Reason.KEY_PERMISSION_INVALID),
        (CreateKeyRequest("ok", "Sandex#2026", "withdraw", "x", 0), MASTER, Reason.KEY_IP_INVALID),
        (CreateKeyRequest("ok", "Sandex#2026", "withdraw", "", 0), SUB, Reason.SUBACCOUNT_CANNOT_WITHDRAW),
        (CreateKeyRequest("ok", "Sandex#2026", "withdraw", "", 0), MASTER, Reason.WITHDRAW_NEEDS_IP_BINDING),
        (CreateKeyRequest("ok", "Sandex#2026", "trade", "", 0), MASTER, Reason.KEY_EXPIRY_INVALID),
    ],
)
def test_create_refusal_order(request_: CreateKeyRequest, owner: Owner, reason: Reason) -> None:
    result = validate_create(request_, owner, NOW_MS)
    assert isinstance(result, Rejected)
    assert result.reason is reason


# --- whole edit -----------------------------------------------------------------------------------
CURRENT = KeySpec("desk", frozenset({R, W}), ips("1.2.3.4"), NOW_MS - 5)  # expiry in the past on purpose


def test_edit_nothing_keeps_everything_even_an_old_expiry() -> None:
    assert validate_edit(CURRENT, EditKeyRequest(), MASTER, NOW_MS) == CURRENT


def test_edit_replaces_fields() -> None:
    request = EditKeyRequest(label="desk2", perm="trade", ip="", expires_at_ms=None)
    assert validate_edit(CURRENT, request, MASTER, NOW_MS) == KeySpec(
        "desk2", frozenset({R, T}), IpAllowList(), None
    )


def test_edit_keeping_own_label_is_not_taken() -> None:
    owner = Owner(False, {"desk"}, 3)
    assert validate_edit(CURRENT, EditKeyRequest(label="desk"), owner, NOW_MS) == CURRENT
    assert validate_edit(CURRENT, EditKeyRequest(label="bot1"), MASTER, NOW_MS) == Rejected.of(
        Reason.KEY_LABEL_TAKEN, field="label"
    )


def test_edit_result_must_still_satisfy_withdraw_rules() -> None:
    assert validate_edit(CURRENT, EditKeyRequest(ip=""), MASTER, NOW_MS) == Rejected.of(
        Reason.WITHDRAW_NEEDS_IP_BINDING, field="ip"
    )
    spec = KeySpec("desk", frozenset({R}), IpAllowList(), None)
    assert validate_edit(spec, EditKeyRequest(perm="withdraw"), SUB, NOW_MS) == Rejected.of(
        Reason.SUBACCOUNT_CANNOT_WITHDRAW, field="perm"
    )


def test_edit_new_expiry_must_be_future() -> None:
    assert validate_edit(CURRENT, EditKeyRequest(expires_at_ms=NOW_MS), MASTER, NOW_MS) == Rejected.of(
        Reason.KEY_EXPIRY_INVALID, field="expires_at"
    )
    assert validate_edit(CURRENT, EditKeyRequest(expires_at_ms=UNCHANGED), MASTER, NOW_MS) == CURRENT


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (EditKeyRequest(label=" bad", perm="x", ip="y"), Reason.KEY_LABEL_INVALID),
        (EditKeyRequest(perm="x", ip="y"), Reason.KEY_PERMISSION_INVALID),
        (EditKeyRequest(ip="y"), Reason.KEY_IP_INVALID),
        (EditKeyRequest(ip=",".join(["1.1.1.1"] * 21)), Reason.KEY_IP_LIMIT),
    ],
)
def test_edit_refusal_order(request_: EditKeyRequest, reason: Reason) -> None:
    result = validate_edit(CURRENT, request_, MASTER, NOW_MS)
    assert isinstance(result, Rejected)
    assert result.reason is reason
