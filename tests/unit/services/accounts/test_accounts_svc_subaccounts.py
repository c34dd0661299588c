from __future__ import annotations

import pytest

from sandex.domain.accounts.model import UserStatus
from sandex.domain.errors import Reason, Rejected
from sandex.services.accounts.service import SubAccountView, UserView
from tests.support.accounts import Kit
from tests.support.factories import PASSWORD

NAME_INVALID = Rejected.of(Reason.SUBACCOUNT_NAME_INVALID, field="sub_account")
NAME_TAKEN = Rejected.of(Reason.SUBACCOUNT_NAME_TAKEN, field="sub_account")


@pytest.fixture
def master(kit: Kit) -> UserView:
    user = kit.service.register("master@example.test", PASSWORD)
    assert isinstance(user, UserView)
    return user


def _sub(kit: Kit, master: UserView, name: str, label: str = "") -> UserView:
    sub = kit.service.create_subaccount(master.id, name, label)
    assert isinstance(sub, UserView), sub
    return sub


def test_a_master_creates_a_sub_account_with_its_own_uid(kit: Kit, master: UserView) -> None:
    sub = _sub(kit, master, "Trader01", "grid bot")

    assert sub.is_sub_account and sub.master_id == master.id
    assert (sub.sub_name, sub.label, sub.email) == ("Trader01", "grid bot", None)
    assert sub.uid.isdigit() and 16 <= len(sub.uid) <= 18 and sub.uid != master.uid
    assert kit.service.get_subaccount(master.id, "Trader01") == sub


@pytest.mark.parametrize(
    "name", ["short", "x" * 21, "with space", "dash-name1", "ünïcode12", "", "Trader01\n"]
)
def test_names_outside_okx_rules_are_refused(kit: Kit, master: UserView, name: str) -> None:
    assert kit.service.create_subaccount(master.id, name) == NAME_INVALID
    assert kit.service.list_subaccounts(master.id) == []


def test_names_are_unique_and_case_sensitive(kit: Kit, master: UserView) -> None:
    other = kit.service.register("other@example.test", PASSWORD)
    assert isinstance(other, UserView)
    _sub(kit, master, "Trader01")

    assert kit.service.create_subaccount(master.id, "Trader01") == NAME_TAKEN
    assert kit.service.create_subaccount(other.id, "Trader01") == NAME_TAKEN
    assert _sub(kit, master, "trader01").sub_name == "trader01"
    assert len(kit.service.list_subaccounts(master.id)) == 2


def test_only_an_existing_active_master_creates_sub_accounts(kit: Kit, master: UserView) -> None:
    sub = _sub(kit, master, "Trader01")

    assert kit.service.create_subaccount(sub.id, "Nested001") == Rejected.of(Reason.MASTER_ONLY)
    assert kit.service.create_subaccount(999, "Orphan001") == Rejected.of(Reason.USER_NOT_FOUND)
    kit.service.set_status(master.id, UserStatus.FROZEN)
    assert kit.service.create_subaccount(master.id, "Frozen001") == Rejected.of(Reason.ACCOUNT_FROZEN)


def test_a_label_over_50_characters_is_refused(kit: Kit, master: UserView) -> None:
    refused = kit.service.create_subaccount(master.id, "Trader01", "x" * 51)
    assert refused == Rejected.of(Reason.PARAM_ERROR, field="label")


def test_another_masters_sub_account_is_not_found(kit: Kit, master: UserView) -> None:
    other = kit.service.register("other@example.test", PASSWORD)
    assert isinstance(other, UserView)
    _sub(kit, master, "Trader01")

    assert kit.service.get_subaccount(other.id, "Trader01") == Rejected.of(Reason.SUBACCOUNT_NOT_FOUND)
    assert kit.service.set_subaccount_enabled(other.id, "Trader01", False) == Rejected.of(
        Reason.SUBACCOUNT_NOT_FOUND
    )
    assert kit.service.list_subaccounts(other.id) == []


def test_list_is_newest_first_with_okx_filters(kit: Kit, master: UserView) -> None:
    created = []
    for name in ("Alpha0001", "Bravo0002", "Charlie03", "Delta0004"):
        created.append(_sub(kit, master, name).created_ms)
        kit.clock.advance(seconds=1)
    kit.service.set_subaccount_enabled(master.id, "Bravo0002", False)

    def names(**filters: object) -> list[str]:
        return [s.name for s in kit.service.list_subaccounts(master.id, **filters)]  # type: ignore[arg-type]

    assert names() == ["Delta0004", "Charlie03", "Bravo0002", "Alpha0001"]
    assert names(enable=False) == ["Bravo0002"]
    assert names(enable=True) == ["Delta0004", "Charlie03", "Alpha0001"]
    assert names(name="Charlie03") == ["Charlie03"]
    assert names(after_ms=created[2]) == ["Bravo0002", "Alpha0001"]  # created before (exclusive)
    assert names(before_ms=created[1]) == ["Delta0004", "Charlie03"]  # created after (exclusive)
    assert names(limit=2) == ["Delta0004", "Charlie03"]


def test_list_rows_carry_what_okx_shows(kit: Kit, master: UserView) -> None:
    sub = _sub(kit, master, "Trader01", "bot")

    assert kit.service.list_subaccounts(master.id) == [
        SubAccountView(
            uid=sub.uid,
            name="Trader01",
            label="bot",
            enabled=True,
            totp_enabled=False,
            can_transfer_out=True,
            created_ms=sub.created_ms,
        )
    ]


def test_the_master_freezes_and_unfreezes_a_sub_account(kit: Kit, master: UserView) -> None:
    sub = _sub(kit, master, "Trader01")

    frozen = kit.service.set_subaccount_enabled(master.id, "Trader01", False)
    assert isinstance(frozen, UserView) and frozen.status is UserStatus.FROZEN
    assert kit.service.effective_status(sub.id) is UserStatus.FROZEN
    assert kit.service.get_user(sub.id).status is UserStatus.FROZEN  # type: ignore[union-attr]
    assert kit.store.state.changes["users"] == 1

    enabled = kit.service.set_subaccount_enabled(master.id, "Trader01", True)
    assert isinstance(enabled, UserView) and enabled.status is UserStatus.ACTIVE
    assert kit.service.effective_status(sub.id) is UserStatus.ACTIVE


def test_a_frozen_master_freezes_its_sub_accounts(kit: Kit, master: UserView) -> None:
    sub = _sub(kit, master, "Trader01")

    kit.service.set_status(master.id, UserStatus.FROZEN)

    assert kit.service.effective_status(sub.id) is UserStatus.FROZEN
    assert kit.service.get_subaccount(master.id, "Trader01").status is UserStatus.FROZEN  # type: ignore[union-attr]
    assert kit.service.list_subaccounts(master.id)[0].enabled  # its own switch is untouched
    kit.service.set_status(master.id, UserStatus.ACTIVE)
    assert kit.service.effective_status(sub.id) is UserStatus.ACTIVE
