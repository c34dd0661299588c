"""`@pytest.mark.okx_verified`: the switch between sandex and OKX demo trading (never contacted here)."""

from __future__ import annotations

import pytest

from sandex.testing.targets import OKX_URL, okx_demo_for, okx_demo_from_env, partial_demo_env
from tests.support.plugin import DEMO_ENV, INNER_INI, clean_env

FAKE_OKX = "http://127.0.0.1:9"  # never contacted: the inner tests only look at the clients


def test_no_credentials_means_sandex() -> None:
    assert okx_demo_from_env({}) is None
    assert okx_demo_for(True, {}) is None


def test_credentials_switch_only_marked_tests_to_okx_demo() -> None:
    demo = okx_demo_for(True, DEMO_ENV)
    assert demo is not None and demo.base_url == OKX_URL
    assert (demo.credentials.api_key, demo.credentials.demo) == ("demo-key", True)
    assert okx_demo_for(False, DEMO_ENV) is None
    moved = okx_demo_from_env({**DEMO_ENV, "OKX_DEMO_BASE_URL": FAKE_OKX + "/"})
    assert moved is not None and moved.base_url == FAKE_OKX


def test_partly_set_credentials_are_named() -> None:
    assert partial_demo_env({"OKX_DEMO_API_KEY": "k"}) == ["OKX_DEMO_SECRET", "OKX_DEMO_PASSPHRASE"]
    assert partial_demo_env({}) == [] and partial_demo_env(DEMO_ENV) == []


INNER_TESTS = """
import pytest

@pytest.mark.okx_verified
def test_marked(sandex_ccxt, sandex_okx_sdk, sandex_okx_client, sandex_account):
    print("MARKED", sandex_ccxt.urls["api"]["rest"], sandex_ccxt.headers.get("x-simulated-trading"),
          sandex_okx_sdk.account.domain, sandex_okx_sdk.flag, sandex_account.trade.api_key)

@pytest.mark.okx_verified
def test_marked_needs_faults(sandex_faults):
    print("FAULTS ran")

def test_unmarked(sandex_ccxt, sandex_account):
    print("UNMARKED", sandex_ccxt.urls["api"]["rest"], sandex_ccxt.headers.get("x-simulated-trading"),
          sandex_account.trade.api_key == "demo-key")
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    clean_env(monkeypatch)
    pytester.makeini(INNER_INI)
    pytester.makepyfile(INNER_TESTS)
    return pytester


@pytest.mark.slow
def test_without_credentials_every_test_runs_on_sandex(inner: pytest.Pytester) -> None:
    result = inner.runpytest("-s")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*MARKED http://127.0.0.1:* None http://127.0.0.1:* 0 *", "*FAULTS ran"])
    result.stdout.fnmatch_lines(["*UNMARKED http://127.0.0.1:* None False"])
    result.stdout.no_fnmatch_line("*OKX demo trading at*")


@pytest.mark.slow
def test_with_credentials_marked_tests_point_at_okx_demo(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in DEMO_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OKX_DEMO_BASE_URL", FAKE_OKX)
    result = inner.runpytest("-s", "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines([f"sandex: @okx_verified tests run against OKX demo trading at {FAKE_OKX}"])
    result.stdout.fnmatch_lines([f"*MARKED {FAKE_OKX} 1 {FAKE_OKX} 1 demo-key"])
    result.stdout.fnmatch_lines(
        ["*sandex_faults needs sandex; this okx_verified test runs against OKX demo*"]
    )
    result.stdout.fnmatch_lines(["*UNMARKED http://127.0.0.1:* None False"])  # unmarked: still sandex


def test_partly_set_credentials_stop_the_run(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKX_DEMO_API_KEY", "demo-key")
    result = inner.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*OKX demo credentials are partly set*OKX_DEMO_SECRET, OKX_DEMO_PASSPHRASE*"]
    )
