"""The pytest plugin as a user meets it: installed by entry point, fixtures in inner pytest runs."""

from __future__ import annotations

from importlib.metadata import entry_points

import ccxt  # noqa: F401 - imported once here, so inner runs (which unload what they import) reuse it
import okx.Account  # noqa: F401
import pytest

from tests.support.plugin import INNER_INI, clean_env

pytestmark = pytest.mark.slow  # each inner run starts a sandex server


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    clean_env(monkeypatch)
    pytester.makeini(INNER_INI)
    return pytester


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("sandex") == "sandex.testing.plugin"


def test_every_test_starts_from_a_reset_server(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        def test_dirty(sandex_server, sandex_faults, sandex_clock):
            user = sandex_server.control.create_user("dirty@sandex.test")
            sandex_server.control.create_key(user.uid, perm="read_only")
            sandex_faults.error("50001")
            sandex_clock.advance(days=30)
            assert sandex_server.control.list_users()

        def test_clean(sandex_server, sandex_control, sandex_clock):
            assert [u for u in sandex_control.list_users() if u.email] == []  # the market's users stay
            assert sandex_control.faults() == []
            state = sandex_clock.state()
            assert not state.frozen and abs(state.offset_ms) < 1000
            assert sandex_server.base_url.startswith("http://127.0.0.1:")
            assert sandex_server.okx().server_time() > 0  # no fault left over
        """
    )
    inner.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_the_account_is_funded_and_ccxt_and_python_okx_use_its_trade_key(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import pytest

        def test_default_funds(sandex_account, sandex_ccxt, sandex_okx_sdk, sandex_okx_client):
            balance = sandex_ccxt.fetch_balance()
            assert (balance["USDT"]["free"], balance["BTC"]["free"]) == (100000, 10)
            config = sandex_okx_sdk.account.get_account_config()["data"][0]
            assert (config["uid"], config["label"], config["perm"]) == (
                sandex_account.uid, "trade", "read_only,trade")
            assert sandex_okx_client.account_config().ip == "127.0.0.1"
            assert sandex_account.read_only.api_key != sandex_account.trade.api_key

        @pytest.mark.sandex_funds(USDT="12.5")
        def test_marked_funds(sandex_ccxt):
            balance = sandex_ccxt.fetch_balance()
            assert balance["USDT"]["free"] == 12.5 and "BTC" not in balance["free"]
        """
    )
    inner.runpytest().assert_outcomes(passed=2)


def test_moving_the_clock_keeps_the_tests_clients_signing(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        def test_fourteen_days_later(
            sandex_server, sandex_account, sandex_ccxt, sandex_okx_sdk, sandex_clock
        ):
            sandex_clock.advance(days=14, seconds=1)
            assert sandex_ccxt.fetch_balance()["USDT"]["free"] == 100000  # bound key: still valid
            assert sandex_okx_sdk.account.get_account_config()["code"] == "0"
            sandex_clock.freeze()
            assert sandex_server.okx(sandex_account.read_only).account_config().label == "read-only"
            unbound = sandex_server.create_key(sandex_account.uid, perm="read_only,trade")
            sandex_clock.advance(days=15)
            failed = sandex_server.okx(unbound.credentials)
            try:
                failed.account_config()
            except Exception as error:
                assert error.code == "50111"
            else:
                raise AssertionError("an unbound trade key unused for 14 days must have expired")
        """
    )
    inner.runpytest().assert_outcomes(passed=1)


def test_faults_fire_and_are_recorded(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import ccxt
        import pytest

        def test_rate_limited_then_fine(sandex_ccxt, sandex_faults):
            fault = sandex_faults.error("50011", route="GET /api/v5/account/balance", times=2)
            for _ in range(2):
                with pytest.raises(ccxt.RateLimitExceeded):
                    sandex_ccxt.fetch_balance()
            sandex_ccxt.fetch_balance()
            assert sandex_faults.fired(fault) == 2
            assert [e.target for e in sandex_faults.events(fault)] == ["GET /api/v5/account/balance"] * 2
        """
    )
    inner.runpytest().assert_outcomes(passed=1)


def test_sandex_app_serves_async_tests_in_process(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import pytest

        @pytest.mark.asyncio
        async def test_in_process(sandex_app):
            account = await sandex_app.create_account(funds={"USDT": "3"})
            okx = sandex_app.okx(account.trade)
            assert (await okx.balance()).avail("USDT") == 3
            ack = await okx.place_order("BTC-USDT", "buy", "limit", "0.01", px="100")
            assert (await okx.get_order("BTC-USDT", ack.ord_id)).state == "live"

        @pytest.mark.asyncio
        async def test_reset_between(sandex_app):
            assert [u for u in await sandex_app.control.list_users() if u.email] == []
        """
    )
    inner.runpytest().assert_outcomes(passed=2)


def test_missing_ccxt_skips_its_fixture_with_a_reason(inner: pytest.Pytester) -> None:
    inner.makeconftest("import sys\nsys.modules['ccxt'] = None  # as if ccxt were not installed\n")
    inner.makepyfile("def test_needs_ccxt(sandex_ccxt):\n    raise AssertionError('not reached')\n")
    result = inner.runpytest("-rs", "--setup-show")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*sandex_ccxt needs ccxt*"])
    result.stdout.no_fnmatch_line("*SETUP*sandex_server*")  # skipped before any server starts


def test_sandex_variables_in_the_shell_never_aim_the_plugin_at_real_services(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SANDEX_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/production")
    monkeypatch.setenv("SANDEX_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("SANDEX_ADMIN_TOKEN", "the-production-admin-token")
    inner.makepyfile(
        """
        def test_isolated(sandex_server):
            assert sandex_server.admin_token != "the-production-admin-token"
            assert sandex_server.control.status()["version"]
        """
    )
    inner.runpytest().assert_outcomes(passed=1)


def test_the_market_is_still_until_a_test_moves_it(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        def test_move(sandex_ccxt, sandex_market):
            reference = sandex_ccxt.fetch_ticker("BTC/USDT")["last"]
            assert sandex_ccxt.fetch_ticker("BTC/USDT")["last"] == reference  # no maker: it stays
            sandex_market.set_price("BTC-USDT", "50000")
            assert sandex_ccxt.fetch_ticker("BTC/USDT")["last"] == 50000

        def test_back_to_reference(sandex_ccxt, sandex_market):
            assert sandex_ccxt.fetch_ticker("BTC/USDT")["last"] != 50000
            assert sandex_market.show("BTC-USDT")[0]["state"] == "live"
        """
    )
    inner.runpytest("-p", "no:randomly").assert_outcomes(passed=2)
