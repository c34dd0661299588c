"""What the pytest plugin's fixtures hand to a test: small handles over the control API and clients.

Every client a handle makes is tracked per test (`Clients`): closed after the test, and kept
signing with sandex's time when the test moves the clock (ccxt via `options["timeDifference"]`,
sandex's own clients via `time_offset_ms`, python-okx via its timestamp function).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sandex.client.control import AsyncControlClient
from sandex.client.models import ApiKey, ClockState, Credentials, Fault, FaultEvent
from sandex.client.rest import AsyncOkxClient
from sandex.client.sync import ControlClient, OkxClient
from sandex.domain.keys.timestamps import format_rest_timestamp

DEFAULT_EMAIL = "trader@sandex.test"
DEFAULT_FUNDS: Mapping[str, str] = {"USDT": "100000", "BTC": "10", "ETH": "100"}
LOOPBACK = "127.0.0.1"


class Clients:
    """The clients one test got: closed at teardown, signing with sandex time (`offset_ms`)."""

    def __init__(self) -> None:
        self.offset_ms = 0
        self._ccxt: list[Any] = []
        self._own: list[OkxClient | AsyncOkxClient] = []
        self._closers: list[Callable[[], None]] = []

    def track_ccxt(self, exchange: Any) -> Any:
        exchange.options["timeDifference"] = -self.offset_ms  # ccxt signs with now - timeDifference
        self._ccxt.append(exchange)
        return exchange

    def track_okx(self, client: OkxClient) -> OkxClient:
        client.aio.time_offset_ms = self.offset_ms
        self._own.append(client)
        self._closers.append(client.close)
        return client

    def track_async(self, client: AsyncOkxClient) -> AsyncOkxClient:
        client.time_offset_ms = self.offset_ms
        self._own.append(client)
        return client

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def set_offset(self, offset_ms: int) -> None:
        """sandex time minus real time: every tracked client signs with sandex time from now on."""
        self.offset_ms = offset_ms
        for exchange in self._ccxt:
            exchange.options["timeDifference"] = -offset_ms
        for client in self._own:
            if isinstance(client, OkxClient):
                client.aio.time_offset_ms = offset_ms
            else:
                client.time_offset_ms = offset_ms

    def timestamp(self) -> str:
        """An OKX REST timestamp in sandex time (python-okx's `get_timestamp` is patched to this)."""
        return format_rest_timestamp(time.time_ns() // 1_000_000 + self.offset_ms)

    def close(self) -> None:
        closers, self._closers = self._closers, []
        for closer in reversed(closers):
            closer()

    @property
    def async_clients(self) -> list[AsyncOkxClient]:
        return [client for client in self._own if isinstance(client, AsyncOkxClient)]


@dataclass(frozen=True, slots=True)
class SandexAccount:
    """A user with a trade key (bound to 127.0.0.1, so the 14-day rule never expires it) and a
    read-only key, funded with `funds` in its trading account."""

    uid: str
    email: str
    password: str | None = field(repr=False)
    trade: Credentials
    read_only: Credentials
    funds: Mapping[str, str]


async def create_account(
    control: AsyncControlClient,
    *,
    email: str = DEFAULT_EMAIL,
    funds: Mapping[str, str | Decimal] = DEFAULT_FUNDS,
    demo: bool = False,
) -> SandexAccount:
    """A user, its two keys and its money, through the control API."""
    user = await control.create_user(email)
    trade = await control.create_key(user.uid, perm="read_only,trade", ip=LOOPBACK, label="trade", demo=demo)
    read_only = await control.create_key(user.uid, perm="read_only", label="read-only", demo=demo)
    for ccy, amount in funds.items():
        await control.deposit(user.uid, ccy, amount, demo=demo)
    credited = {ccy: str(amount) for ccy, amount in funds.items()}
    return SandexAccount(user.uid, email, user.password, trade.credentials, read_only.credentials, credited)


class SandexClock:
    """sandex's clock, through the control API. Moving it keeps the test's clients in sync."""

    def __init__(self, control: ControlClient, clients: Clients) -> None:
        self._control = control
        self._clients = clients

    def state(self) -> ClockState:
        return self._control.clock()

    def now_ms(self) -> int:
        return self.state().now_ms

    def advance(self, *, ms: int = 0, seconds: float = 0, days: float = 0) -> ClockState:
        return self._synced(self._control.advance_clock(ms=ms, seconds=seconds, days=days))

    def set(self, now_ms: int) -> ClockState:
        return self._synced(self._control.set_clock(now_ms))

    def freeze(self, at_ms: int | None = None) -> ClockState:
        return self._synced(self._control.freeze_clock(at_ms))

    def resume(self) -> ClockState:
        return self._synced(self._control.resume_clock())

    def _synced(self, state: ClockState) -> ClockState:
        self._clients.set_offset(state.offset_ms)
        return state


class SandexFaults:
    """Fault injection on sandex's OKX routes (see `sandex.domain.faults` for the model).

    Without `times` or `probability` a fault fires on every matching request until removed;
    faults are cleared between tests."""

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    def error(self, code: str, **where: Any) -> Fault:
        """OKX error `code` (wire shape as OKX sends it); `where`: route, api_key, times,
        probability, seed, msg, latency_ms."""
        return self._control.add_fault("error", code=code, **where)

    def http(self, status: int = 502, **where: Any) -> Fault:
        """An HTTP `status` with a non-JSON body (a failing proxy)."""
        return self._control.add_fault("http", status=status, **where)

    def latency(self, ms: int, **where: Any) -> Fault:
        return self._control.add_fault("latency", latency_ms=ms, **where)

    def add(self, kind: str, **spec: Any) -> Fault:
        return self._control.add_fault(kind, **spec)

    def get(self, fault: Fault | str) -> Fault:
        """The fault as it is now (its `fired`, `seen` and `remaining` counts)."""
        return self._control.get_fault(fault if isinstance(fault, str) else fault.id)

    def fired(self, fault: Fault | str) -> int:
        return self.get(fault).fired

    def events(self, fault: Fault | str | None = None) -> list[FaultEvent]:
        fault_id = fault.id if isinstance(fault, Fault) else fault
        return self._control.fault_events(fault_id=fault_id)

    def all(self) -> list[Fault]:
        return self._control.faults()

    def remove(self, fault: Fault | str) -> None:
        self._control.remove_fault(fault if isinstance(fault, str) else fault.id)

    def clear(self) -> None:
        self._control.clear_faults()


class SandexMarket:
    """Script the simulated market: prices, freeze, halts (see `/sandex/v1/market`).

    Under the plugin the market maker is off by default: prices (and the ticker) move only when a
    test moves them, and the books hold only the tests' orders."""

    def __init__(self, control: ControlClient) -> None:
        self._control = control

    def set_price(self, inst_id: str, px: str | int | Decimal) -> dict[str, Any]:
        return self._control.set_price(inst_id, px)

    def shift(self, inst_id: str, pct: str | int | Decimal, *, over_ms: int = 0) -> dict[str, Any]:
        return self._control.shift_price(inst_id, pct, over_ms=over_ms)

    def freeze(self) -> None:
        self._control.freeze_market()

    def unfreeze(self) -> None:
        self._control.unfreeze_market()

    def halt(self, inst_id: str) -> dict[str, Any]:
        """New orders on `inst_id` are refused (51155) until `resume`."""
        return self._control.market("halt", inst_id)[0]

    def resume(self, inst_id: str) -> dict[str, Any]:
        return self._control.market("resume", inst_id)[0]

    def show(self, inst_id: str | None = None) -> list[dict[str, Any]]:
        return self._control.market("show", inst_id) if inst_id else self._control.markets()


@dataclass(slots=True)
class SandexServer:
    """A running sandex (real sockets on 127.0.0.1), reset before this test."""

    base_url: str
    admin_token: str
    data_dir: Path
    control: ControlClient
    clients: Clients

    def okx(self, credentials: Credentials | None = None) -> OkxClient:
        """sandex's own OKX client on this server (closed after the test)."""
        return self.clients.track_okx(OkxClient(self.base_url, credentials))

    def create_account(
        self,
        email: str = DEFAULT_EMAIL,
        funds: Mapping[str, str | Decimal] = DEFAULT_FUNDS,
        demo: bool = False,
    ) -> SandexAccount:
        return self.control.run(create_account(self.control.aio, email=email, funds=funds, demo=demo))

    def create_key(self, uid: str, **options: Any) -> ApiKey:
        return self.control.create_key(uid, **options)


@dataclass(slots=True)
class OkxSdk:
    """python-okx API objects for one key (`flag` "0" live, "1" demo), closed after the test."""

    account: Any
    trade: Any
    funding: Any
    market: Any
    public: Any
    subaccount: Any
    flag: str

    def close(self) -> None:
        for api in (self.account, self.trade, self.funding, self.market, self.public, self.subaccount):
            api.close()


def python_okx(base_url: str, credentials: Credentials) -> OkxSdk:
    """OKX's own SDK pointed at `base_url` (imports `okx`: python-okx must be installed)."""
    from okx import Account, Funding, MarketData, PublicData, SubAccount, Trade

    flag = "1" if credentials.demo else "0"
    args = {
        "api_key": credentials.api_key,
        "api_secret_key": credentials.secret_key,
        "passphrase": credentials.passphrase,
        "flag": flag,
        "domain": base_url,
    }
    return OkxSdk(
        account=Account.AccountAPI(**args),
        trade=Trade.TradeAPI(**args),
        funding=Funding.FundingAPI(**args),
        market=MarketData.MarketAPI(**args),
        public=PublicData.PublicAPI(**args),
        subaccount=SubAccount.SubAccountAPI(**args),
        flag=flag,
    )


def ccxt_okx(base_url: str | None, credentials: Credentials, options: Mapping[str, Any]) -> Any:
    """`ccxt.okx` with the key, pointed at `base_url` (None: OKX's own URL), in sandbox mode for a demo
    key (imports `ccxt`: it must be installed)."""
    import ccxt

    config = {
        "apiKey": credentials.api_key,
        "secret": credentials.secret_key,
        "password": credentials.passphrase,
        **options,
    }
    exchange = ccxt.okx(config)
    if credentials.demo:
        exchange.set_sandbox_mode(True)  # x-simulated-trading: 1
    if base_url is not None:
        exchange.urls["api"]["rest"] = base_url
    return exchange
