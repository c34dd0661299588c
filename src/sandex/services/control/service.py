"""The control plane's use cases: users, keys, money, the clock, faults, reset and snapshots.

Used by the control API (`/sandex/v1/...`), hence by the CLI and the pytest plugin. Operators act
on any account: keys made here are active at once and their secret is returned once. Refusals are
`Rejected` values naming the field, and change nothing.

User and key calls are synchronous and may block (database, argon2): the transport runs them in a
worker thread. Deposits, reset and restore are async: they wait on the trading service, on the
background writers they pause (`Pausable`) and on what they reset (`Resettable`: caches and
budgets that mirror the database).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, cast

from sandex.domain.accounts.model import Environment, UserStatus
from sandex.domain.accounts.rules import check_password
from sandex.domain.clock import is_valid_time
from sandex.domain.errors import Reason, Rejected
from sandex.domain.faults import FaultInjector
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.money import parse_decimal
from sandex.services.accounts.events import UserStatusChanged
from sandex.services.accounts.service import AccountsService, SubAccountView, UserView
from sandex.services.control.ports import (
    ClockControl,
    Depositor,
    Pausable,
    Publisher,
    Resettable,
    StateReplaced,
    StateStore,
)
from sandex.services.exchange.commands import CommandBus, CommandError
from sandex.services.exchange.market_words import market_command
from sandex.services.keys.service import KeysService
from sandex.services.keys.views import CreatedKey, KeyInfo
from sandex.services.ports import RandomSource
from sandex.services.simulation.board import InstrumentMarket

log = logging.getLogger("sandex.control")
_PASSWORD_DRAWS = 100  # a refused draw is ~1 in 200; a hundred in a row does not happen

SNAPSHOTS_KEPT = 32
CCY_MAX = 16


@dataclass(frozen=True, slots=True)
class CreatedUser:
    user: UserView
    password: str | None = field(default=None, repr=False)  # set when sandex chose it: shown once


@dataclass(frozen=True, slots=True)
class NewKey:
    """A control-API key request; what is left out, sandex chooses (label, passphrase)."""

    label: str | None = None
    passphrase: str | None = field(default=None, repr=False)
    perm: str = "read_only"
    ip: str = ""
    demo: bool = False
    expires_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class ClockView:
    now_ms: int
    frozen: bool
    offset_ms: int  # how far sandex time is from real time (while running)


class ChainDepositor(Protocol):
    """Chain deposits that move through OKX's states (`FundingService`)."""

    async def credit_address(
        self, environment: Environment, chain_name: str, addr: str, tag: str, amount: Decimal, tx_id: str = ""
    ) -> Any: ...

    async def simulate_deposit(
        self, user_id: int, environment: Environment, ccy: str, amount: Decimal, chain: str | None = None
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class DepositDone:
    uid: str
    environment: Environment
    ccy: str
    amount: Decimal
    result: Any  # what the trading service answered (e.g. a bill)


class ControlService:
    def __init__(
        self,
        *,
        accounts: AccountsService,
        keys: KeysService,
        clock: ClockControl,
        faults: FaultInjector,
        store: StateStore,
        random: RandomSource,
        depositor: Depositor | None = None,
        publisher: Publisher | None = None,
        market: CommandBus | None = None,  # the writer: it applies market commands to the market
        funding: ChainDepositor | None = None,
        pausing: Sequence[Pausable] = (),
        resetting: Sequence[Resettable] = (),
    ) -> None:
        self._accounts = accounts
        self._keys = keys
        self._clock = clock
        self.faults = faults
        self._store = store
        self._random = random
        self._depositor = depositor
        self._publisher = publisher
        self._market = market
        self._funding = funding
        self._pausing = tuple(pausing)  # paused around every wipe or restore, the first outermost
        self._resetting = tuple(resetting)  # reset after every wipe or restore
        self._snapshots: dict[str, object] = {}

    @property
    def can_deposit(self) -> bool:
        return self._depositor is not None

    @property
    def can_chain_deposit(self) -> bool:
        return self._depositor is not None and self._funding is not None

    # --- users -----------------------------------------------------------------------------------
    def create_user(self, email: str, password: str | None = None) -> CreatedUser | Rejected:
        chosen = password is None
        secret = self._new_password(email) if password is None else password
        user = self._accounts.register(email, secret)
        if isinstance(user, Rejected):
            return user
        return CreatedUser(user, secret if chosen else None)

    def get_user(self, uid: str) -> UserView | Rejected:
        user = self._accounts.get_user_by_uid(uid)
        return Rejected.of(Reason.USER_NOT_FOUND) if user is None else user

    def list_users(self, limit: int = 1000) -> list[UserView]:
        return self._accounts.list_users(limit)

    def set_user_status(self, uid: str, status: UserStatus) -> UserView | Rejected:
        user = self.get_user(uid)
        if isinstance(user, Rejected):
            return user
        changed = self._accounts.set_status(user.id, status)
        if self._publisher is not None:
            self._publisher.publish(UserStatusChanged(user.id))  # cached key owners are re-read at once
        return changed

    def create_subaccount(self, master_uid: str, name: str, label: str = "") -> UserView | Rejected:
        master = self.get_user(master_uid)
        if isinstance(master, Rejected):
            return master
        return self._accounts.create_subaccount(master.id, name, label)

    def list_subaccounts(self, master_uid: str) -> list[SubAccountView] | Rejected:
        master = self.get_user(master_uid)
        if isinstance(master, Rejected):
            return master
        return self._accounts.list_subaccounts(master.id)

    # --- keys ------------------------------------------------------------------------------------
    def create_key(self, uid: str, new: NewKey) -> CreatedKey | Rejected:
        user = self.get_user(uid)
        if isinstance(user, Rejected):
            return user
        label = new.label if new.label is not None else f"key-{self._random.token_bytes(4).hex()}"
        passphrase = new.passphrase if new.passphrase is not None else self._new_passphrase()
        request = CreateKeyRequest(label, passphrase, new.perm, new.ip, new.expires_at_ms)
        environment = Environment.DEMO if new.demo else Environment.LIVE
        return self._keys.create(user.id, request, environment=environment)

    def list_keys(self, uid: str) -> list[KeyInfo] | Rejected:
        user = self.get_user(uid)
        if isinstance(user, Rejected):
            return user
        return self._keys.list(user.id)

    def get_key(self, api_key: str) -> KeyInfo | Rejected:
        info = self._keys.get(api_key)
        return Rejected.of(Reason.KEY_DOES_NOT_EXIST, field="apiKey") if info is None else info

    def revoke_key(self, api_key: str) -> KeyInfo | Rejected:
        return self._keys.revoke(api_key)

    def delete_key(self, api_key: str) -> KeyInfo | Rejected:
        return self._keys.delete(api_key)

    # --- money -----------------------------------------------------------------------------------
    async def set_fee_tier(
        self, uid: str, *, maker: str | None = None, taker: str | None = None, level: str | None = None
    ) -> FeeTier | Rejected:
        """The user's own maker/taker rates (decimal strings, e.g. "0.0002"; a missing one keeps the
        default's) and level name, live and demo, from their next fill on; nothing given: the default."""
        if self._depositor is None:
            raise RuntimeError("fee tiers need the trading service")
        maker_rate, taker_rate = _rate(maker, "maker"), _rate(taker, "taker")
        if isinstance(maker_rate, Rejected):
            return maker_rate
        if isinstance(taker_rate, Rejected):
            return taker_rate
        user = await asyncio.to_thread(self.get_user, uid)
        if isinstance(user, Rejected):
            return user
        tier = await self._depositor.set_fee_tier(user.id, maker_rate, taker_rate, level)
        if isinstance(tier, Rejected):
            return tier
        assert isinstance(tier, FeeTier)
        log.info("fee tier uid=%s level=%s maker=%s taker=%s", uid, tier.level, tier.maker, tier.taker)
        return tier

    async def deposit(
        self, uid: str, ccy: str, amount: str, *, demo: bool = False, chain: str | None = None
    ) -> DepositDone | Rejected:
        """Credit `amount` of `ccy` to the user (needs the trading service: see `can_deposit`). With
        `chain`, a chain deposit to the user's own address that moves through OKX's states."""
        if self._depositor is None or (chain is not None and self._funding is None):
            raise RuntimeError("deposits need the trading and funding services")
        value = _positive_amount(amount)
        if isinstance(value, Rejected):
            return value
        code = ccy.strip().upper()
        if not code or len(code) > CCY_MAX or not code.isalnum():
            return Rejected.of(Reason.PARAM_ERROR, field="ccy")
        user = await asyncio.to_thread(self.get_user, uid)
        if isinstance(user, Rejected):
            return user
        environment = Environment.DEMO if demo else Environment.LIVE
        if chain is not None and self._funding is not None:
            result = await self._funding.simulate_deposit(user.id, environment, code, value, chain.strip())
        else:
            result = await self._depositor.deposit(user.id, environment, code, value)
        if isinstance(result, Rejected):
            return result
        log.info("deposit uid=%s ccy=%s amount=%s env=%s", uid, code, value, environment.value)
        return DepositDone(uid, environment, code, value, result)

    async def credit_address(
        self, chain: str, addr: str, tag: str, amount: str, *, demo: bool = False
    ) -> Any | Rejected:
        """A chain deposit to an address sandex handed out (`asset/deposit-address`): the deposit
        record, waiting for the chain's confirmations."""
        if self._funding is None:
            raise RuntimeError("chain deposits need the funding service")
        value = _positive_amount(amount)
        if isinstance(value, Rejected):
            return value
        if not chain.strip() or not addr.strip():
            return Rejected.of(Reason.PARAM_ERROR, field="chain" if not chain.strip() else "addr")
        environment = Environment.DEMO if demo else Environment.LIVE
        name = chain.strip()
        result = await self._funding.credit_address(environment, name, addr.strip(), tag.strip(), value)
        if not isinstance(result, Rejected):
            log.info("chain deposit chain=%s amount=%s env=%s", chain.strip(), value, environment.value)
        return result

    # --- market ----------------------------------------------------------------------------------
    async def market_command(self, args: Mapping[str, Any]) -> list[InstrumentMarket] | Rejected:
        """A market control given as words (`services.exchange.market_words`): set or shift a price,
        freeze, halt, drain or widen; applied by the writer, like the same commands from `sandex market …`."""
        if self._market is None:
            raise RuntimeError("the market controls are not wired")
        command = market_command(args)
        if isinstance(command, Rejected):
            return command
        try:
            outcome = await self._market.submit(command)
        except CommandError:  # the writer is stopped (a reset is under way) or its batch failed
            return Rejected(Reason.SYSTEM_ERROR)
        return cast("list[InstrumentMarket] | Rejected", outcome)

    # --- clock -----------------------------------------------------------------------------------
    def clock(self) -> ClockView:
        return ClockView(self._clock.now_ms(), self._clock.frozen, self._clock.offset_ms)

    # A time every timestamp can still be written with (or 51000 naming the field): a clock moved
    # past it would make every later order, bill and signature check fail.
    def advance_clock(self, ms: int) -> ClockView | Rejected:
        if not is_valid_time(self._clock.now_ms() + ms):
            return Rejected.of(Reason.PARAM_ERROR, field="ms")
        self._clock.advance(ms)
        return self.clock()

    def set_clock(self, now_ms: int) -> ClockView | Rejected:
        """Jump to `now_ms`; a frozen clock stays frozen there, a running one runs on from it."""
        if not is_valid_time(now_ms):
            return Rejected.of(Reason.PARAM_ERROR, field="now_ms")
        self._clock.advance(now_ms - self._clock.now_ms())
        return self.clock()

    def freeze_clock(self, at_ms: int | None = None) -> ClockView | Rejected:
        if at_ms is not None and not is_valid_time(at_ms):
            return Rejected.of(Reason.PARAM_ERROR, field="at_ms")
        self._clock.freeze(at_ms)
        return self.clock()

    def resume_clock(self) -> ClockView:
        self._clock.resume()
        return self.clock()

    # --- reset and snapshots ----------------------------------------------------------------------
    async def reset(self) -> None:
        """Everything back to a fresh start: no users, keys, orders or balances; no faults; real time."""
        self.faults.clear()
        self._clock.reset()
        await self._change(self._store.wipe, StateReplaced())
        log.info("reset: everything")

    async def reset_user(self, uid: str) -> UserView | Rejected:
        """The user keeps its login; its keys, sub-accounts, orders and balances go."""
        user = await asyncio.to_thread(self.get_user, uid)
        if isinstance(user, Rejected):
            return user
        await self._change(lambda: self._store.wipe_user(user.id), StateReplaced(uid))
        log.info("reset: user uid=%s", uid)
        return user

    def snapshot_names(self) -> list[str]:
        return list(self._snapshots)

    async def snapshot(self, name: str) -> Rejected | None:
        if not name or len(name) > 64 or not name.isprintable():
            return Rejected.of(Reason.PARAM_ERROR, field="name")
        if name not in self._snapshots and len(self._snapshots) >= SNAPSHOTS_KEPT:
            return Rejected.of(Reason.PARAM_COUNT_EXCEEDED, field="snapshots", limit=str(SNAPSHOTS_KEPT))
        self._snapshots[name] = await asyncio.to_thread(self._store.snapshot)
        return None

    async def restore(self, name: str) -> Rejected | None:
        copy = self._snapshots.get(name)
        if copy is None:
            return Rejected.of(Reason.NOT_FOUND, field="name")
        await self._change(lambda: self._store.restore(copy), StateReplaced())
        log.info("restored snapshot %s", name)
        return None

    def drop_snapshot(self, name: str) -> bool:
        return self._snapshots.pop(name, None) is not None

    async def _change(self, change: Callable[[], None], event: StateReplaced) -> None:
        """Change the stored state with every background writer paused, and reset what mirrored it
        before they resume (the exchange's writer must not publish to an old account's owner); then
        tell every subscriber through the event."""
        async with AsyncExitStack() as stack:
            for writer in self._pausing:
                await stack.enter_async_context(writer.paused())
            await asyncio.to_thread(change)
            for mirror in self._resetting:
                outcome = mirror.reset()
                if inspect.isawaitable(outcome):
                    await outcome
        if self._publisher is not None:
            self._publisher.publish(event)

    # --- helpers ---------------------------------------------------------------------------------
    def _new_password(self, email: str) -> str:
        """A password the policy accepts for `email`: random hex can spell an address's local part
        ("bad@…" in about 1 of 200), so a refused one is drawn again."""
        for _ in range(_PASSWORD_DRAWS):
            candidate = f"Pw{self._random.token_bytes(12).hex()}X9"
            if check_password(candidate, email) is None:
                break
        return candidate

    def _new_passphrase(self) -> str:
        return f"Pp#{self._random.token_bytes(8).hex()}Z7"


def _rate(text: str | None, name: str) -> Decimal | Rejected | None:
    if text is None:
        return None
    rate = parse_decimal(text)
    return Rejected.of(Reason.PARAM_ERROR, field=name) if rate is None else rate


def _positive_amount(text: str) -> Decimal | Rejected:
    value = parse_decimal(text) if isinstance(text, str) else None
    if value is None or value <= 0:
        return Rejected.of(Reason.PARAM_ERROR, field="amount")
    return value
