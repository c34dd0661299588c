"""Unmodified python-okx `FundingAPI` against a real sandex server: only `domain` changes.

python-okx sends every optional field as `""` (`funds_transfer` adds `instId`, `toInstId` and
`loanTrans`), posts JSON with spaces after separators, and skips empty query values.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import okx.Funding as Funding
import pytest

from sandex.domain.money import format_decimal
from tests.support.factories import TRON_ADDR
from tests.support.polling import eventually
from tests.support.servers import FRIEND, WITHDRAWAL_MS, Funded, funded_world

# python-okx posts with httpx's deprecated `data=<str>`; the warning is about the SDK, not sandex.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture(scope="module")
def funded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Funded]:
    data_dir: Path = tmp_path_factory.mktemp("python-okx-funding") / "data"
    with funded_world(data_dir) as world:
        yield world


@pytest.fixture(scope="module")
def api(funded: Funded) -> Funding.FundingAPI:
    c = funded.creds
    return Funding.FundingAPI(c.api_key, c.secret, c.passphrase, False, "0", domain=funded.base_url)


def _data(result: dict[str, object]) -> list[dict[str, str]]:
    assert result["code"] == "0", result
    rows = result["data"]
    assert isinstance(rows, list)
    return rows


def test_currencies_balances_and_valuation(funded: Funded, api: Funding.FundingAPI) -> None:
    chains = {row["chain"] for row in _data(api.get_currencies("USDT"))}
    assert chains == {"USDT-TRC20", "USDT-ERC20"}
    assert _data(api.get_balances("USDT")) == [
        {"availBal": "1000", "bal": "1000", "ccy": "USDT", "frozenBal": "0"}
    ]
    xrp_usdt = funded.server.runtime.catalogue.instruments["XRP-USDT"].ref_px
    worth = format_decimal(1000 + 50 * xrp_usdt)  # 1000 USDT and 50 XRP in the funding account
    (value,) = _data(api.get_asset_valuation("USDT"))
    assert (value["totalBal"], value["details"]) == (  # type: ignore[comparison-overlap]
        worth,
        {"classic": "0", "earn": "0", "funding": worth, "trading": "0"},
    )


def test_funds_transfer_and_its_state(api: Funding.FundingAPI) -> None:
    (moved,) = _data(api.funds_transfer("USDT", "25", "6", "18"))
    assert (moved["from"], moved["to"], moved["amt"]) == ("6", "18", "25")
    (state,) = _data(api.transfer_state(moved["transId"]))
    assert (state["state"], state["type"]) == ("success", "0")
    (back,) = _data(api.funds_transfer("USDT", "25", "18", "6"))
    bills = _data(api.get_bills(ccy="USDT", type="130"))
    assert [b["balChg"] for b in bills] == ["25"]
    assert back["transId"] != moved["transId"]


def test_deposit_address_and_history(api: Funding.FundingAPI) -> None:
    addresses = _data(api.get_deposit_address("USDT"))
    assert [a["chain"] for a in addresses] == ["USDT-TRC20", "USDT-ERC20"]
    history = _data(api.get_deposit_history(ccy="USDT"))
    assert [(d["amt"], d["state"]) for d in history] == [("1000", "2")]


def test_withdrawal_cancel_and_history(funded: Funded, api: Funding.FundingAPI) -> None:
    (first,) = _data(api.withdrawal("USDT", "20", "4", TRON_ADDR, chain="USDT-TRC20", clientId="pyokx1"))
    (retry,) = _data(api.withdrawal("USDT", "20", "4", TRON_ADDR, chain="USDT-TRC20", clientId="pyokx1"))
    assert retry == first  # the same clientId answers the first result: money moves once
    assert _data(api.cancel_withdrawal(first["wdId"])) == [{"wdId": first["wdId"]}]
    (canceled,) = _data(api.get_withdrawal_history(wdId=first["wdId"]))
    assert canceled["state"] == "-2"
    (second,) = _data(api.withdrawal("USDT", "20", "4", TRON_ADDR, chain="USDT-TRC20"))
    funded.travel(WITHDRAWAL_MS)
    done = eventually(
        lambda: _data(api.get_withdrawal_history(wdId=second["wdId"]))[0], lambda r: r["state"] == "2"
    )
    assert (done["state"], done["fee"], done["clientId"]) == ("2", "1", "")
    refused = api.cancel_withdrawal(second["wdId"])
    assert refused["code"] == "58216"
    assert _data(api.get_balances("USDT"))[0]["bal"] == "979"


def test_internal_withdrawal_and_refusals(api: Funding.FundingAPI) -> None:
    (sent,) = _data(api.withdrawal("USDT", "1", "3", FRIEND))
    (row,) = _data(api.get_withdrawal_history(wdId=sent["wdId"], type="3"))
    assert (row["state"], row["fee"], row["to"]) == ("2", "0", FRIEND)
    assert api.withdrawal("USDT", "1", "4", "TNotA11owedXXXXXXXXXXXXXXXXXXXXXX1")["code"] == "58207"
    assert api.withdrawal("USDT", "0.1", "4", TRON_ADDR)["code"] == "58206"
