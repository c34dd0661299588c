"""The withdrawal allow-list: the only destinations `asset/withdrawal` accepts.

Changing it is a sensitive action, as on OKX: an email code (purpose `withdraw_address`, bound to
the exact change through its reference) and, with 2FA on, a fresh TOTP code; both are consumed
only when both are right, and a refused change changes nothing. The codes are spent in the same
commit as the change (only attempt counts are committed before it). Sub-accounts cannot withdraw,
so they have no allow-list (58209). The web console's page calls these methods.

    codes = WithdrawAddressService(...)
    codes.send_add_code(user_id, chain="USDT-TRC20", addr="T...", tag="")
    codes.add(user_id, chain="USDT-TRC20", addr="T...", totp_code="123456", email_code="654321")
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.withdrawals import AllowedAddress, chain_entry, internal_entry
from sandex.domain.instruments import Catalogue
from sandex.services.accounts.service import AccountsService
from sandex.services.funding.ports import AddressBook, AllowListRecord, AllowListUnitOfWork
from sandex.services.funding.views import AllowListView

log = logging.getLogger("sandex.funding")
PURPOSE = CodePurpose.WITHDRAW_ADDRESS.value
LABEL_MAX = 50


class WithdrawAddressService:
    def __init__(
        self,
        uow: Callable[[], AllowListUnitOfWork],
        book: AddressBook,
        accounts: AccountsService,
        catalogue: Catalogue,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._book = book
        self._accounts = accounts
        self._catalogue = catalogue
        self._clock = clock

    def list(self, user_id: int) -> list[AllowListView]:
        return [_view(r) for r in self._book.allow_list(user_id)]

    # --- add -----------------------------------------------------------------------------------
    def send_add_code(
        self, user_id: int, *, chain: str, addr: str, tag: str = "", ip: str | None = None
    ) -> Rejected | None:
        """Mail the code that confirms adding this one address (`chain` "" = an internal receiver);
        `ip`, the client's address, counts against its hourly cap of codes."""
        entry = self._entry(user_id, chain, addr, tag, "")
        if isinstance(entry, Rejected):
            return entry
        return self._accounts.send_email_code(user_id, PURPOSE, add_reference(entry), ip=ip)

    def add(
        self,
        user_id: int,
        *,
        chain: str,
        addr: str,
        tag: str = "",
        label: str = "",
        totp_code: str | None,
        email_code: str | None,
    ) -> AllowListView | Rejected:
        entry = self._entry(user_id, chain, addr, tag, label)
        if isinstance(entry, Rejected):
            return entry
        if any(r.entry.matches(entry.chain, entry.addr, entry.tag) for r in self._book.allow_list(user_id)):
            return Rejected(Reason.WITHDRAW_ADDRESS_EXISTS)
        with self._uow() as uow:
            refused = self._spend_factors(uow, user_id, add_reference(entry), totp_code, email_code)
            if refused is not None:
                return refused
            added = uow.allow_list.add(user_id, entry, self._clock.now_ms())
            if added is None:  # listed meanwhile: the code stays unused
                return Rejected(Reason.WITHDRAW_ADDRESS_EXISTS)
            uow.commit()
        log.info(
            "withdrawal address added user=%s id=%s chain=%s", user_id, added.id, entry.chain or "internal"
        )
        return _view(added)

    def _spend_factors(
        self,
        uow: AllowListUnitOfWork,
        user_id: int,
        reference: str,
        totp_code: str | None,
        email_code: str | None,
    ) -> Rejected | None:
        """Check and spend the change's confirmation in `uow` (committed with the change itself)."""
        checked = self._accounts.check_sensitive_action(
            uow, user_id, PURPOSE, totp_code=totp_code, email_code=email_code, reference=reference
        )
        if isinstance(checked, Rejected):
            return checked
        return self._accounts.use_confirmation(uow, checked)

    def _entry(self, user_id: int, chain: str, addr: str, tag: str, label: str) -> AllowedAddress | Rejected:
        user = self._accounts.get_user(user_id)
        if user is None:
            return Rejected(Reason.USER_NOT_FOUND)
        if user.is_sub_account:
            return Rejected(Reason.SUBACCOUNT_NO_DEPOSIT_WITHDRAW)
        if len(label) > LABEL_MAX or not label.isprintable():
            return Rejected.of(Reason.PARAM_ERROR, field="label")
        if not chain:
            entry = internal_entry(addr, label)
        else:
            found = next(
                (c for cur in self._catalogue.currencies.values() for c in cur.chains if c.name == chain),
                None,
            )
            if found is None:
                return Rejected.of(Reason.PARAM_ERROR, field="chain")
            entry = chain_entry(found, addr, tag, label)
        return entry

    # --- remove --------------------------------------------------------------------------------
    def send_remove_code(self, user_id: int, entry_id: int, ip: str | None = None) -> Rejected | None:
        if self._find(user_id, entry_id) is None:
            return Rejected(Reason.WITHDRAW_ADDRESS_UNKNOWN)
        return self._accounts.send_email_code(user_id, PURPOSE, remove_reference(entry_id), ip=ip)

    def remove(
        self, user_id: int, entry_id: int, *, totp_code: str | None, email_code: str | None
    ) -> Rejected | None:
        if self._find(user_id, entry_id) is None:
            return Rejected(Reason.WITHDRAW_ADDRESS_UNKNOWN)
        with self._uow() as uow:
            refused = self._spend_factors(uow, user_id, remove_reference(entry_id), totp_code, email_code)
            if refused is not None:
                return refused
            if not uow.allow_list.remove(user_id, entry_id):  # removed meanwhile: the code stays unused
                return Rejected(Reason.WITHDRAW_ADDRESS_UNKNOWN)
            uow.commit()
        log.info("withdrawal address removed user=%s id=%s", user_id, entry_id)
        return None

    def _find(self, user_id: int, entry_id: int) -> AllowListRecord | None:
        return next((r for r in self._book.allow_list(user_id) if r.id == entry_id), None)


def add_reference(entry: AllowedAddress) -> str:
    """What an email code for adding `entry` is bound to: a code for one address adds no other.
    A digest, because addresses can be longer than a code's reference may be (64)."""
    digest = hashlib.sha256(f"{entry.chain}|{entry.addr}|{entry.tag}".encode()).hexdigest()
    return f"add:{digest[:56]}"


def remove_reference(entry_id: int) -> str:
    return f"remove:{entry_id}"


def _view(r: AllowListRecord) -> AllowListView:
    e = r.entry
    return AllowListView(str(r.id), e.chain, e.addr, e.tag, e.label, r.created_ms)
