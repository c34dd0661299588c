"""Unmodified ccxt (`ccxt.okx`) funding against a real sandex server: deposit addresses, deposits,
transfers between accounts, withdrawals (ccxt sends `fee` and `chain`) and their history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ccxt
import pytest

from tests.support.factories import TRON_ADDR, XRP_ADDR
from tests.support.polling import eventually
from tests.support.servers import FRIEND, WITHDRAWAL_MS, Funded, funded_world


@pytest.fixture(scope="module")
def funded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Funded]:
    data_dir: Path = tmp_path_factory.mktemp("ccxt-funding") / "data"
    with funded_world(data_dir) as world:
        yield world


@pytest.fixture(scope="module")
def okx(funded: Funded) -> ccxt.okx:
    creds = funded.creds
    exchange = ccxt.okx({"apiKey": creds.api_key, "secret": creds.secret, "password": creds.passphrase})
    exchange.urls["api"]["rest"] = funded.base_url
    exchange.load_markets()  # live mode with keys: reads asset/currencies (networks, fees, minimums)
    return exchange


def test_fetch_deposit_address_per_network_and_with_tag(okx: ccxt.okx) -> None:
    usdt = okx.fetch_deposit_address("USDT")
    assert usdt["currency"] == "USDT" and usdt["address"].startswith("T") and usdt["tag"] is None
    erc20 = okx.fetch_deposit_address("USDT", {"network": "ERC20"})
    assert erc20["address"].startswith("0x") and erc20["network"] == "ERC20"
    assert okx.fetch_deposit_address("USDT") == usdt  # stable
    xrp = okx.fetch_deposit_address("XRP")
    assert xrp["address"].startswith("r") and xrp["tag"] and xrp["tag"].isdigit()


def test_fetch_deposits_shows_the_operator_credits(okx: ccxt.okx) -> None:
    deposits = okx.fetch_deposits("USDT")
    assert [(d["type"], d["amount"], d["status"], d["currency"]) for d in deposits] == [
        ("deposit", 1000, "ok", "USDT")
    ]
    assert deposits[0]["network"] == "TRC20" and deposits[0]["id"]


def test_transfer_between_funding_and_trading(okx: ccxt.okx) -> None:
    moved = okx.transfer("USDT", 100, "funding", "trading")
    assert moved["id"] and (moved["fromAccount"], moved["toAccount"], moved["amount"]) == (
        "funding",
        "trading",
        100,
    )
    assert okx.fetch_balance({"type": "funding"})["USDT"]["free"] == 900
    assert okx.fetch_balance()["USDT"]["free"] == 100
    back = okx.transfer("USDT", 100, "trading", "funding")
    assert okx.fetch_transfer(back["id"])["status"] == "ok"
    assert okx.fetch_balance({"type": "funding"})["USDT"]["total"] == 1000


def test_withdraw_on_chain_moves_through_states(funded: Funded, okx: ccxt.okx) -> None:
    sent = okx.withdraw("USDT", 10, TRON_ADDR, {"network": "TRC20"})  # ccxt adds chain and fee
    assert sent["id"] and sent["type"] == "withdrawal"
    (pending,) = [w for w in okx.fetch_withdrawals("USDT") if w["id"] == sent["id"]]
    assert (pending["status"], pending["amount"], pending["address"], pending["fee"]["cost"]) == (
        "pending",
        10,
        TRON_ADDR,
        1,
    )
    funding = okx.fetch_balance({"type": "funding"})["USDT"]
    assert (funding["free"], funding["used"]) == (989, 11)
    funded.travel(WITHDRAWAL_MS)
    done = eventually(
        lambda: next(w for w in okx.fetch_withdrawals("USDT") if w["id"] == sent["id"]),
        lambda w: w["status"] == "ok",
    )
    assert done["status"] == "ok" and done["txid"].startswith("0x")
    assert okx.fetch_balance({"type": "funding"})["USDT"]["total"] == 989


def test_withdraw_with_a_tag_and_internally(funded: Funded, okx: ccxt.okx) -> None:
    xrp = okx.withdraw("XRP", 5, XRP_ADDR, {"tag": "7"})
    (row,) = [w for w in okx.fetch_withdrawals("XRP") if w["id"] == xrp["id"]]
    assert row["info"]["tag"] == "7" and row["address"] == XRP_ADDR
    internal = okx.withdraw("USDT", 3, FRIEND, {"dest": "3"})
    (sent,) = [w for w in okx.fetch_withdrawals("USDT") if w["id"] == internal["id"]]
    assert (sent["status"], sent["fee"]["cost"]) == ("ok", 0)


def test_withdraw_errors_map_to_ccxt_exceptions(okx: ccxt.okx) -> None:
    with pytest.raises(ccxt.InvalidAddress):  # 58207: not on the allow-list
        okx.withdraw("USDT", 10, "TAnotherXXXXXXXXXXXXXXXXXXXXXXXXX1", {"network": "TRC20"})
    with pytest.raises(ccxt.InsufficientFunds):  # 58350
        okx.withdraw("USDT", 100000, TRON_ADDR, {"network": "TRC20"})
    with pytest.raises(ccxt.ExchangeError):  # 58206: below the chain's minimum
        okx.withdraw("USDT", 0.5, TRON_ADDR, {"network": "TRC20"})
