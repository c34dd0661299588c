"""Unmodified python-okx `ConvertAPI` against a real sandex server: currencies, a pair and its limits,
quotes both ways round, a trade, its history and bills, and the refusals OKX answers with 529xx
(an expired quote by the control API's clock advance)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import okx.Account as Account
import okx.Convert as Convert
import pytest

from sandex.client.sync import ControlClient
from tests.support.servers import TradingWorld, trading_world

# python-okx posts with httpx's deprecated `data=<str>`; the warning is about the SDK, not sandex.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingWorld]:
    data_dir: Path = tmp_path_factory.mktemp("python-okx-convert") / "data"
    with trading_world(data_dir) as world:  # alice: 10,000 USDT in her trading account
        yield world


@pytest.fixture(scope="module")
def api(world: TradingWorld) -> Convert.ConvertAPI:
    c = world.alice
    return Convert.ConvertAPI(c.api_key, c.secret, c.passphrase, False, "0", domain=world.base_url)


@pytest.fixture(scope="module")
def account(world: TradingWorld) -> Account.AccountAPI:
    c = world.alice
    return Account.AccountAPI(c.api_key, c.secret, c.passphrase, False, "0", domain=world.base_url)


def _data(result: dict[str, object]) -> list[dict[str, str]]:
    assert result["code"] == "0", result
    rows = result["data"]
    assert isinstance(rows, list)
    return rows


def test_currencies_and_a_pair_either_way_round(api: Convert.ConvertAPI) -> None:
    assert {"BTC", "USDT"} <= {row["ccy"] for row in _data(api.get_currencies())}
    (pair,) = _data(api.get_currency_pair("USDT", "BTC"))
    assert (pair["instId"], pair["baseCcy"], pair["quoteCcy"], pair["baseCcyMin"]) == (
        "BTC-USDT",
        "BTC",
        "USDT",
        "0.00001",
    )
    assert _data(api.get_currency_pair("BTC", "USDT")) == [pair]
    assert api.get_currency_pair("BTC", "NOPE")["code"] == "52902"


def test_buy_btc_with_usdt_then_history_and_bills(
    api: Convert.ConvertAPI, account: Account.AccountAPI
) -> None:
    (quote,) = _data(api.estimate_quote("BTC", "USDT", "buy", "200", "USDT", clQReqId="q1"))
    assert (quote["clQReqId"], quote["rfqSz"], quote["quoteSz"]) == ("q1", "200", "200")
    (trade,) = _data(api.convert_trade(quote["quoteId"], "BTC", "USDT", "buy", "200", "USDT", clTReqId="t1"))
    assert (trade["state"], trade["clTReqId"], trade["fillBaseSz"]) == ("fullyFilled", "t1", quote["baseSz"])
    assert Decimal(trade["fillPx"]) == Decimal(quote["cnvtPx"])
    (row,) = _data(api.get_convert_history())
    assert (row["tradeId"], row["clTReqId"], row["fillQuoteSz"]) == (trade["tradeId"], "t1", "200")
    bills = _data(account.get_account_bills(type="27"))
    assert {(b["ccy"], b["subType"], b["balChg"]) for b in bills} == {
        ("USDT", "319", "-200"),
        ("BTC", "318", quote["baseSz"]),
    }
    again = api.convert_trade(quote["quoteId"], "BTC", "USDT", "buy", "200", "USDT", clTReqId="t1")
    assert again["code"] == "52925"  # the clTReqId was used


def test_refusals_leave_balances_alone(world: TradingWorld, api: Convert.ConvertAPI) -> None:
    (quote,) = _data(api.estimate_quote("BTC", "USDT", "buy", "100", "USDT"))
    qid = quote["quoteId"]
    assert api.convert_trade(qid, "BTC", "USDT", "sell", "100", "USDT")["code"] == "52919"
    assert api.convert_trade(qid, "BTC", "USDT", "buy", "101", "USDT")["code"] == "52920"
    assert api.convert_trade("quoter1", "BTC", "USDT", "buy", "100", "USDT")["code"] == "52927"
    huge = api.estimate_quote("BTC", "USDT", "buy", "20000", "USDT")
    (big,) = _data(huge)
    assert api.convert_trade(big["quoteId"], "BTC", "USDT", "buy", "20000", "USDT")["code"] == "52914"
    assert api.estimate_quote("BTC", "USDT", "buy", "0.000001", "BTC")["code"] == "52917"
    with ControlClient(world.base_url, world.server.runtime.admin_token) as control:
        control.advance_clock(seconds=10)
    expired = api.convert_trade(qid, "BTC", "USDT", "buy", "100", "USDT")
    assert (expired["code"], expired["msg"]) == ("52922", "Quote expired, please ask for quote again")
