"""Funding use cases: transfers, withdrawals, deposits. Money moves only through the sequencer.

The REST transport calls this (contract in `funding_views`):

    await funding.transfer(who, TransferRequest(...))        -> TransferView | Rejected
    await funding.withdraw(who, WithdrawRequest(...))        -> WithdrawalView | Rejected
    await funding.cancel_withdrawal(who, "20000001")         -> str (wdId) | Rejected
    funding.balances(who) / valuation / transfer_state / deposit_history / withdrawal_history / bills
    funding.deposit_addresses(who, uid, "USDT")              -> list[AddressView] | Rejected

Operators, the control API, the console faucet and tests:

    await funding.credit_address(env, chain, addr, tag, amount)   a chain deposit to an address
    await funding.simulate_deposit(user_id, env, "USDT", amount)  the same, to the user's own address
    await funding.fail_withdrawal(env, wd_id)                     the chain rejects a withdrawal
    await funding.advance(env)                                    move states on (the clock task does it)

Checks that need only the request and the catalogue run first, then lookups (users, allow-list),
then the sequencer decides what depends on exchange state (balance, daily limit, client ids): a
refusal anywhere changes nothing. A client id already used answers the first result at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from decimal import Decimal
from typing import Protocol, TypeVar

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding import transfers, withdrawals
from sandex.domain.funding.addresses import deposit_address
from sandex.domain.funding.lifecycle import unlock_confirmations
from sandex.domain.funding.model import Dest, WithdrawalState
from sandex.domain.funding.transfers import Member, TransferRequest
from sandex.domain.funding.withdrawals import (
    InternalPlan,
    OnChainPlan,
    Receiver,
    ReceiverKind,
    WithdrawRequest,
    amount_units,
)
from sandex.domain.instruments import Chain
from sandex.services.accounts.service import AccountsService
from sandex.services.accounts.views import UserView
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import (
    AdvanceFunding,
    CancelWithdrawal,
    ChainDeposit,
    CommandError,
    FailWithdrawal,
    FundingCommand,
    Transfer,
    Withdraw,
)
from sandex.services.exchange.funding import FundingState
from sandex.services.exchange.records import (
    DepositRecord,
    LedgerAccountKind,
    TransferRecord,
    WithdrawalRecord,
)
from sandex.services.funding.reads import (
    FundingDeps,
    FundingReads,
    deposit_view,
    ledger_kind,
    transfer_view,
    withdrawal_view,
)
from sandex.services.funding.views import DepositView, Funder, TransferView, WithdrawalView

_FUNDING = LedgerAccountKind.FUNDING
T = TypeVar("T")


class FundingBus(Protocol):
    def submit(self, command: FundingCommand) -> Awaitable[object]:
        """Apply `command` in order with every other; returns once its effects are committed."""
        ...


class FundingService(FundingReads):
    def __init__(
        self,
        deps: FundingDeps,
        core: FundingState,
        bus: FundingBus,
        accounts: AccountsService,
        ledger_accounts: LedgerAccounts,
    ) -> None:
        super().__init__(deps)
        self._core = core
        self._bus = bus
        self._accounts = accounts
        self._ledger_accounts = ledger_accounts

    # --- transfers -----------------------------------------------------------------------------
    async def transfer(self, who: Funder, request: TransferRequest) -> TransferView | Rejected:
        currency = self._deps.catalogue.currency(request.ccy)
        if currency is None:
            return Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
        units = transfers.transfer_units(request.amount, currency.unit_decimals)
        if isinstance(units, Rejected):
            return units
        first = self._core.transfer_for_client(who.environment, who.user_id, request.client_id)
        if first is not None:
            return transfer_view(first)
        command = await asyncio.to_thread(self._transfer_command, who, request, units)
        if isinstance(command, Rejected):
            return command
        outcome = await self._submit(command)
        return outcome if isinstance(outcome, Rejected) else transfer_view(_as(outcome, TransferRecord))

    def _transfer_command(self, who: Funder, request: TransferRequest, units: int) -> Transfer | Rejected:
        caller = self._accounts.get_user(who.user_id)
        if caller is None:
            return Rejected(Reason.USER_NOT_FOUND)
        master = self._accounts.get_user(caller.master_id) if caller.master_id is not None else None
        sub = self._named_sub(caller, request)
        path = transfers.route(
            request, _member(caller), _member(master) if master else None, _member(sub) if sub else None
        )
        if isinstance(path, Rejected):
            return path
        env = who.environment
        return Transfer(
            env,
            who.user_id,
            request.type,
            request.ccy,
            units,
            path.src_user,
            path.src,
            self._ledger_accounts.ensure(path.src_user, env, ledger_kind(path.src)),
            path.dst_user,
            path.dst,
            self._ledger_accounts.ensure(path.dst_user, env, ledger_kind(path.dst)),
            path.sub_acct,
            request.client_id,
        )

    def _named_sub(self, caller: UserView, request: TransferRequest) -> UserView | None:
        """The sub-account `subAcct` names: among the caller's own (master key) or its siblings."""
        if not request.sub_acct:
            return None
        master_id = caller.master_id if caller.is_sub_account else caller.id
        found = None if master_id is None else self._accounts.get_subaccount(master_id, request.sub_acct)
        return None if found is None or isinstance(found, Rejected) else found

    # --- withdrawals ---------------------------------------------------------------------------
    async def withdraw(self, who: Funder, request: WithdrawRequest) -> WithdrawalView | Rejected:
        refused = withdrawals.check_sub_account(who.is_sub)
        if refused is not None:
            return refused
        if self._deps.catalogue.currency(request.ccy) is None:
            return Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
        first = self._core.withdrawal_for_client(who.environment, who.user_id, request.client_id)
        if first is not None:
            return withdrawal_view(first)
        command = await asyncio.to_thread(self._withdraw_command, who, request)
        if isinstance(command, Rejected):
            return command
        outcome = await self._submit(command)
        return outcome if isinstance(outcome, Rejected) else withdrawal_view(_as(outcome, WithdrawalRecord))

    async def check_withdrawal(self, who: Funder, request: WithdrawRequest) -> Rejected | None:
        """What `withdraw` would refuse before the sequencer (everything but the balance and the
        daily limit), holding nothing: the console checks a withdrawal before mailing its code."""
        refused = withdrawals.check_sub_account(who.is_sub)
        if refused is not None:
            return refused
        if self._deps.catalogue.currency(request.ccy) is None:
            return Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
        command = await asyncio.to_thread(self._withdraw_command, who, request)
        return command if isinstance(command, Rejected) else None

    def _withdraw_command(self, who: Funder, request: WithdrawRequest) -> Withdraw | Rejected:
        currency = self._deps.catalogue.currency(request.ccy)
        sender = self._accounts.get_user(who.user_id)
        if currency is None or sender is None:
            return Rejected(Reason.USER_NOT_FOUND)
        allow_list = [r.entry for r in self._deps.addresses.allow_list(who.user_id)]
        limits = self._deps.limits
        if request.dest is Dest.ON_CHAIN:
            plan: OnChainPlan | InternalPlan | Rejected = withdrawals.plan_on_chain(
                request, currency, allow_list, limits
            )
        else:
            plan = withdrawals.plan_internal(request, allow_list, limits)
        if isinstance(plan, Rejected):
            return plan
        price = self._deps.prices.usd_price(request.ccy) or Decimal(0)
        env, from_text = who.environment, sender.email or sender.sub_name or sender.uid
        account = self._ledger_accounts.ensure(who.user_id, env, _FUNDING)
        common = (env, who.user_id, account, request.ccy)
        if isinstance(plan, OnChainPlan):
            return Withdraw(
                *common,
                plan.chain.name,
                plan.units,
                plan.fee_units,
                Dest.ON_CHAIN,
                plan.destination.addr,
                plan.destination.tag,
                request.addr_type,
                request.amount * price,
                limits.daily_quota_usd,
                from_text,
                client_id=request.client_id,
            )
        receiver = self._receiver(sender, plan.receiver)
        if isinstance(receiver, Rejected):
            return receiver
        return Withdraw(
            *common,
            "",
            plan.units,
            0,
            Dest.INTERNAL,
            request.to_addr.strip(),
            "",
            request.addr_type,
            request.amount * price,
            limits.daily_quota_usd,
            from_text,
            receiver.id,
            self._ledger_accounts.ensure(receiver.id, env, _FUNDING),
            request.client_id,
        )

    def _receiver(self, sender: UserView, receiver: Receiver) -> UserView | Rejected:
        """The user an internal withdrawal names; sub-account names are looked up among the sender's."""
        if receiver.kind == ReceiverKind.EMAIL:
            found = self._accounts.get_user_by_email(receiver.value)
        elif receiver.kind == ReceiverKind.UID:
            found = self._accounts.get_user_by_uid(receiver.value)
        else:
            named = self._accounts.get_subaccount(sender.id, receiver.value)
            found = None if isinstance(named, Rejected) else named
        if found is None or found.id == sender.id:
            return Rejected(Reason.INTERNAL_RECIPIENT_NOT_FOUND)
        return found

    async def cancel_withdrawal(self, who: Funder, wd_id: str) -> str | Rejected:
        """Cancel a withdrawal still waiting (state 0); answers its id (OKX: accepted, see history)."""
        wanted = int(wd_id) if wd_id.isascii() and wd_id.isdigit() and len(wd_id) <= 19 else None
        if wanted is None:
            return Rejected.of(Reason.PARAM_ERROR, field="wd_id")
        record = await asyncio.to_thread(self._deps.store.withdrawal, who.environment, who.user_id, wanted)
        if record is None:
            return Rejected(Reason.WITHDRAWAL_NOT_FOUND)
        if record.state is WithdrawalState.CANCELED:
            return Rejected(Reason.WITHDRAWAL_ALREADY_CANCELED)
        if record.state.is_final:
            return Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE)
        outcome = await self._submit(CancelWithdrawal(who.environment, who.user_id, wanted))
        return outcome if isinstance(outcome, Rejected) else wd_id

    async def fail_withdrawal(self, environment: Environment, wd_id: int) -> WithdrawalView | Rejected:
        """The simulated chain rejects a withdrawal that has not finished: its hold comes back."""
        outcome = await self._submit(FailWithdrawal(environment, wd_id))
        return outcome if isinstance(outcome, Rejected) else withdrawal_view(_as(outcome, WithdrawalRecord))

    # --- deposits ------------------------------------------------------------------------------
    async def credit_address(
        self, environment: Environment, chain_name: str, addr: str, tag: str, amount: Decimal, tx_id: str = ""
    ) -> DepositView | Rejected:
        """A chain deposit of `amount` to a deposit address sandex handed out (58301 otherwise). It
        is credited after the chain's confirmations and withdrawable after twice as many."""
        owner = await asyncio.to_thread(self._deps.addresses.find_address, environment, chain_name, addr, tag)
        if owner is None:
            return Rejected(Reason.DEPOSIT_ADDRESS_NOT_FOUND)
        chain, ccy = self._chain(chain_name)
        if chain is None:
            return Rejected.of(Reason.PARAM_ERROR, field="chain")
        units = amount_units(amount, chain.wd_tick_sz)
        if isinstance(units, Rejected) or amount < chain.min_dep:
            return Rejected.of(Reason.PARAM_ERROR, field="amt")
        account = await asyncio.to_thread(self._ledger_accounts.ensure, owner.user_id, environment, _FUNDING)
        arrival = chain.confirmations
        command = ChainDeposit(
            environment,
            owner.user_id,
            account,
            ccy,
            chain.name,
            units,
            addr,
            tag,
            arrival,
            unlock_confirmations(arrival),
            tx_id,
        )
        outcome = await self._submit(command)
        if isinstance(outcome, Rejected):
            return outcome
        return deposit_view(_as(outcome, DepositRecord), self._deps.clock.now_ms(), self._deps.timing)

    async def simulate_deposit(
        self,
        user_id: int,
        environment: Environment,
        ccy: str,
        amount: Decimal,
        chain: str | None = None,
        *,
        tx_id: str = "",
    ) -> DepositView | Rejected:
        """A chain deposit to the user's own address (the console faucet, tests, `sandex deposit --chain`,
        which picks `tx_id` to find the deposit afterwards)."""
        user = await asyncio.to_thread(self._accounts.get_user, user_id)
        currency = self._deps.catalogue.currency(ccy)
        if user is None:
            return Rejected(Reason.USER_NOT_FOUND)
        if currency is None:
            return Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
        picked = withdrawals.find_chain(currency, chain)
        if isinstance(picked, Rejected):
            return picked
        who = Funder(user.id, environment, user.is_sub_account)
        await asyncio.to_thread(self.deposit_addresses, who, user.uid, ccy)  # remembers the address
        address = deposit_address(self._deps.address_secret, environment.value, user.uid, picked)
        return await self.credit_address(
            environment, picked.name, address.addr, address.tag or "", amount, tx_id
        )

    # --- the clock -----------------------------------------------------------------------------
    async def advance(self, environment: Environment | None = None) -> int:
        """Move due withdrawals and deposits on; answers how many changed state."""
        moved = 0
        for env in [environment] if environment is not None else list(Environment):
            outcome = await self._submit(AdvanceFunding(env))
            moved += outcome if isinstance(outcome, int) else 0
        return moved

    def next_due_ms(self, environment: Environment) -> int | None:
        return self._core.next_due_ms(environment)

    # --- plumbing ------------------------------------------------------------------------------
    async def _submit(self, command: FundingCommand) -> object:
        try:
            return await self._bus.submit(command)
        except CommandError:
            return Rejected(Reason.SYSTEM_ERROR)

    def _chain(self, chain_name: str) -> tuple[Chain | None, str]:
        for currency in self._deps.catalogue.currencies.values():
            for chain in currency.chains:
                if chain.name == chain_name:
                    return chain, currency.ccy
        return None, ""


def _member(user: UserView) -> Member:
    name = user.sub_name or user.uid
    frozen = user.status is UserStatus.FROZEN
    return Member(user.id, user.master_id, name, user.can_transfer_out, frozen)


def _as(value: object, kind: type[T]) -> T:
    assert isinstance(value, kind), f"expected {kind.__name__}, got {value!r}"
    return value
