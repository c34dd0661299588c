"""Withdrawal checks: chain, amount precision and limits, tags, allow-list, receivers, daily limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.addresses import Destination
from sandex.domain.funding.model import AddrType, Dest
from sandex.domain.funding.withdrawals import (
    INTERNAL_CHAIN,
    AllowedAddress,
    InternalPlan,
    Limits,
    OnChainPlan,
    Receiver,
    ReceiverKind,
    WithdrawRequest,
    chain_entry,
    check_quota,
    check_sub_account,
    internal_entry,
    parse_receiver,
    plan_internal,
    plan_on_chain,
)
from sandex.domain.instruments import Chain, Currency

TRC20 = Chain("USDT-TRC20", False, Decimal("0.000001"), Decimal(1), Decimal(1), 6, 19)
ERC20 = Chain("USDT-ERC20", False, Decimal("0.000001"), Decimal(2), Decimal(3), 6, 64)
POLYGON = Chain("USDT-Polygon", False, Decimal("0.000001"), Decimal(1), Decimal(1), 6, 64)
USDT = Currency("USDT", "Tether", (TRC20, ERC20, POLYGON))
XRP_CHAIN = Chain("XRP-Ripple", True, Decimal("0.000001"), Decimal(1), Decimal("0.2"), 6, 1)
XRP = Currency("XRP", "XRP", (XRP_CHAIN,))
TRON_ADDR = "TXtvfb7cdrn6VX9H49mgio8bUxZ3DGfvYF"
EVM_ADDR = "0x52908400098527886E0F7030069857D2E4169EE7"
XRP_ADDR = "rPEPPER7kfTD9w2To4CQk6UCfuHM9c6GDY"
ALLOWED = [
    AllowedAddress("USDT-TRC20", TRON_ADDR),
    AllowedAddress("USDT-Polygon", EVM_ADDR),
    AllowedAddress("XRP-Ripple", XRP_ADDR, "777"),
    AllowedAddress(INTERNAL_CHAIN, "bob@example.test"),
]
UNIT = 10**18


def _onchain(
    amount: str = "10", to: str = TRON_ADDR, chain: str | None = None, ccy: Currency = USDT
) -> object:
    request = WithdrawRequest(ccy.ccy, Decimal(amount), Dest.ON_CHAIN, to, chain=chain)
    return plan_on_chain(request, ccy, ALLOWED, Limits(max_wd=Decimal(1000)))


def test_on_chain_plan_uses_the_main_chain_and_its_fee() -> None:
    assert _onchain("10") == OnChainPlan(TRC20, Destination(TRON_ADDR, ""), 10 * UNIT, 1 * UNIT)


def test_tagged_destination_must_match_the_allow_list_with_its_tag() -> None:
    plan = _onchain("5", f"{XRP_ADDR}:777", ccy=XRP)
    assert isinstance(plan, OnChainPlan) and plan.destination == Destination(XRP_ADDR, "777")
    assert plan.fee_units == UNIT // 5
    assert _onchain("5", f"{XRP_ADDR}:778", ccy=XRP) == Rejected(Reason.WITHDRAWAL_ADDRESS_NOT_VERIFIED)
    assert _onchain("5", XRP_ADDR, ccy=XRP) == Rejected(Reason.WITHDRAWAL_TAG_REQUIRED)


@pytest.mark.parametrize(
    ("amount", "to", "chain", "reason", "field"),
    [
        ("10", TRON_ADDR, "USDT-Omni", Reason.PARAM_ERROR, "chain"),
        ("10", TRON_ADDR, "BTC-Bitcoin", Reason.PARAM_ERROR, "chain"),
        ("1.0000001", TRON_ADDR, None, Reason.PARAM_ERROR, "amt"),  # more than wdTickSz (6) decimals
        ("0", TRON_ADDR, None, Reason.PARAM_ERROR, "amt"),
        ("-3", TRON_ADDR, None, Reason.PARAM_ERROR, "amt"),
        ("0.5", TRON_ADDR, None, Reason.WITHDRAWAL_BELOW_MIN, None),
        ("1000.000001", TRON_ADDR, None, Reason.WITHDRAWAL_ABOVE_MAX, None),
        ("10", "not an address", None, Reason.WITHDRAWAL_ADDRESS_INVALID, None),
        ("10", "not-an-address", None, Reason.WITHDRAWAL_ADDRESS_INVALID, None),
        ("10", TRON_ADDR, "USDT-ERC20", Reason.WITHDRAWAL_ADDRESS_INVALID, None),  # no EVM address
        ("10", "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE", None, Reason.WITHDRAWAL_ADDRESS_NOT_VERIFIED, None),
        (
            "10",
            EVM_ADDR,
            "USDT-ERC20",
            Reason.WITHDRAWAL_ADDRESS_NOT_VERIFIED,
            None,
        ),  # listed for Polygon only
    ],
)
def test_on_chain_refusals(
    amount: str, to: str, chain: str | None, reason: Reason, field: str | None
) -> None:
    expected = Rejected.of(reason, field=field) if field else Rejected(reason)
    assert _onchain(amount, to, chain) == expected


def test_min_and_max_themselves_are_allowed() -> None:
    assert isinstance(_onchain("1"), OnChainPlan)
    assert isinstance(_onchain("1000"), OnChainPlan)


def test_an_empty_allow_list_asks_to_add_an_address() -> None:
    request = WithdrawRequest("USDT", Decimal(10), Dest.ON_CHAIN, TRON_ADDR)
    assert plan_on_chain(request, USDT, []) == Rejected(Reason.WITHDRAWAL_ADDRESS_MISSING)


def test_internal_plan_by_email_has_8_decimals_and_no_fee() -> None:
    request = WithdrawRequest("USDT", Decimal("1.12345678"), Dest.INTERNAL, "Bob@Example.TEST")
    assert plan_internal(request, ALLOWED) == InternalPlan(
        Receiver(ReceiverKind.EMAIL, "bob@example.test"), 1_123_456_780_000_000_000
    )
    finer = WithdrawRequest("USDT", Decimal("1.123456789"), Dest.INTERNAL, "bob@example.test")
    assert plan_internal(finer, ALLOWED) == Rejected.of(Reason.PARAM_ERROR, field="amt")


def test_internal_receivers_must_be_on_the_allow_list() -> None:
    request = WithdrawRequest("USDT", Decimal(1), Dest.INTERNAL, "carol@example.test")
    assert plan_internal(request, ALLOWED) == Rejected(Reason.WITHDRAWAL_ADDRESS_NOT_VERIFIED)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("12345678", AddrType.UID, Receiver(ReceiverKind.UID, "12345678")),
        ("desk01", AddrType.ADDRESS, Receiver(ReceiverKind.NAME, "desk01")),
        ("A@B.CO", AddrType.ADDRESS, Receiver(ReceiverKind.EMAIL, "a@b.co")),
        ("desk01", AddrType.UID, Rejected(Reason.INTERNAL_ADDRESS_ILLEGAL)),
        ("+8613800000000", AddrType.ADDRESS, Rejected(Reason.INTERNAL_ADDRESS_ILLEGAL)),  # phones: none here
        ("ab", AddrType.ADDRESS, Rejected(Reason.INTERNAL_ADDRESS_ILLEGAL)),
    ],
)
def test_internal_receivers(text: str, kind: AddrType, expected: Receiver | Rejected) -> None:
    assert parse_receiver(text, kind) == expected


def test_daily_quota_includes_this_withdrawal() -> None:
    assert check_quota(Decimal(900), Decimal(100), Decimal(1000)) is None
    assert check_quota(Decimal(900), Decimal("100.01"), Decimal(1000)) == Rejected(
        Reason.WITHDRAWAL_DAILY_LIMIT
    )


def test_sub_accounts_never_withdraw() -> None:
    assert check_sub_account(True) == Rejected(Reason.SUBACCOUNT_NO_DEPOSIT_WITHDRAW)
    assert check_sub_account(False) is None


def test_allow_list_entries_are_checked_like_destinations() -> None:
    assert chain_entry(XRP_CHAIN, XRP_ADDR, "777", "cold") == AllowedAddress(
        "XRP-Ripple", XRP_ADDR, "777", "cold"
    )
    assert chain_entry(XRP_CHAIN, XRP_ADDR) == Rejected(Reason.WITHDRAWAL_TAG_REQUIRED)
    assert chain_entry(TRC20, TRON_ADDR, "12") == Rejected.of(Reason.PARAM_ERROR, field="tag")
    assert chain_entry(TRC20, "bad") == Rejected(Reason.WITHDRAWAL_ADDRESS_INVALID)
    assert internal_entry(" Bob@Example.test ") == AllowedAddress(INTERNAL_CHAIN, "bob@example.test")
    assert internal_entry("1234567") == AllowedAddress(INTERNAL_CHAIN, "1234567")
    assert internal_entry("??") == Rejected(Reason.INTERNAL_ADDRESS_ILLEGAL)
