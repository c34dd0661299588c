"""Blocking facades over the async clients, for scripts, notebooks and plain (sync) tests.

    with ControlClient(base_url, token) as control:
        user = control.create_user("bot@example.test")

Each facade runs its async client on an event loop of its own, in a daemon thread, and waits for
every call; so it also works inside a running event loop (e.g. an async test). `close()` (or the
`with` block) stops the thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection, Coroutine, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

import httpx

from sandex.client.control import AsyncControlClient
from sandex.client.models import (
    AccountBalance,
    AccountConfig,
    ApiKey,
    ClockState,
    Credentials,
    Deposit,
    Fault,
    FaultEvent,
    Order,
    OrderAck,
    SwapSettings,
    User,
)
from sandex.client.rest import FINAL_STATES, AsyncOkxClient, Params

T = TypeVar("T")


class _Portal:
    """An event loop in a daemon thread; `run` submits a coroutine and blocks until it is done."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sandex-client", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


class _Facade:
    _portal: _Portal

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine (e.g. of this facade's async client `aio`) on its loop; wait for the result."""
        return self._portal.run(coroutine)

    def __enter__(self: T) -> T:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class OkxClient(_Facade):
    """`AsyncOkxClient`, blocking."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        demo: bool | None = None,
        timeout: float = 10.0,
        time_offset_ms: int = 0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._portal = _Portal()
        self.aio = AsyncOkxClient(
            base_url,
            credentials,
            demo=demo,
            timeout=timeout,
            time_offset_ms=time_offset_ms,
            transport=transport,
        )

    def close(self) -> None:
        try:
            self.run(self.aio.aclose())
        finally:
            self._portal.close()

    def request(
        self, method: str, path: str, params: Params | None = None, body: Any = None, *, signed: bool = True
    ) -> list[Any]:
        return self.run(self.aio.request(method, path, params, body, signed=signed))

    def server_time(self) -> int:
        return self.run(self.aio.server_time())

    def sync_time(self) -> int:
        return self.run(self.aio.sync_time())

    def account_config(self) -> AccountConfig:
        return self.run(self.aio.account_config())

    def balance(self, ccy: str | Sequence[str] | None = None) -> AccountBalance:
        return self.run(self.aio.balance(ccy))

    def place_order(
        self,
        inst_id: str,
        side: str,
        ord_type: str,
        sz: str | Decimal | int,
        *,
        px: str | Decimal | int | None = None,
        cl_ord_id: str | None = None,
        td_mode: str = "cash",
        **extra: Any,
    ) -> OrderAck:
        return self.run(
            self.aio.place_order(
                inst_id, side, ord_type, sz, px=px, cl_ord_id=cl_ord_id, td_mode=td_mode, **extra
            )
        )

    def cancel_order(
        self, inst_id: str, ord_id: str | None = None, *, cl_ord_id: str | None = None
    ) -> OrderAck:
        return self.run(self.aio.cancel_order(inst_id, ord_id, cl_ord_id=cl_ord_id))

    def amend_order(
        self,
        inst_id: str,
        ord_id: str | None = None,
        *,
        cl_ord_id: str | None = None,
        new_sz: str | Decimal | None = None,
        new_px: str | Decimal | None = None,
    ) -> OrderAck:
        return self.run(
            self.aio.amend_order(inst_id, ord_id, cl_ord_id=cl_ord_id, new_sz=new_sz, new_px=new_px)
        )

    def get_order(self, inst_id: str, ord_id: str | None = None, *, cl_ord_id: str | None = None) -> Order:
        return self.run(self.aio.get_order(inst_id, ord_id, cl_ord_id=cl_ord_id))

    def pending_orders(self, inst_id: str | None = None) -> list[Order]:
        return self.run(self.aio.pending_orders(inst_id))

    def wait_for_order(
        self,
        inst_id: str,
        ord_id: str,
        *,
        state: str | Collection[str] = FINAL_STATES,
        timeout: float = 5.0,
        interval: float = 0.05,
    ) -> Order:
        return self.run(
            self.aio.wait_for_order(inst_id, ord_id, state=state, timeout=timeout, interval=interval)
        )


class ControlClient(_Facade):
    """`AsyncControlClient`, blocking."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._portal = _Portal()
        self.aio = AsyncControlClient(base_url, token, timeout=timeout, transport=transport)

    def close(self) -> None:
        try:
            self.run(self.aio.aclose())
        finally:
            self._portal.close()

    def status(self) -> dict[str, Any]:
        return self.run(self.aio.status())

    # users
    def create_user(self, email: str, password: str | None = None) -> User:
        return self.run(self.aio.create_user(email, password))

    def list_users(self) -> list[User]:
        return self.run(self.aio.list_users())

    def get_user(self, uid: str) -> User:
        return self.run(self.aio.get_user(uid))

    def freeze_user(self, uid: str) -> User:
        return self.run(self.aio.freeze_user(uid))

    def unfreeze_user(self, uid: str) -> User:
        return self.run(self.aio.unfreeze_user(uid))

    def create_subaccount(self, uid: str, name: str, label: str = "") -> User:
        return self.run(self.aio.create_subaccount(uid, name, label))

    def list_subaccounts(self, uid: str) -> list[dict[str, Any]]:
        return self.run(self.aio.list_subaccounts(uid))

    # keys
    def create_key(
        self,
        uid: str,
        *,
        perm: str = "read_only",
        ip: str = "",
        label: str | None = None,
        passphrase: str | None = None,
        demo: bool = False,
        expires_ms: int | None = None,
    ) -> ApiKey:
        return self.run(
            self.aio.create_key(
                uid, perm=perm, ip=ip, label=label, passphrase=passphrase, demo=demo, expires_ms=expires_ms
            )
        )

    def list_keys(self, uid: str) -> list[ApiKey]:
        return self.run(self.aio.list_keys(uid))

    def get_key(self, api_key: str) -> ApiKey:
        return self.run(self.aio.get_key(api_key))

    def revoke_key(self, api_key: str) -> ApiKey:
        return self.run(self.aio.revoke_key(api_key))

    def delete_key(self, api_key: str) -> ApiKey:
        return self.run(self.aio.delete_key(api_key))

    # money
    def deposit(
        self, uid: str, ccy: str, amount: str | int | Decimal, *, demo: bool = False, chain: str | None = None
    ) -> Deposit:
        return self.run(self.aio.deposit(uid, ccy, amount, demo=demo, chain=chain))

    def credit_address(
        self, chain: str, addr: str, amount: str | int | Decimal, *, tag: str = "", demo: bool = False
    ) -> dict[str, Any]:
        return self.run(self.aio.credit_address(chain, addr, amount, tag=tag, demo=demo))

    def set_fee_tier(
        self,
        uid: str,
        *,
        maker: str | Decimal | None = None,
        taker: str | Decimal | None = None,
        level: str | None = None,
    ) -> dict[str, str]:
        return self.run(self.aio.set_fee_tier(uid, maker=maker, taker=taker, level=level))

    def reset_fee_tier(self, uid: str) -> dict[str, str]:
        return self.run(self.aio.reset_fee_tier(uid))

    # market
    def market(self, command: str, inst_id: str = "", **args: Any) -> list[dict[str, Any]]:
        return self.run(self.aio.market(command, inst_id, **args))

    def markets(self) -> list[dict[str, Any]]:
        return self.run(self.aio.markets())

    def set_price(self, inst_id: str, px: str | int | Decimal) -> dict[str, Any]:
        return self.run(self.aio.set_price(inst_id, px))

    def shift_price(self, inst_id: str, pct: str | int | Decimal, *, over_ms: int = 0) -> dict[str, Any]:
        return self.run(self.aio.shift_price(inst_id, pct, over_ms=over_ms))

    def freeze_market(self) -> None:
        self.run(self.aio.freeze_market())

    def unfreeze_market(self) -> None:
        self.run(self.aio.unfreeze_market())

    # swaps
    def swap_settings(self, uid: str, *, demo: bool = False) -> SwapSettings:
        return self.run(self.aio.swap_settings(uid, demo=demo))

    def set_account_mode(self, uid: str, mode: str, *, demo: bool = False) -> SwapSettings:
        return self.run(self.aio.set_account_mode(uid, mode, demo=demo))

    def set_position_mode(self, uid: str, mode: str, *, demo: bool = False) -> SwapSettings:
        return self.run(self.aio.set_position_mode(uid, mode, demo=demo))

    def set_leverage(
        self,
        uid: str,
        inst_id: str,
        lever: str | int | Decimal,
        *,
        mgn_mode: str = "cross",
        pos_side: str = "",
        demo: bool = False,
    ) -> dict[str, str]:
        return self.run(
            self.aio.set_leverage(uid, inst_id, lever, mgn_mode=mgn_mode, pos_side=pos_side, demo=demo)
        )

    def force_liquidation(self, uid: str, inst_id: str = "", *, demo: bool = False) -> dict[str, str]:
        return self.run(self.aio.force_liquidation(uid, inst_id, demo=demo))

    def set_mark(self, inst_id: str, px: str | int | Decimal) -> dict[str, Any]:
        return self.run(self.aio.set_mark(inst_id, px))

    def shift_mark(self, inst_id: str, pct: str | int | Decimal, *, over_ms: int = 0) -> dict[str, Any]:
        return self.run(self.aio.shift_mark(inst_id, pct, over_ms=over_ms))

    def freeze_mark(self, inst_id: str, *, frozen: bool = True) -> dict[str, Any]:
        return self.run(self.aio.freeze_mark(inst_id, frozen=frozen))

    def funding_rates(self) -> list[dict[str, Any]]:
        return self.run(self.aio.funding_rates())

    def set_funding_rate(
        self, inst_id: str, rate: str | Decimal | None = None, *, frozen: bool | None = None
    ) -> dict[str, Any]:
        return self.run(self.aio.set_funding_rate(inst_id, rate, frozen=frozen))

    def settle_funding(self, inst_id: str) -> dict[str, Any]:
        return self.run(self.aio.settle_funding(inst_id))

    # clock
    def clock(self) -> ClockState:
        return self.run(self.aio.clock())

    def advance_clock(self, *, ms: int = 0, seconds: float = 0, days: float = 0) -> ClockState:
        return self.run(self.aio.advance_clock(ms=ms, seconds=seconds, days=days))

    def set_clock(self, now_ms: int) -> ClockState:
        return self.run(self.aio.set_clock(now_ms))

    def freeze_clock(self, at_ms: int | None = None) -> ClockState:
        return self.run(self.aio.freeze_clock(at_ms))

    def resume_clock(self) -> ClockState:
        return self.run(self.aio.resume_clock())

    # faults
    def add_fault(self, kind: str, **spec: Any) -> Fault:
        return self.run(self.aio.add_fault(kind, **spec))

    def inject_error(
        self,
        code: str,
        *,
        route: str | None = None,
        api_key: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
        msg: str | None = None,
        latency_ms: int = 0,
    ) -> Fault:
        return self.run(
            self.aio.inject_error(
                code,
                route=route,
                api_key=api_key,
                times=times,
                probability=probability,
                seed=seed,
                msg=msg,
                latency_ms=latency_ms,
            )
        )

    def inject_http(
        self,
        status: int = 502,
        *,
        route: str | None = None,
        api_key: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
        body: str | None = None,
    ) -> Fault:
        return self.run(
            self.aio.inject_http(
                status,
                route=route,
                api_key=api_key,
                times=times,
                probability=probability,
                seed=seed,
                body=body,
            )
        )

    def inject_latency(
        self,
        latency_ms: int,
        *,
        route: str | None = None,
        api_key: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Fault:
        return self.run(
            self.aio.inject_latency(
                latency_ms, route=route, api_key=api_key, times=times, probability=probability, seed=seed
            )
        )

    def faults(self) -> list[Fault]:
        return self.run(self.aio.faults())

    def get_fault(self, fault_id: str) -> Fault:
        return self.run(self.aio.get_fault(fault_id))

    def remove_fault(self, fault_id: str) -> None:
        self.run(self.aio.remove_fault(fault_id))

    def clear_faults(self) -> None:
        self.run(self.aio.clear_faults())

    def fault_events(self, *, since: int = 0, fault_id: str | None = None) -> list[FaultEvent]:
        return self.run(self.aio.fault_events(since=since, fault_id=fault_id))

    # state
    def reset(self, uid: str | None = None) -> float:
        return self.run(self.aio.reset(uid))

    def snapshot(self, name: str) -> None:
        self.run(self.aio.snapshot(name))

    def restore(self, name: str) -> None:
        self.run(self.aio.restore(name))

    def snapshots(self) -> list[str]:
        return self.run(self.aio.snapshots())

    def drop_snapshot(self, name: str) -> None:
        self.run(self.aio.drop_snapshot(name))
