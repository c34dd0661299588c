"""Every fault type as unmodified ccxt and python-okx see it, against a real server (the plugin's).

What a bot's error handling keys on: ccxt's exception class (from its `exceptions` table by code,
or by HTTP status for a body that is not JSON) and python-okx's `code`/`sCode`.
"""

from __future__ import annotations

import json
from typing import Any

import ccxt
import pytest

from sandex.testing.handles import OkxSdk, SandexAccount, SandexFaults

BALANCE = "GET /api/v5/account/balance"
ORDER = "POST /api/v5/trade/order"
BATCH = "POST /api/v5/trade/batch-orders"  # ccxt.okx places even a single order through this one

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("50001", ccxt.OnMaintenance),  # a kind of ExchangeNotAvailable
        ("50013", ccxt.ExchangeNotAvailable),
        ("50026", ccxt.ExchangeNotAvailable),
        ("50011", ccxt.RateLimitExceeded),
        ("50004", ccxt.RequestTimeout),
    ],
)
def test_ccxt_maps_request_level_codes(
    sandex_ccxt: Any, sandex_faults: SandexFaults, code: str, expected: type[Exception]
) -> None:
    fault = sandex_faults.error(code, route=BALANCE, times=1)
    with pytest.raises(expected, match=code):
        sandex_ccxt.fetch_balance()
    assert sandex_faults.fired(fault) == 1
    sandex_ccxt.fetch_balance()  # retired: the next call goes through


def test_ccxt_sees_an_injected_51008_as_insufficient_funds(
    sandex_ccxt: Any, sandex_faults: SandexFaults
) -> None:
    sandex_ccxt.load_markets()
    fault = sandex_faults.error("51008", route=BATCH, times=1)
    with pytest.raises(ccxt.InsufficientFunds, match="51008"):
        sandex_ccxt.create_order("BTC/USDT", "limit", "buy", 0.01, 100)
    assert sandex_faults.fired(fault) == 1
    assert sandex_ccxt.fetch_open_orders("BTC/USDT") == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [(502, ccxt.ExchangeNotAvailable), (503, ccxt.ExchangeNotAvailable), (504, ccxt.RequestTimeout)],
)
def test_ccxt_maps_non_json_http_errors_to_network_errors(
    sandex_ccxt: Any, sandex_faults: SandexFaults, status: int, expected: type[Exception]
) -> None:
    sandex_faults.http(status, route=BALANCE, times=1)
    with pytest.raises(expected) as caught:
        sandex_ccxt.fetch_balance()
    assert isinstance(caught.value, ccxt.NetworkError)  # a bot retries these


def test_latency_beyond_ccxts_timeout_is_a_request_timeout(
    sandex_ccxt: Any, sandex_faults: SandexFaults
) -> None:
    sandex_ccxt.timeout = 200  # ms
    sandex_faults.latency(600, route=BALANCE, times=1)
    with pytest.raises(ccxt.RequestTimeout):
        sandex_ccxt.fetch_balance()


@pytest.mark.parametrize(("code", "status"), [("50001", 503), ("50013", 429), ("50026", 500), ("50011", 429)])
def test_python_okx_returns_the_code(
    sandex_okx_sdk: OkxSdk, sandex_faults: SandexFaults, code: str, status: int
) -> None:
    sandex_faults.error(code, route=BALANCE, times=1)
    assert sandex_okx_sdk.account.get_account_balance()["code"] == code
    assert sandex_okx_sdk.account.get_account_balance()["code"] == "0"


def test_python_okx_sees_an_injected_51008_as_its_scode(
    sandex_okx_sdk: OkxSdk, sandex_faults: SandexFaults, sandex_account: SandexAccount
) -> None:
    sandex_faults.error("51008", route=ORDER, times=1)
    result = sandex_okx_sdk.trade.place_order(
        "BTC-USDT", "cash", "buy", "limit", "0.01", px="100", clOrdId="p1"
    )
    assert (result["code"], result["msg"]) == ("1", "All operations failed")
    assert (result["data"][0]["sCode"], result["data"][0]["clOrdId"]) == ("51008", "p1")
    assert sandex_okx_sdk.trade.get_order_list()["data"] == []


def test_python_okx_cannot_parse_a_non_json_error_page(
    sandex_okx_sdk: OkxSdk, sandex_faults: SandexFaults
) -> None:
    sandex_faults.http(502, route=BALANCE, times=1)
    with pytest.raises(json.JSONDecodeError):  # what a python-okx bot meets behind a failing proxy
        sandex_okx_sdk.account.get_account_balance()


def test_a_fault_for_one_key_leaves_the_others_alone(
    sandex_ccxt: Any, sandex_faults: SandexFaults, sandex_account: SandexAccount
) -> None:
    sandex_faults.error("50011", api_key=sandex_account.read_only.api_key)
    assert sandex_ccxt.fetch_balance()["USDT"]["free"] == 100000
    assert [event.api_key for event in sandex_faults.events()] == []
