import pytest

from sandex.domain.accounts.model import Environment, User, UserStatus
from sandex.domain.accounts.rules import (
    RULE_CONTROL,
    RULE_DIGIT,
    RULE_EMAIL,
    RULE_LENGTH,
    RULE_LOWER,
    RULE_UPPER,
    check_password,
    check_subaccount_name,
    normalise_email,
)
from sandex.domain.errors import Reason, Rejected


# --- email ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("alice@example.com", "alice@example.com"),
        ("  Alice.Smith+bots@Example.COM ", "alice.smith+bots@example.com"),
        ("o'neil@mail.example.co.uk", "o'neil@mail.example.co.uk"),
        ("dev@sandex.test", "dev@sandex.test"),
        ("x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
        ("a@b-c.io", "a@b-c.io"),
    ],
)
def test_emails_accepted_and_normalised(text: str, normalised: str) -> None:
    assert normalise_email(text) == normalised


@pytest.mark.parametrize(
    "text",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "alice@@example.com",
        "al@ice@example.com",
        "alice@localhost",
        "alice@example.c",
        "alice@example.123",
        ".alice@example.com",
        "alice.@example.com",
        "al..ice@example.com",
        "alice@-example.com",
        "alice@example-.com",
        "alice@exa_mple.com",
        "alice@example..com",
        "al ice@example.com",
        '"alice"@example.com',
        "alice@[127.0.0.1]",
        "jürgen@example.com",
        "a" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
    ],
)
def test_emails_refused(text: str) -> None:
    assert normalise_email(text) == Rejected.of(Reason.EMAIL_INVALID, field="email")


# --- password ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "password", ["Sandbox2026", "aB3" + "x" * 5, "Ünïcode9x", "with Spaces 1A", "A1" + "b" * 126]
)
def test_passwords_accepted(password: str) -> None:
    assert check_password(password, "alice@example.com") is None


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Ab1defg", RULE_LENGTH),
        ("A1" + "b" * 127, RULE_LENGTH),
        ("ABCDEFG1", RULE_LOWER),
        ("abcdefg1", RULE_UPPER),
        ("Abcdefgh", RULE_DIGIT),
        ("Abcdefg1\n", RULE_CONTROL),
        ("myALICE2026", RULE_EMAIL),
    ],
)
def test_passwords_refused_naming_the_rule(password: str, rule: str) -> None:
    assert check_password(password, "alice@example.com") == Rejected.of(
        Reason.PASSWORD_WEAK, field="password", rule=rule
    )


def test_short_local_parts_are_not_checked() -> None:
    assert check_password("Alpha2026", "al@example.com") is None
    assert check_password("Alpha2026", None) is None


# --- sub-account name ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["abc123", "SubAccount01", "A" * 20, "123456"])
def test_subaccount_names_accepted(name: str) -> None:
    assert check_subaccount_name(name) is None


@pytest.mark.parametrize(
    "name", ["abc12", "A" * 21, "sub acct1", "sub_acct1", "sub-acct1", "sübacct1", "abc123\n"]
)
def test_subaccount_names_refused(name: str) -> None:
    assert check_subaccount_name(name) == Rejected.of(Reason.SUBACCOUNT_NAME_INVALID, field="sub_account")


# --- model ---------------------------------------------------------------------------------------
def test_environment_from_demo_flag() -> None:
    assert Environment.from_demo_flag(True) is Environment.DEMO
    assert Environment.from_demo_flag(False) is Environment.LIVE


def test_user_flags() -> None:
    master = User(1, UserStatus.ACTIVE, 0, email="a@example.com")
    sub = User(2, UserStatus.FROZEN, 0, parent_id=1, sub_name="desk01")
    assert not master.is_sub_account and not master.is_frozen
    assert sub.is_sub_account and sub.is_frozen
