"""The sandex pytest plugin (entry point `pytest11: sandex`): an OKX-compatible exchange in your tests.

Fixtures (see the README's "pytest plugin" section):

* `sandex_server` - a real sandex on 127.0.0.1 (one per session, in a thread), reset before each
  test that asks for it: no users, keys, orders or balances, no faults, real time.
* `sandex_control` - the blocking control-API client of that server (`sandex.client.ControlClient`).
* `sandex_account` - a user with a trade key and a read-only key, funded with `sandex_funds`
  (override the fixture, or mark a test `@pytest.mark.sandex_funds(USDT="500")`).
* `sandex_ccxt` - `ccxt.okx` with the account's trade key (`sandex_ccxt_options` adds options).
* `sandex_okx_sdk` - python-okx API objects (`.account`, `.trade`, `.funding`, `.market`, …).
* `sandex_okx_client` - sandex's own blocking OKX client with the trade key.
* `sandex_clock` - read, move, freeze sandex's clock; the test's clients keep signing with it.
* `sandex_faults` - inject OKX error codes, HTTP errors and latency; read what fired.
* `sandex_market` - set or shift prices, freeze the market, halt an instrument.
* `sandex_swaps` - swaps: account mode (Futures), position mode, leverage, a position opened by real
  orders against a counterparty, the index steered, a forced liquidation (`sandex.testing.swaps`).
* `sandex_app` - sandex in the test's event loop (async tests; needs pytest-asyncio).
* `sandex_settings` - the server's settings (session scope; override to change them).

`@pytest.mark.okx_verified` runs a test against OKX demo trading instead when `OKX_DEMO_API_KEY`,
`OKX_DEMO_SECRET` and `OKX_DEMO_PASSPHRASE` are set (see `sandex.testing.targets`): then
`sandex_account`, `sandex_ccxt`, `sandex_okx_sdk` and `sandex_okx_client` point at OKX, and a test
that needs sandex-only fixtures (clock, faults, control) is skipped. ccxt and python-okx are
optional: their fixtures skip with a reason when the package is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sandex.testing.targets import MARKER, OKX_URL, OkxDemo, okx_demo_for, okx_demo_from_env, partial_demo_env

if TYPE_CHECKING:
    from sandex.client.sync import ControlClient, OkxClient
    from sandex.config import Settings
    from sandex.process import Runtime
    from sandex.testing.handles import (
        Clients,
        OkxSdk,
        SandexAccount,
        SandexClock,
        SandexFaults,
        SandexMarket,
        SandexServer,
    )
    from sandex.testing.inprocess import SandexApp
    from sandex.testing.server import RunningServer
    from sandex.testing.swaps import SandexSwaps

try:
    import pytest_asyncio

    HAVE_ASYNCIO = True
except ImportError:  # pragma: no cover - pytest-asyncio is optional
    HAVE_ASYNCIO = False

FUNDS_MARKER = "sandex_funds"
MARKET_SEED = 20_240_101
# SANDEX_* variables in the developer's shell must not aim the plugin's exchange (which it wipes
# before every test) at a real database, Redis or mail server: these are pinned unless a test suite
# overrides `sandex_settings`.
ISOLATED: dict[str, Any] = {
    "database_url": None,
    "redis_url": None,
    "smtp_url": None,
    "admin_token": None,
    "master_key": None,
    "catalogue": None,
    "trusted_proxies": (),
}


# --- hooks -----------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "sandex_rate_limits", "rate limits of the plugin's sandex: okx (default), off or xN", default="okx"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: runs against OKX demo trading when OKX_DEMO_API_KEY, OKX_DEMO_SECRET and "
        "OKX_DEMO_PASSPHRASE are set, else against sandex",
    )
    config.addinivalue_line(
        "markers", f"{FUNDS_MARKER}(**amounts): what sandex_account is funded with, e.g. USDT='500'"
    )
    missing = partial_demo_env(os.environ)
    if missing:
        raise pytest.UsageError(
            f"OKX demo credentials are partly set: set {', '.join(missing)} too, or unset all three"
        )


def pytest_report_header(config: pytest.Config) -> str | None:
    demo = okx_demo_from_env(os.environ)
    if demo is None:
        return None
    return f"sandex: @{MARKER} tests run against OKX demo trading at {demo.base_url}"


# --- where a test runs -----------------------------------------------------------------------------
def _okx_demo(request: pytest.FixtureRequest) -> OkxDemo | None:
    return okx_demo_for(request.node.get_closest_marker(MARKER) is not None, os.environ)


def _sandex_only(request: pytest.FixtureRequest, fixture: str) -> None:
    if _okx_demo(request) is not None:
        pytest.skip(f"{fixture} needs sandex; this {MARKER} test runs against OKX demo trading")


# --- the session's server --------------------------------------------------------------------------
@dataclass(slots=True)
class _Session:
    running: RunningServer
    control: ControlClient
    data_dir: Path


@pytest.fixture(scope="session")
def sandex_settings(pytestconfig: pytest.Config) -> dict[str, Any]:
    """Fields of `sandex.config.Settings` for the plugin's sandex (the data dir is the plugin's).

    Deterministic by default: the built-in market maker is off (prices stay at their reference, the
    books hold only what tests place) and the market's seed is fixed. Override this fixture with
    `{**sandex_settings, "market": True}` for a live simulated market."""
    return {
        **ISOLATED,
        "rate_limits": pytestconfig.getini("sandex_rate_limits"),
        "market": False,
        "seed": MARKET_SEED,
    }


@pytest.fixture(scope="session")
def _sandex_session(
    tmp_path_factory: pytest.TempPathFactory, sandex_settings: dict[str, Any]
) -> Iterator[_Session]:
    from sandex.client.sync import ControlClient
    from sandex.config import Settings
    from sandex.testing.server import serve_in_thread

    data_dir = tmp_path_factory.mktemp("sandex") / "data"
    settings = Settings(**{**sandex_settings, "data_dir": data_dir})
    with (
        serve_in_thread(settings) as running,
        ControlClient(running.base_url, running.runtime.admin_token) as control,
    ):
        yield _Session(running, control, data_dir)


@pytest.fixture
def _sandex_clients() -> Iterator[Clients]:
    from sandex.testing.handles import Clients

    clients = Clients()
    yield clients
    clients.close()


@pytest.fixture
def sandex_server(_sandex_session: _Session, _sandex_clients: Clients) -> SandexServer:
    """The session's sandex, reset for this test."""
    from sandex.testing.handles import SandexServer

    session = _sandex_session
    session.control.reset()
    return SandexServer(
        base_url=session.running.base_url,
        admin_token=session.running.runtime.admin_token,
        data_dir=session.data_dir,
        control=session.control,
        clients=_sandex_clients,
    )


@pytest.fixture
def sandex_control(request: pytest.FixtureRequest, sandex_server: SandexServer) -> ControlClient:
    _sandex_only(request, "sandex_control")
    return sandex_server.control


# --- accounts and clients --------------------------------------------------------------------------
@pytest.fixture
def sandex_funds(request: pytest.FixtureRequest) -> Mapping[str, str]:
    """What `sandex_account` gets (default USDT 100000, BTC 10, ETH 100)."""
    from sandex.testing.handles import DEFAULT_FUNDS

    marker = request.node.get_closest_marker(FUNDS_MARKER)
    if marker is None:
        return dict(DEFAULT_FUNDS)
    given = dict(marker.args[0]) if marker.args else {}
    given.update(marker.kwargs)
    return {ccy: str(amount) for ccy, amount in given.items()}


@pytest.fixture
def sandex_account(request: pytest.FixtureRequest, sandex_funds: Mapping[str, str]) -> SandexAccount:
    from sandex.testing.handles import SandexAccount

    demo = _okx_demo(request)
    if demo is not None:  # OKX demo: the user's own demo key for both roles, its own money
        creds = demo.credentials
        return SandexAccount("", "", None, creds, creds, {})
    server: SandexServer = request.getfixturevalue("sandex_server")
    return server.create_account(funds=sandex_funds)


@pytest.fixture
def _ccxt_installed() -> None:
    pytest.importorskip("ccxt", reason="sandex_ccxt needs ccxt (pip install ccxt)")


@pytest.fixture
def _python_okx_installed() -> None:
    pytest.importorskip("okx", reason="sandex_okx_sdk needs python-okx (pip install python-okx)")


@pytest.fixture
def sandex_ccxt_options() -> dict[str, Any]:
    """Extra `ccxt.okx` options (ccxt's own throttle is off: sandex enforces OKX's limits itself)."""
    return {"enableRateLimit": False}


@pytest.fixture
def sandex_ccxt(
    _ccxt_installed: None,
    request: pytest.FixtureRequest,
    sandex_account: SandexAccount,
    sandex_ccxt_options: dict[str, Any],
    _sandex_clients: Clients,
) -> Any:
    """`ccxt.okx` with the account's trade key, pointed at sandex (or at OKX demo trading)."""
    from sandex.testing.handles import ccxt_okx

    demo = _okx_demo(request)
    if demo is not None:
        options = {**sandex_ccxt_options, "enableRateLimit": True}  # real OKX: keep ccxt's throttle
        return ccxt_okx(None if demo.base_url == OKX_URL else demo.base_url, demo.credentials, options)
    server: SandexServer = request.getfixturevalue("sandex_server")
    exchange = ccxt_okx(server.base_url, sandex_account.trade, sandex_ccxt_options)
    return _sandex_clients.track_ccxt(exchange)


@pytest.fixture
def sandex_okx_sdk(
    _python_okx_installed: None,
    request: pytest.FixtureRequest,
    sandex_account: SandexAccount,
    _sandex_clients: Clients,
    monkeypatch: pytest.MonkeyPatch,
) -> OkxSdk:
    """python-okx (`okx.Account.AccountAPI` and friends) with the account's trade key."""
    from sandex.testing.handles import python_okx

    demo = _okx_demo(request)
    if demo is not None:
        sdk = python_okx(demo.base_url, demo.credentials)
    else:
        server: SandexServer = request.getfixturevalue("sandex_server")
        sdk = python_okx(server.base_url, sandex_account.trade)
        # python-okx signs with the local clock: follow sandex's clock when the test moves it.
        monkeypatch.setattr("okx.utils.get_timestamp", _sandex_clients.timestamp)
    _sandex_clients.on_close(sdk.close)
    return sdk


@pytest.fixture
def sandex_okx_client(
    request: pytest.FixtureRequest, sandex_account: SandexAccount, _sandex_clients: Clients
) -> OkxClient:
    """sandex's own blocking OKX client (`sandex.client.OkxClient`) with the trade key."""
    from sandex.client.sync import OkxClient

    demo = _okx_demo(request)
    if demo is not None:
        client = OkxClient(demo.base_url, demo.credentials)
        _sandex_clients.on_close(client.close)
        return client
    server: SandexServer = request.getfixturevalue("sandex_server")
    return server.okx(sandex_account.trade)


# --- time and faults -------------------------------------------------------------------------------
@pytest.fixture
def sandex_clock(request: pytest.FixtureRequest, sandex_server: SandexServer) -> SandexClock:
    _sandex_only(request, "sandex_clock")
    from sandex.testing.handles import SandexClock

    return SandexClock(sandex_server.control, sandex_server.clients)


@pytest.fixture
def sandex_faults(request: pytest.FixtureRequest, sandex_server: SandexServer) -> SandexFaults:
    _sandex_only(request, "sandex_faults")
    from sandex.testing.handles import SandexFaults

    return SandexFaults(sandex_server.control)


@pytest.fixture
def sandex_market(request: pytest.FixtureRequest, sandex_server: SandexServer) -> SandexMarket:
    _sandex_only(request, "sandex_market")
    from sandex.testing.handles import SandexMarket

    return SandexMarket(sandex_server.control)


@pytest.fixture
def sandex_swaps(request: pytest.FixtureRequest, sandex_server: SandexServer) -> SandexSwaps:
    _sandex_only(request, "sandex_swaps")
    from sandex.testing.swaps import SandexSwaps

    return SandexSwaps(sandex_server)


# --- in process ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _sandex_template(tmp_path_factory: pytest.TempPathFactory, sandex_settings: dict[str, Any]) -> Path:
    """A migrated data dir, copied for every in-process test (cheaper than migrating, and each
    test's runtime belongs to that test's event loop)."""
    from sandex.config import Settings
    from sandex.process import open_runtime

    data_dir = tmp_path_factory.mktemp("sandex-app") / "template"
    open_runtime(Settings(**{**sandex_settings, "data_dir": data_dir}), fast_hashing=True).engine.dispose()
    return data_dir


@pytest.fixture
def _sandex_runtime(
    _sandex_template: Path, sandex_settings: dict[str, Any], tmp_path: Path
) -> tuple[Settings, Runtime]:
    from sandex.config import Settings
    from sandex.process import open_runtime

    data_dir = tmp_path / "sandex"
    shutil.copytree(_sandex_template, data_dir)
    settings = Settings(**{**sandex_settings, "data_dir": data_dir})
    return settings, open_runtime(settings, fast_hashing=True)


if HAVE_ASYNCIO:

    @pytest_asyncio.fixture
    async def sandex_app(_sandex_runtime: tuple[Settings, Runtime]) -> AsyncIterator[SandexApp]:
        """A fresh sandex of this test's own, in its event loop (ASGI transport, no sockets)."""
        from sandex.testing.inprocess import running_app

        settings, runtime = _sandex_runtime
        # A copied data dir is a fresh SQLite database; a configured database is shared: reset it.
        async with running_app(settings, runtime, reset=not settings.uses_sqlite) as handle:
            yield handle

else:  # pragma: no cover

    @pytest.fixture
    def sandex_app() -> None:
        pytest.skip("sandex_app needs pytest-asyncio (pip install pytest-asyncio)")
