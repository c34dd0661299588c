"""`asset/withdrawal` checks, in the order OKX's codes suggest, before any money is held.

On-chain (`dest` 4): the chain (default: the currency's main chain), the amount (at most `wdTickSz`
decimals, at least `minWd` 58206, at most `maxWd` 58205), the destination (`address:tag` on chains
with tags 58221, an address of the chain's shape 58222) and the allow-list (58203 when empty, else 58207). The
fee is the chain's fixed fee, charged on top of `amt`. Internal (`dest` 3): up to 8 decimals, no fee,
a receiver named by email, sub-account login name (`toAddrType` 1) or uid (2) that is on the
allow-list too. Sub-accounts never withdraw (58209). The daily limit (58201) and the balance (58350)
are checked by the single writer, where concurrent withdrawals cannot both pass.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.addresses import Destination, parse_chain_destination
from sandex.domain.funding.model import AddrType, Dest
from sandex.domain.instruments import Chain, Currency
from sandex.domain.ledger.amounts import to_amount

INTERNAL_DECIMALS = 8  # OKX: "The accuracy of internal transfer withdrawal is 8 decimal places."
DEFAULT_MAX_WD = Decimal("10000000")  # per withdrawal, in the currency (OKX `maxWd`)
DEFAULT_DAILY_QUOTA_USD = Decimal("10000000")  # OKX `wdQuota`: 24 h, on-chain + internal, in USD
INTERNAL_CHAIN = ""  # allow-list entries for internal receivers carry no chain
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NAME = re.compile(r"[A-Za-z0-9]{6,20}")  # sub-account login names
_UID = re.compile(r"[0-9]{1,20}")


@dataclass(frozen=True, slots=True)
class WithdrawRequest:
    ccy: str
    amount: Decimal
    dest: Dest
    to_addr: str
    addr_type: AddrType = AddrType.ADDRESS
    chain: str | None = None  # None: the currency's main chain
    client_id: str = ""


@dataclass(frozen=True, slots=True)
class AllowedAddress:
    """One entry of a user's withdrawal allow-list (managed with 2FA + an email code)."""

    chain: str  # INTERNAL_CHAIN for internal receivers
    addr: str
    tag: str = ""
    label: str = ""

    def matches(self, chain: str, addr: str, tag: str) -> bool:
        return (self.chain, self.addr, self.tag) == (chain, addr, tag)


class ReceiverKind:
    EMAIL = "email"
    NAME = "name"  # a sub-account login name
    UID = "uid"


@dataclass(frozen=True, slots=True)
class Receiver:
    """Who an internal withdrawal names; the service resolves it to a user."""

    kind: str  # ReceiverKind
    value: str  # normalised: emails lower-case


@dataclass(frozen=True, slots=True)
class OnChainPlan:
    chain: Chain
    destination: Destination
    units: int  # ledger units that leave
    fee_units: int  # ledger units charged on top


@dataclass(frozen=True, slots=True)
class InternalPlan:
    receiver: Receiver
    units: int


@dataclass(frozen=True, slots=True)
class Limits:
    max_wd: Decimal = DEFAULT_MAX_WD
    daily_quota_usd: Decimal = DEFAULT_DAILY_QUOTA_USD


DEFAULT_LIMITS = Limits()


def main_chain(currency: Currency) -> Chain | None:
    return currency.chains[0] if currency.chains else None


def find_chain(currency: Currency, name: str | None) -> Chain | Rejected:
    """The named chain of `currency` (51000 `chain` when it has no such chain), else its main one."""
    if name is None:
        chain = main_chain(currency)
    else:
        chain = next((c for c in currency.chains if c.name == name), None)
    return chain if chain is not None else Rejected.of(Reason.PARAM_ERROR, field="chain")


def amount_units(amount: Decimal, decimals: int) -> int | Rejected:
    """A positive amount with at most `decimals` decimals, in ledger units (51000 `amt` otherwise)."""
    try:
        fits = amount.is_finite() and amount > 0 and amount % Decimal(1).scaleb(-decimals) == 0
    except InvalidOperation:
        fits = False
    units = to_amount(amount) if fits else None
    return Rejected.of(Reason.PARAM_ERROR, field="amt") if units is None else units


def plan_on_chain(
    request: WithdrawRequest,
    currency: Currency,
    allow_list: Collection[AllowedAddress],
    limits: Limits = DEFAULT_LIMITS,
) -> OnChainPlan | Rejected:
    chain = find_chain(currency, request.chain)
    if isinstance(chain, Rejected):
        return chain
    units = amount_units(request.amount, chain.wd_tick_sz)
    if isinstance(units, Rejected):
        return units
    if request.amount < chain.min_wd:
        return Rejected(Reason.WITHDRAWAL_BELOW_MIN)
    if request.amount > limits.max_wd:
        return Rejected(Reason.WITHDRAWAL_ABOVE_MAX)
    destination = parse_chain_destination(request.to_addr, chain)
    if isinstance(destination, Rejected):
        return destination
    refused = allowed(allow_list, chain.name, destination.addr, destination.tag)
    if refused is not None:
        return refused
    fee = to_amount(chain.wd_fee)
    assert fee is not None, "catalogue fees are exact"
    return OnChainPlan(chain, destination, units, fee)


def plan_internal(
    request: WithdrawRequest, allow_list: Collection[AllowedAddress], limits: Limits = DEFAULT_LIMITS
) -> InternalPlan | Rejected:
    units = amount_units(request.amount, INTERNAL_DECIMALS)
    if isinstance(units, Rejected):
        return units
    if request.amount > limits.max_wd:
        return Rejected(Reason.WITHDRAWAL_ABOVE_MAX)
    receiver = parse_receiver(request.to_addr, request.addr_type)
    if isinstance(receiver, Rejected):
        return receiver
    refused = allowed(allow_list, INTERNAL_CHAIN, receiver.value, "")
    return refused or InternalPlan(receiver, units)


def parse_receiver(to_addr: str, addr_type: AddrType) -> Receiver | Rejected:
    """An internal receiver: a uid (`toAddrType` 2), else an email or a sub-account login name.
    Phone numbers are not simulated: sandex users have none (58213)."""
    text = to_addr.strip()
    if addr_type is AddrType.UID:
        return Receiver(ReceiverKind.UID, text) if _UID.fullmatch(text) else _illegal()
    if _EMAIL.fullmatch(text):
        return Receiver(ReceiverKind.EMAIL, text.lower())
    if _NAME.fullmatch(text) and not text.isdigit():
        return Receiver(ReceiverKind.NAME, text)
    return _illegal()


def _illegal() -> Rejected:
    return Rejected(Reason.INTERNAL_ADDRESS_ILLEGAL)


def allowed(allow_list: Collection[AllowedAddress], chain: str, addr: str, tag: str) -> Rejected | None:
    if not allow_list:
        return Rejected(Reason.WITHDRAWAL_ADDRESS_MISSING)
    if any(entry.matches(chain, addr, tag) for entry in allow_list):
        return None
    return Rejected(Reason.WITHDRAWAL_ADDRESS_NOT_VERIFIED)


def check_quota(used_usd: Decimal, amount_usd: Decimal, quota_usd: Decimal) -> Rejected | None:
    """The daily limit over the past 24 h, this withdrawal included (58201)."""
    if used_usd + amount_usd > quota_usd:
        return Rejected(Reason.WITHDRAWAL_DAILY_LIMIT)
    return None


def check_sub_account(is_sub: bool) -> Rejected | None:
    return Rejected(Reason.SUBACCOUNT_NO_DEPOSIT_WITHDRAW) if is_sub else None


def internal_entry(addr: str, label: str = "") -> AllowedAddress | Rejected:
    """An allow-list entry for internal withdrawals: an email, a sub-account login name or a uid."""
    text = addr.strip()
    receiver = parse_receiver(text, AddrType.UID if text.isdigit() else AddrType.ADDRESS)
    if isinstance(receiver, Rejected):
        return receiver
    return AllowedAddress(INTERNAL_CHAIN, receiver.value, "", label)


def chain_entry(chain: Chain, addr: str, tag: str = "", label: str = "") -> AllowedAddress | Rejected:
    """An allow-list entry for on-chain withdrawals, checked as a withdrawal to it would be."""
    if tag.strip() and not chain.needs_tag:
        return Rejected.of(Reason.PARAM_ERROR, field="tag")
    text = f"{addr.strip()}:{tag.strip()}" if chain.needs_tag else addr.strip()
    destination = parse_chain_destination(text, chain)
    if isinstance(destination, Rejected):
        return destination
    return AllowedAddress(chain.name, destination.addr, destination.tag, label)
