"""Scripting the simulated market through the control API: prices, freeze, halts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.client import ControlError, OkxError
from sandex.testing.inprocess import SandexApp


async def _last(sandex_app: SandexApp, inst_id: str) -> Decimal:
    data = await sandex_app.okx().request("GET", "/api/v5/market/ticker", {"instId": inst_id}, signed=False)
    return Decimal(data[0]["last"])


async def test_a_set_price_is_what_the_ticker_shows(sandex_app: SandexApp) -> None:
    market = await sandex_app.control.set_price("BTC-USDT", "95000")
    assert (market["instId"], market["refPx"]) == ("BTC-USDT", "95000")
    assert await _last(sandex_app, "BTC-USDT") == Decimal(95000)
    shifted = await sandex_app.control.shift_price("BTC-USDT", "-10")
    assert Decimal(shifted["refPx"]) == Decimal(85500)


async def test_freeze_and_unfreeze_the_whole_market(sandex_app: SandexApp) -> None:
    await sandex_app.control.freeze_market()
    assert all(m["frozen"] for m in await sandex_app.control.markets())
    await sandex_app.control.unfreeze_market()
    assert not any(m["frozen"] for m in await sandex_app.control.markets())


async def test_a_halted_instrument_refuses_new_orders(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(funds={"USDT": "1000"})
    halted = await sandex_app.control.market("halt", "ETH-USDT")
    assert halted[0]["state"] == "suspend"
    okx = sandex_app.okx(account.trade)
    with pytest.raises(OkxError) as caught:
        await okx.place_order("ETH-USDT", "buy", "limit", "0.1", px="100")
    assert caught.value.code == "51155"
    await sandex_app.control.market("resume", "ETH-USDT")
    assert (await okx.place_order("ETH-USDT", "buy", "limit", "0.1", px="100")).ok


async def test_a_reset_puts_prices_back_to_their_reference(sandex_app: SandexApp) -> None:
    reference = Decimal((await sandex_app.control.market("show", "BTC-USDT"))[0]["refPx"])
    await sandex_app.control.set_price("BTC-USDT", "1000")
    await sandex_app.control.reset()
    assert Decimal((await sandex_app.control.market("show", "BTC-USDT"))[0]["refPx"]) == reference


@pytest.mark.parametrize(
    ("command", "args", "field"),
    [("set", {"value": "abc"}, "value"), ("drain", {"side": "up"}, "side"), ("fly", {}, "command")],
)
async def test_a_bad_market_command_names_the_field(
    sandex_app: SandexApp, command: str, args: dict[str, str], field: str
) -> None:
    before = await sandex_app.control.markets()
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.market(command, "BTC-USDT", **args)
    assert (caught.value.status, caught.value.field) == (400, field)
    assert await sandex_app.control.markets() == before


async def _mark(sandex_app: SandexApp, inst_id: str) -> Decimal:
    params = {"instType": "SWAP", "instId": inst_id}
    data = await sandex_app.okx().request("GET", "/api/v5/public/mark-price", params, signed=False)
    return Decimal(data[0]["markPx"])


async def test_a_swaps_mark_can_be_set_shifted_and_released(sandex_app: SandexApp) -> None:
    swap = "BTC-USDT-SWAP"
    held = await sandex_app.control.set_mark(swap, "90000")
    assert (held["instId"], held["markPinned"]) == (swap, True) and held["indexPx"]
    market = sandex_app.runtime.market
    await market.marks.publish()  # one market step's marks (the market maker steps on its own)
    assert await _mark(sandex_app, swap) == Decimal(90000)
    assert sandex_app.runtime.trading.sequencer.core.marks()[swap][0] == Decimal(90000)  # the core has it
    await sandex_app.control.shift_mark(swap, "-10")
    await market.marks.publish()
    assert await _mark(sandex_app, swap) == Decimal(81000)
    released = await sandex_app.control.freeze_mark(swap, False)
    assert released["markPinned"] is False
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.set_mark("BTC-USDT", "1")  # a spot pair has no mark
    assert "inst_id" in str(caught.value)
