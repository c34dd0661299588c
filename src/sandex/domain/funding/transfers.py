"""`asset/transfer` rules: which key may ask for which transfer type, and where the money goes.

OKX (Funding account → Funds transfer; error table 58xxx):
  type 0  within the caller's own account (funding 6 <-> trading 18): `from` must differ from `to`
  type 1  master -> sub        master key only (a sub key gets 58128); `subAcct` required
  type 2  sub -> master        master key only (58128); `subAcct` required
  type 3  sub -> master        the sub-account's own key only (a master key gets 58127)
  type 4  sub -> sub           the sub-account's own key only (58127); `subAcct` names a sibling under
                               the same master; not itself (59507)
Unknown sub-accounts are 58115, a sub-account without transfer-out permission 58119 (types 3/4),
a frozen sub-account 59508, a `subAcct` given to a type that takes none 58129. Amounts must be
positive (58114), no finer than the currency's smallest unit (51000 `amt`) and are moved exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import AccountType, TransferType
from sandex.domain.ledger.amounts import AMOUNT_DECIMALS, to_amount
from sandex.domain.money import to_units

_T = TransferType
_MASTER_KEY_TYPES = frozenset({_T.MASTER_TO_SUB, _T.SUB_TO_MASTER})
_SUB_KEY_TYPES = frozenset({_T.SUB_TO_MASTER_BY_SUB, _T.SUB_TO_SUB})
_NEEDS_SUB = frozenset({_T.MASTER_TO_SUB, _T.SUB_TO_MASTER, _T.SUB_TO_SUB})
CLIENT_ID = re.compile(r"[A-Za-z0-9]{1,32}")  # OKX: case-sensitive alphanumerics, up to 32


def is_client_id(text: str) -> bool:
    return CLIENT_ID.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Member:
    """A user as transfer rules see it."""

    user_id: int
    master_id: int | None  # None for a master account
    name: str  # the sub-account name; the uid for a master
    can_transfer_out: bool = True
    frozen: bool = False

    @property
    def is_sub(self) -> bool:
        return self.master_id is not None


@dataclass(frozen=True, slots=True)
class TransferRequest:
    type: TransferType
    ccy: str
    amount: Decimal
    src: AccountType  # OKX `from`
    dst: AccountType  # OKX `to`
    sub_acct: str | None = None
    client_id: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    """Where a transfer takes money from and puts it to."""

    src_user: int
    src: AccountType
    dst_user: int
    dst: AccountType
    sub_acct: str  # echoed in transfer-state ("" for type 0 and 3)


def sub_matches_type(request: TransferRequest) -> Rejected | None:
    """Types 1, 2 and 4 name a sub-account (50014 when they do not); types 0 and 3 name none (58129)."""
    if request.type in _NEEDS_SUB and not request.sub_acct:
        return Rejected.of(Reason.PARAM_EMPTY, field="sub_acct")
    if request.type not in _NEEDS_SUB and request.sub_acct:
        return Rejected.of(Reason.TRANSFER_PARAM_MISMATCH, field="sub_acct")
    return None


def key_may_ask(request: TransferRequest, caller: Member) -> Rejected | None:
    """The key's owner decides which types it may use (58127 master key / 58128 sub key)."""
    if caller.is_sub and request.type in _MASTER_KEY_TYPES:
        return Rejected(Reason.TRANSFER_TYPE_NOT_FOR_SUB_KEY)
    if not caller.is_sub and request.type in _SUB_KEY_TYPES:
        return Rejected(Reason.TRANSFER_TYPE_NOT_FOR_MASTER_KEY)
    return None


def route(
    request: TransferRequest, caller: Member, master: Member | None, sub: Member | None
) -> Route | Rejected:
    """The transfer's route, or why it is refused.

    `master` is the caller's master (types 3/4); `sub` is the sub-account `subAcct` names, looked up
    under the right master by the caller (types 1/2: the caller's own; type 4: its siblings), None
    when there is no such sub-account.
    """
    refused = key_may_ask(request, caller) or sub_matches_type(request)
    if refused is not None:
        return refused
    kind = request.type
    if kind is _T.WITHIN:
        if request.src is request.dst:
            return Rejected(Reason.TRANSFER_SAME_ACCOUNT)
        return Route(caller.user_id, request.src, caller.user_id, request.dst, "")
    if kind in _MASTER_KEY_TYPES:
        counterpart = _live_sub(sub)
        if isinstance(counterpart, Rejected):
            return counterpart
        if kind is _T.MASTER_TO_SUB:
            return Route(caller.user_id, request.src, counterpart.user_id, request.dst, counterpart.name)
        return Route(counterpart.user_id, request.src, caller.user_id, request.dst, counterpart.name)
    return _from_sub(request, caller, master, sub)


def _from_sub(
    request: TransferRequest, caller: Member, master: Member | None, sub: Member | None
) -> Route | Rejected:
    if not caller.can_transfer_out:
        return Rejected.of(Reason.TRANSFER_OUT_NOT_ALLOWED, sub=caller.name)
    if request.type is _T.SUB_TO_MASTER_BY_SUB:
        if master is None:
            return Rejected(Reason.TRANSFER_SUBACCOUNT_NOT_FOUND)
        return Route(caller.user_id, request.src, master.user_id, request.dst, "")
    sibling = _live_sub(sub)
    if isinstance(sibling, Rejected):
        return sibling
    if sibling.user_id == caller.user_id:
        return Rejected(Reason.TRANSFER_SUBACCOUNTS_SAME)
    if sibling.master_id != caller.master_id:
        return Rejected(Reason.TRANSFER_SUBACCOUNT_NOT_FOUND)
    return Route(caller.user_id, request.src, sibling.user_id, request.dst, sibling.name)


def _live_sub(sub: Member | None) -> Member | Rejected:
    if sub is None or not sub.is_sub:
        return Rejected(Reason.TRANSFER_SUBACCOUNT_NOT_FOUND)
    if sub.frozen:
        return Rejected.of(Reason.SUBACCOUNT_SUSPENDED, sub=sub.name)
    return sub


def transfer_units(amount: Decimal, decimals: int = AMOUNT_DECIMALS) -> int | Rejected:
    """The amount in ledger units: positive (58114) and no finer than `decimals` (the currency's
    smallest unit) nor the ledger's 1e-18 (51000 `amt`, as a withdrawal finer than `wdTickSz`)."""
    if not amount.is_finite() or amount <= 0:
        return Rejected(Reason.TRANSFER_AMOUNT_INVALID)
    if to_units(amount, Decimal(1).scaleb(-min(decimals, AMOUNT_DECIMALS))) is None:
        return Rejected.of(Reason.PARAM_ERROR, field="amt")
    units = to_amount(amount)
    return Rejected.of(Reason.PARAM_ERROR, field="amt") if units is None else units
