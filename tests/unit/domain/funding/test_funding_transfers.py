"""Transfer types 0-4: which key may ask for which, where the money goes, and OKX's refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import AccountType, TransferType
from sandex.domain.funding.transfers import (
    Member,
    Route,
    TransferRequest,
    is_client_id,
    route,
    transfer_units,
)

F, T = AccountType.FUNDING, AccountType.TRADING
MASTER = Member(1, None, "1001")
SUB = Member(2, 1, "desk01")
SIBLING = Member(3, 1, "desk02")
STRANGER = Member(9, 8, "other01")  # a sub-account of another master


def _req(kind: str, sub: str | None = None, src: AccountType = F, dst: AccountType = T) -> TransferRequest:
    return TransferRequest(TransferType(kind), "USDT", Decimal(5), src, dst, sub)


def test_type_0_moves_between_the_callers_own_accounts() -> None:
    assert route(_req("0"), MASTER, None, None) == Route(1, F, 1, T, "")
    assert route(_req("0", src=T, dst=F), SUB, MASTER, None) == Route(2, T, 2, F, "")


def test_type_0_from_equal_to_is_58123() -> None:
    assert route(_req("0", src=F, dst=F), MASTER, None, None) == Rejected(Reason.TRANSFER_SAME_ACCOUNT)


def test_type_1_master_to_sub_and_type_2_sub_to_master_with_the_master_key() -> None:
    assert route(_req("1", "desk01", F, F), MASTER, None, SUB) == Route(1, F, 2, F, "desk01")
    assert route(_req("2", "desk01", T, F), MASTER, None, SUB) == Route(2, T, 1, F, "desk01")


def test_type_3_sub_to_master_and_type_4_sub_to_sub_with_the_sub_key() -> None:
    assert route(_req("3", None, F, F), SUB, MASTER, None) == Route(2, F, 1, F, "")
    assert route(_req("4", "desk02", F, T), SUB, MASTER, SIBLING) == Route(2, F, 3, T, "desk02")


@pytest.mark.parametrize("kind", ["1", "2"])
def test_a_sub_key_cannot_use_master_types(kind: str) -> None:
    assert route(_req(kind, "desk02"), SUB, MASTER, SIBLING) == Rejected(Reason.TRANSFER_TYPE_NOT_FOR_SUB_KEY)


@pytest.mark.parametrize(("kind", "sub"), [("3", None), ("4", "desk01")])
def test_a_master_key_cannot_use_sub_types(kind: str, sub: str | None) -> None:
    refused = route(_req(kind, sub), MASTER, None, SUB)
    assert refused == Rejected(Reason.TRANSFER_TYPE_NOT_FOR_MASTER_KEY)


@pytest.mark.parametrize("kind", ["1", "2", "4"])
def test_types_naming_a_sub_account_need_sub_acct(kind: str) -> None:
    caller = SUB if kind == "4" else MASTER
    assert route(_req(kind, None), caller, MASTER, None) == Rejected.of(Reason.PARAM_EMPTY, field="sub_acct")


@pytest.mark.parametrize("kind", ["0", "3"])
def test_a_sub_account_named_for_a_type_without_one_is_58129(kind: str) -> None:
    caller = SUB if kind == "3" else MASTER
    assert route(_req(kind, "desk02"), caller, MASTER, SIBLING) == Rejected.of(
        Reason.TRANSFER_PARAM_MISMATCH, field="sub_acct"
    )


def test_unknown_sub_account_is_58115() -> None:
    assert route(_req("1", "ghost1"), MASTER, None, None) == Rejected(Reason.TRANSFER_SUBACCOUNT_NOT_FOUND)
    assert route(_req("4", "ghost1"), SUB, MASTER, None) == Rejected(Reason.TRANSFER_SUBACCOUNT_NOT_FOUND)
    # a sub-account of another master is not a sibling, whatever its name
    assert route(_req("4", "other01"), SUB, MASTER, STRANGER) == Rejected(
        Reason.TRANSFER_SUBACCOUNT_NOT_FOUND
    )
    # a master named where a sub-account is expected is not one
    assert route(_req("1", "1001"), MASTER, None, MASTER) == Rejected(Reason.TRANSFER_SUBACCOUNT_NOT_FOUND)


def test_sub_to_itself_is_59507() -> None:
    assert route(_req("4", "desk01"), SUB, MASTER, SUB) == Rejected(Reason.TRANSFER_SUBACCOUNTS_SAME)


@pytest.mark.parametrize(("kind", "sub"), [("3", None), ("4", "desk02")])
def test_a_sub_account_without_transfer_out_permission_is_58119(kind: str, sub: str | None) -> None:
    locked = Member(2, 1, "desk01", can_transfer_out=False)
    assert route(_req(kind, sub), locked, MASTER, SIBLING) == Rejected.of(
        Reason.TRANSFER_OUT_NOT_ALLOWED, sub="desk01"
    )


def test_master_may_still_pull_from_a_sub_without_transfer_out_permission() -> None:
    locked = Member(2, 1, "desk01", can_transfer_out=False)
    assert route(_req("2", "desk01"), MASTER, None, locked) == Route(2, F, 1, T, "desk01")


def test_a_frozen_sub_account_is_59508() -> None:
    frozen = Member(2, 1, "desk01", frozen=True)
    assert route(_req("1", "desk01"), MASTER, None, frozen) == Rejected.of(
        Reason.SUBACCOUNT_SUSPENDED, sub="desk01"
    )


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("1.5"), 1_500_000_000_000_000_000),
        (Decimal("0.000000000000000001"), 1),
        (Decimal(0), Rejected(Reason.TRANSFER_AMOUNT_INVALID)),
        (Decimal("-1"), Rejected(Reason.TRANSFER_AMOUNT_INVALID)),
        (Decimal("1E-19"), Rejected.of(Reason.PARAM_ERROR, field="amt")),
        (Decimal("NaN"), Rejected(Reason.TRANSFER_AMOUNT_INVALID)),
    ],
)
def test_transfer_amounts(amount: Decimal, expected: int | Rejected) -> None:
    assert transfer_units(amount) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("0.00000001"), 10_000_000_000),
        (Decimal("0.000000010"), 10_000_000_000),  # trailing zeros do not count
        (Decimal("0.00000000001"), Rejected.of(Reason.PARAM_ERROR, field="amt")),
        (Decimal("1.000000001"), Rejected.of(Reason.PARAM_ERROR, field="amt")),
        (Decimal(0), Rejected(Reason.TRANSFER_AMOUNT_INVALID)),
    ],
)
def test_transfer_amounts_are_no_finer_than_the_currency(amount: Decimal, expected: int | Rejected) -> None:
    assert transfer_units(amount, decimals=8) == expected


@pytest.mark.parametrize(
    ("text", "ok"), [("abc123", True), ("A" * 32, True), ("A" * 33, False), ("a-b", False)]
)
def test_client_ids_are_up_to_32_alphanumerics(text: str, ok: bool) -> None:
    assert is_client_id(text) is ok
