from __future__ import annotations

import pytest

from sandex.domain.accounts.model import UserStatus
from sandex.domain.accounts.rules import RULE_DIGIT, RULE_EMAIL, RULE_LENGTH, RULE_LOWER, RULE_UPPER
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.service import UserView
from tests.support.accounts import Kit
from tests.support.factories import PASSWORD


def test_register_creates_an_active_master_with_an_okx_style_uid(kit: Kit) -> None:
    user = kit.service.register("  Alice@Example.TEST ", PASSWORD)

    assert isinstance(user, UserView)
    assert user.email == "alice@example.test"
    assert user.status is UserStatus.ACTIVE
    assert not user.is_sub_account and not user.totp_enabled
    assert user.uid.isdigit() and 16 <= len(user.uid) <= 18 and user.uid[0] != "0"
    assert kit.service.get_user_by_email("ALICE@example.test") == user
    assert kit.service.get_user_by_uid(user.uid) == user


def test_the_password_is_stored_only_as_an_argon2id_hash(kit: Kit) -> None:
    user = kit.service.register("alice@example.test", PASSWORD)
    assert isinstance(user, UserView)

    stored = kit.store.state.users[user.id].password_hash
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_every_user_gets_a_different_uid(kit: Kit) -> None:
    uids = {kit.service.register(f"user{i}@example.test", PASSWORD).uid for i in range(20)}  # type: ignore[union-attr]
    assert len(uids) == 20


@pytest.mark.parametrize(
    "email", ["", "alice", "alice@", "@example.test", "a@b", "a b@example.test", "ä@x.test"]
)
def test_a_malformed_email_is_refused_and_nothing_is_stored(kit: Kit, email: str) -> None:
    assert kit.service.register(email, PASSWORD) == Rejected.of(Reason.EMAIL_INVALID, field="email")
    assert kit.user_count() == 0


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Sh0rt", RULE_LENGTH),
        ("ALLUPPER123", RULE_LOWER),
        ("alllower123", RULE_UPPER),
        ("NoDigitsHere", RULE_DIGIT),
        ("xAlice-2024x", RULE_EMAIL),
    ],
)
def test_a_weak_password_is_refused_naming_the_rule(kit: Kit, password: str, rule: str) -> None:
    refused = kit.service.register("alice@example.test", password)

    assert refused == Rejected.of(Reason.PASSWORD_WEAK, field="password", rule=rule)
    assert kit.user_count() == 0


def test_an_email_registers_once_whatever_its_case(kit: Kit) -> None:
    kit.service.register("alice@example.test", PASSWORD)

    assert kit.service.register("ALICE@example.test", "Another-Pass-1") == Rejected.of(
        Reason.EMAIL_TAKEN, field="email"
    )
    assert kit.user_count() == 1


def test_unknown_users_are_none(kit: Kit) -> None:
    assert kit.service.get_user(404) is None
    assert kit.service.get_user_by_email("nobody@example.test") is None
    assert kit.service.get_user_by_uid("1234567890123456") is None
    assert kit.service.effective_status(404) is UserStatus.FROZEN


def test_an_operator_can_freeze_and_unfreeze_a_user(kit: Kit) -> None:
    user = kit.service.register("alice@example.test", PASSWORD)
    assert isinstance(user, UserView)

    frozen = kit.service.set_status(user.id, UserStatus.FROZEN)
    assert isinstance(frozen, UserView) and frozen.status is UserStatus.FROZEN
    assert kit.service.effective_status(user.id) is UserStatus.FROZEN
    assert kit.store.state.changes["users"] == 1  # caches in other processes learn about it
    kit.service.set_status(user.id, UserStatus.ACTIVE)
    assert kit.service.effective_status(user.id) is UserStatus.ACTIVE
    assert kit.service.set_status(999, UserStatus.FROZEN) == Rejected.of(Reason.USER_NOT_FOUND)


def test_list_users_lists_masters_newest_first(kit: Kit) -> None:
    first = kit.service.register("a@example.test", PASSWORD)
    second = kit.service.register("b@example.test", PASSWORD)
    assert isinstance(first, UserView) and isinstance(second, UserView)
    kit.service.create_subaccount(first.id, "SubAccount1")

    assert [u.email for u in kit.service.list_users()] == ["b@example.test", "a@example.test"]
