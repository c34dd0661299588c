"""A withdrawal from the web console: to an allow-listed address only, confirmed by an email code
bound to that very withdrawal (address, currency, amount) and, with 2FA on, a TOTP code.

    web = WebWithdrawals(...)
    await web.send_code(Funder(user_id, env), WebWithdrawal(entry_id=3, ccy="USDT", amount=Decimal(10)))
    await web.withdraw(Funder(user_id, env), ask, totp_code="123456", email_code="654321")

The withdrawal goes through the sequencer, which commits on its own, so the codes cannot be spent
in the same transaction. Instead they are checked (spending nothing), the withdrawal is submitted
with a client id drawn from the email code, and the codes are spent once it is accepted: a refusal
leaves the codes usable and the balances as they were, and the same code used twice (a double
click, a race) answers the first withdrawal through its client id rather than making a second.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import Dest
from sandex.domain.funding.withdrawals import WithdrawRequest
from sandex.domain.money import format_decimal
from sandex.services.accounts.security import Confirmation
from sandex.services.accounts.service import AccountsService
from sandex.services.funding.ports import AddressBook, AllowListRecord, AllowListUnitOfWork
from sandex.services.funding.service import FundingService
from sandex.services.funding.views import Funder, WithdrawalView

PURPOSE = CodePurpose.WITHDRAW.value
WEB_CLIENT_PREFIX = "web"  # client ids of console withdrawals: "web" + 29 hex digits


@dataclass(frozen=True, slots=True)
class WebWithdrawal:
    entry_id: int  # the allow-list entry to send to (on-chain entries only)
    ccy: str
    amount: Decimal


class WebWithdrawals:
    def __init__(
        self,
        funding: FundingService,
        book: AddressBook,
        accounts: AccountsService,
        uow: Callable[[], AllowListUnitOfWork],
    ) -> None:
        self._funding = funding
        self._book = book
        self._accounts = accounts
        self._uow = uow

    async def send_code(self, who: Funder, ask: WebWithdrawal, ip: str | None = None) -> Rejected | None:
        """Check the withdrawal as far as can be without holding money (address, amount, network
        minimum…), then mail the code that confirms this one withdrawal (`ip`: its hourly cap)."""
        entry = await asyncio.to_thread(self._entry, who.user_id, ask.entry_id)
        if isinstance(entry, Rejected):
            return entry
        refused = await self._funding.check_withdrawal(who, _request(ask, entry, client_id=""))
        if refused is not None:
            return refused
        return await asyncio.to_thread(
            self._accounts.send_email_code, who.user_id, PURPOSE, reference(ask), ip=ip
        )

    async def withdraw(
        self, who: Funder, ask: WebWithdrawal, *, totp_code: str | None, email_code: str | None
    ) -> WithdrawalView | Rejected:
        entry = await asyncio.to_thread(self._entry, who.user_id, ask.entry_id)
        if isinstance(entry, Rejected):
            return entry
        checked = await asyncio.to_thread(self._check, who.user_id, ask, totp_code, email_code, False)
        if isinstance(checked, Rejected):
            return checked
        done = await self._funding.withdraw(who, _request(ask, entry, client_id(checked)))
        if isinstance(done, Rejected):
            return done
        await asyncio.to_thread(self._check, who.user_id, ask, totp_code, email_code, True)
        return done

    def _check(
        self, user_id: int, ask: WebWithdrawal, totp_code: str | None, email_code: str | None, spend: bool
    ) -> Confirmation | Rejected:
        """The codes checked in one unit of work; with `spend` also used up and committed (a refusal
        then means a concurrent request with the same code spent them: its withdrawal is this one)."""
        with self._uow() as uow:
            checked = self._accounts.check_sensitive_action(
                uow, user_id, PURPOSE, totp_code=totp_code, email_code=email_code, reference=reference(ask)
            )
            if isinstance(checked, Rejected) or not spend:
                return checked
            used = self._accounts.use_confirmation(uow, checked)
            if used is None:
                uow.commit()
            return checked

    def _entry(self, user_id: int, entry_id: int) -> AllowListRecord | Rejected:
        user = self._accounts.get_user(user_id)
        if user is None:
            return Rejected(Reason.USER_NOT_FOUND)
        if user.is_sub_account:
            return Rejected(Reason.SUBACCOUNT_NO_DEPOSIT_WITHDRAW)
        found = next((r for r in self._book.allow_list(user_id) if r.id == entry_id), None)
        if found is None or not found.entry.chain:  # internal receivers are not offered here
            return Rejected(Reason.WITHDRAW_ADDRESS_UNKNOWN)
        return found


def _request(ask: WebWithdrawal, entry: AllowListRecord, client_id: str) -> WithdrawRequest:
    listed = entry.entry
    to_addr = f"{listed.addr}:{listed.tag}" if listed.tag else listed.addr
    return WithdrawRequest(
        ask.ccy, ask.amount, Dest.ON_CHAIN, to_addr, chain=listed.chain, client_id=client_id
    )


def reference(ask: WebWithdrawal) -> str:
    """What the email code is bound to: this entry, currency and amount (no other withdrawal)."""
    text = f"{ask.entry_id}|{ask.ccy}|{format_decimal(ask.amount)}"
    return "wd:" + hashlib.sha256(text.encode()).hexdigest()[:56]  # references hold up to 64


def client_id(checked: Confirmation) -> str:
    """One client id per email code: a second use of the code answers the first withdrawal."""
    code = checked.email_code
    assert code is not None  # `check_sensitive_action` always asks for the email code
    digest = hashlib.sha256(f"web-withdrawal|{code.id}".encode()).hexdigest()
    return WEB_CLIENT_PREFIX + digest[:29]
