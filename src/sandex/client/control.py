"""An async client for sandex's control API (`/sandex/v1/...`): users, keys, money, clock, faults, reset.

    async with AsyncControlClient(base_url, admin_token) as control:
        user = await control.create_user("bot@example.test")
        key = await control.create_key(user.uid, perm="read_only,trade")
        await control.deposit(user.uid, "USDT", "10000")
        await control.inject_error("50011", route="POST /api/v5/trade/order", times=2)

The admin token is in the server's data dir (`admin-token`, see `AsyncControlClient.token_from`) or
its settings. A refusal raises `ControlError`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from sandex.client.control_swaps import SwapCalls
from sandex.client.errors import ControlError, HttpError
from sandex.client.models import ApiKey, ClockState, Deposit, Fault, FaultEvent, User

PREFIX = "/sandex/v1"
ADMIN_TOKEN_FILE = "admin-token"  # noqa: S105 - a file name


class AsyncControlClient(SwapCalls):
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + PREFIX,
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {token}"},
        )

    @staticmethod
    def token_from(data_dir: str | Path) -> str:
        """The admin token a server with this data dir made on its first start."""
        return (Path(data_dir) / ADMIN_TOKEN_FILE).read_text(encoding="ascii").strip()

    async def __aenter__(self) -> AsyncControlClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """The decoded JSON answer; raises `ControlError` for a refusal."""
        query = {name: value for name, value in params.items() if value is not None}
        response = await self._http.request(method, path, json=body, params=query or None)
        try:
            answer = response.json()
        except ValueError:
            raise HttpError(response.status_code, response.text) from None
        if response.is_success:
            return answer
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        raise ControlError(
            response.status_code,
            str(error.get("reason", "error")),
            str(error.get("message", response.text)),
            error.get("code"),
            error.get("field"),
        )

    # --- users -----------------------------------------------------------------------------------
    async def status(self) -> dict[str, Any]:
        answer: dict[str, Any] = await self.call("GET", "/status")
        return answer

    async def create_user(self, email: str, password: str | None = None) -> User:
        """A master account; without `password` sandex picks one (returned in `User.password`)."""
        return User.of(await self.call("POST", "/users", {"email": email, "password": password}))

    async def list_users(self) -> list[User]:
        return [User.of(row) for row in (await self.call("GET", "/users"))["users"]]

    async def get_user(self, uid: str) -> User:
        return User.of(await self.call("GET", f"/users/{uid}"))

    async def freeze_user(self, uid: str) -> User:
        return User.of(await self.call("POST", f"/users/{uid}/status", {"status": "frozen"}))

    async def unfreeze_user(self, uid: str) -> User:
        return User.of(await self.call("POST", f"/users/{uid}/status", {"status": "active"}))

    async def create_subaccount(self, uid: str, name: str, label: str = "") -> User:
        return User.of(await self.call("POST", f"/users/{uid}/subaccounts", {"name": name, "label": label}))

    async def list_subaccounts(self, uid: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await self.call("GET", f"/users/{uid}/subaccounts"))["subaccounts"]
        return rows

    # --- keys ------------------------------------------------------------------------------------
    async def create_key(
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
        """An active key; the answer (only this one) carries the secret: `key.credentials`."""
        body = {
            "perm": perm,
            "ip": ip,
            "label": label,
            "passphrase": passphrase,
            "demo": demo,
            "expires_ms": expires_ms,
        }
        return ApiKey.of(await self.call("POST", f"/users/{uid}/keys", body))

    async def list_keys(self, uid: str) -> list[ApiKey]:
        return [ApiKey.of(row) for row in (await self.call("GET", f"/users/{uid}/keys"))["keys"]]

    async def get_key(self, api_key: str) -> ApiKey:
        return ApiKey.of(await self.call("GET", f"/keys/{api_key}"))

    async def revoke_key(self, api_key: str) -> ApiKey:
        return ApiKey.of(await self.call("POST", f"/keys/{api_key}/revoke"))

    async def delete_key(self, api_key: str) -> ApiKey:
        return ApiKey.of(await self.call("DELETE", f"/keys/{api_key}"))

    # --- money -----------------------------------------------------------------------------------
    async def deposit(
        self, uid: str, ccy: str, amount: str | int | Decimal, *, demo: bool = False, chain: str | None = None
    ) -> Deposit:
        """Credit the user's trading account (demo: its demo-trading account). With `chain` (e.g.
        "USDT-TRC20"), a chain deposit to the user's funding account that waits for confirmations;
        `Deposit.raw["result"]` is then the deposit record (`depId`, `state` "0")."""
        body: dict[str, Any] = {"ccy": ccy, "amount": _exact(amount), "demo": demo}
        if chain is not None:
            body["chain"] = chain
        return Deposit.of(await self.call("POST", f"/users/{uid}/deposits", body))

    async def credit_address(
        self, chain: str, addr: str, amount: str | int | Decimal, *, tag: str = "", demo: bool = False
    ) -> dict[str, Any]:
        """A chain deposit to an address from `asset/deposit-address`: the deposit record (state "0")."""
        body = {"chain": chain, "addr": addr, "tag": tag, "amount": _exact(amount), "demo": demo}
        record: dict[str, Any] = (await self.call("POST", "/chain-deposits", body))["deposit"]
        return record

    async def set_fee_tier(
        self,
        uid: str,
        *,
        maker: str | Decimal | None = None,
        taker: str | Decimal | None = None,
        level: str | None = None,
    ) -> dict[str, str]:
        """The user's own maker/taker rates (e.g. "0.0002"; a missing one keeps the default's) and
        the level `account/trade-fee` shows, live and demo, from the next fill on; answers
        `{uid, level, maker, taker}`."""
        body: dict[str, Any] = {"level": level}
        for name, rate in (("maker", maker), ("taker", taker)):
            body[name] = None if rate is None else _exact(rate)
        tier: dict[str, str] = await self.call("PUT", f"/users/{uid}/fee-tier", body)
        return tier

    async def reset_fee_tier(self, uid: str) -> dict[str, str]:
        """Back on the default tier (maker 0.08 %, taker 0.10 %, "Lv1")."""
        tier: dict[str, str] = await self.call("DELETE", f"/users/{uid}/fee-tier")
        return tier

    # --- market ----------------------------------------------------------------------------------
    async def market(self, command: str, inst_id: str = "", **args: Any) -> list[dict[str, Any]]:
        """A market control (`set`, `shift`, `widen`, `drain`, `halt`, `resume`, `freeze`, `unfreeze`,
        `show`, `import`, `set-mark`, `shift-mark`, `freeze-mark`, `unfreeze-mark`); the markets it
        touched, as `{"instId", "refPx", "state", "frozen", ...}` (swaps add `markPx`, `indexPx`)."""
        body = {"command": command, "inst_id": inst_id, **{k: v for k, v in args.items() if v is not None}}
        markets: list[dict[str, Any]] = (await self.call("POST", "/market", body))["markets"]
        return markets

    async def markets(self) -> list[dict[str, Any]]:
        markets: list[dict[str, Any]] = (await self.call("GET", "/market"))["markets"]
        return markets

    async def set_price(self, inst_id: str, px: str | int | Decimal) -> dict[str, Any]:
        """Jump the reference (and ticker) price of `inst_id`; the market maker re-quotes around it."""
        return (await self.market("set", inst_id, value=_exact(px)))[0]

    async def shift_price(
        self, inst_id: str, pct: str | int | Decimal, *, over_ms: int = 0
    ) -> dict[str, Any]:
        """Move the price by `pct` percent (negative: down), at once or linearly over `over_ms`."""
        return (await self.market("shift", inst_id, value=_exact(pct), over_ms=over_ms))[0]

    async def set_mark(self, inst_id: str, px: str | int | Decimal) -> dict[str, Any]:
        """Hold swap `inst_id`'s mark price at `px` (positions are marked on the next market step)."""
        return (await self.market("set-mark", inst_id, value=_exact(px)))[0]

    async def shift_mark(self, inst_id: str, pct: str | int | Decimal, *, over_ms: int = 0) -> dict[str, Any]:
        """Move swap `inst_id`'s mark by `pct` percent, at once or over `over_ms`; it then holds."""
        return (await self.market("shift-mark", inst_id, value=_exact(pct), over_ms=over_ms))[0]

    async def freeze_mark(self, inst_id: str, frozen: bool = True) -> dict[str, Any]:
        """Hold swap `inst_id`'s mark where it is (False: it follows index and book again)."""
        return (await self.market("freeze-mark" if frozen else "unfreeze-mark", inst_id))[0]

    async def freeze_market(self) -> None:
        """Stop every random price move and the simulated takers (quotes stay)."""
        await self.market("freeze")

    async def unfreeze_market(self) -> None:
        await self.market("unfreeze")

    # --- swaps' funding rates ----------------------------------------------------------------------
    async def funding_rates(self) -> list[dict[str, Any]]:
        """Every swap's coming settlement: `inst_id`, `funding_rate`, `funding_time`, `premium`…"""
        rates: list[dict[str, Any]] = await self.call("GET", "/funding-rates")
        return rates

    async def set_funding_rate(
        self, inst_id: str, rate: str | Decimal | None = None, *, frozen: bool | None = None
    ) -> dict[str, Any]:
        """Set the coming settlement's rate of `inst_id` (within its floor and cap) and/or freeze it
        (`frozen=True`: the minute samples no longer move it; `False`: they do again)."""
        body: dict[str, Any] = {"inst_id": inst_id}
        if rate is not None:
            body["rate"] = _exact(rate)
        if frozen is not None:
            body["frozen"] = frozen
        view: dict[str, Any] = await self.call("POST", "/funding-rates", body)
        return view

    async def settle_funding(self, inst_id: str) -> dict[str, Any]:
        """Settle `inst_id`'s funding now at its current rate (an extra settlement; the schedule
        stays): `{"record": {...}, "positions": n, "already": false}`."""
        done: dict[str, Any] = await self.call("POST", "/funding-rates/settle", {"inst_id": inst_id})
        return done

    # --- clock -----------------------------------------------------------------------------------
    async def clock(self) -> ClockState:
        return ClockState.of(await self.call("GET", "/clock"))

    async def advance_clock(self, *, ms: int = 0, seconds: float = 0, days: float = 0) -> ClockState:
        body = {"ms": ms, "seconds": seconds, "days": days}
        return ClockState.of(await self.call("POST", "/clock/advance", body))

    async def set_clock(self, now_ms: int) -> ClockState:
        return ClockState.of(await self.call("POST", "/clock/set", {"now_ms": now_ms}))

    async def freeze_clock(self, at_ms: int | None = None) -> ClockState:
        return ClockState.of(await self.call("POST", "/clock/freeze", {"at_ms": at_ms}))

    async def resume_clock(self) -> ClockState:
        return ClockState.of(await self.call("POST", "/clock/resume"))

    # --- faults ----------------------------------------------------------------------------------
    async def add_fault(self, kind: str, **spec: Any) -> Fault:
        """Any fault (`kind`: error, http, latency, ws_drop, ws_duplicate, ws_disconnect); see
        `inject_error`, `inject_http` and `inject_latency` for the common ones."""
        body = {"kind": kind, **{name: value for name, value in spec.items() if value is not None}}
        return Fault.of(await self.call("POST", "/faults", body))

    async def inject_error(
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
        """OKX error `code` on matching requests (all, without `times`/`probability`) until removed."""
        return await self.add_fault(
            "error",
            code=code,
            route=route,
            api_key=api_key,
            times=times,
            probability=probability,
            seed=seed,
            msg=msg,
            latency_ms=latency_ms,
        )

    async def inject_http(
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
        """An HTTP `status` with a non-JSON body, as a failing proxy sends it."""
        return await self.add_fault(
            "http",
            status=status,
            route=route,
            api_key=api_key,
            times=times,
            probability=probability,
            seed=seed,
            body=body,
        )

    async def inject_latency(
        self,
        latency_ms: int,
        *,
        route: str | None = None,
        api_key: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Fault:
        return await self.add_fault(
            "latency",
            latency_ms=latency_ms,
            route=route,
            api_key=api_key,
            times=times,
            probability=probability,
            seed=seed,
        )

    async def faults(self) -> list[Fault]:
        return [Fault.of(row) for row in (await self.call("GET", "/faults"))["faults"]]

    async def get_fault(self, fault_id: str) -> Fault:
        return Fault.of(await self.call("GET", f"/faults/{fault_id}"))

    async def remove_fault(self, fault_id: str) -> None:
        await self.call("DELETE", f"/faults/{fault_id}")

    async def clear_faults(self) -> None:
        await self.call("DELETE", "/faults")

    async def fault_events(self, *, since: int = 0, fault_id: str | None = None) -> list[FaultEvent]:
        answer = await self.call("GET", "/faults/events", since=since, fault_id=fault_id)
        return [FaultEvent.of(row) for row in answer["events"]]

    # --- state -----------------------------------------------------------------------------------
    async def reset(self, uid: str | None = None) -> float:
        """Everything (or one user's keys, sub-accounts, orders and balances); the time it took, in ms."""
        answer = await self.call("POST", "/reset", {"uid": uid})
        return float(answer["took_ms"])

    async def snapshot(self, name: str) -> None:
        await self.call("POST", "/snapshots", {"name": name})

    async def restore(self, name: str) -> None:
        await self.call("POST", f"/snapshots/{name}/restore")

    async def snapshots(self) -> list[str]:
        names: list[str] = (await self.call("GET", "/snapshots"))["snapshots"]
        return names

    async def drop_snapshot(self, name: str) -> None:
        await self.call("DELETE", f"/snapshots/{name}")


def _exact(value: str | int | Decimal) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)
