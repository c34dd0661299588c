"""Per-account fee tiers set through the control API: `account/trade-fee` shows them, the next
fills pay them (maker and taker each at their own rate), and a reset puts the default back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.client import ControlError
from sandex.testing.inprocess import SandexApp

PX, SZ = "50000", "0.01"


async def _trade_fee(app: SandexApp, credentials: object) -> dict[str, str]:
    rows = await app.okx(credentials).request(  # type: ignore[arg-type]
        "GET", "/api/v5/account/trade-fee", {"instType": "SPOT", "instId": "BTC-USDT"}
    )
    row: dict[str, str] = rows[0]
    return row


async def test_a_tier_shows_in_trade_fee_and_prices_the_next_fills(sandex_app: SandexApp) -> None:
    maker = await sandex_app.create_account(email="maker@sandex.test", funds={"BTC": "1"})
    taker = await sandex_app.create_account(email="taker@sandex.test", funds={"USDT": "10000"})
    set_maker = await sandex_app.control.set_fee_tier(maker.uid, maker="0.0002", taker="0.0005", level="VIP5")
    assert set_maker == {"uid": maker.uid, "level": "VIP5", "maker": "0.0002", "taker": "0.0005"}
    await sandex_app.control.set_fee_tier(taker.uid, taker="0.0007", level="VIP1")  # maker stays default

    shown = await _trade_fee(sandex_app, maker.read_only)
    assert (shown["level"], shown["maker"], shown["taker"]) == ("VIP5", "-0.0002", "-0.0005")
    other = await _trade_fee(sandex_app, taker.read_only)
    assert (other["level"], other["maker"], other["taker"]) == ("VIP1", "-0.0008", "-0.0007")

    await sandex_app.okx(maker.trade).place_order("BTC-USDT", "sell", "limit", SZ, px=PX)
    await sandex_app.okx(taker.trade).place_order("BTC-USDT", "buy", "limit", SZ, px=PX)
    maker_fill = (await sandex_app.okx(maker.read_only).request("GET", "/api/v5/trade/fills"))[0]
    taker_fill = (await sandex_app.okx(taker.read_only).request("GET", "/api/v5/trade/fills"))[0]
    # the maker sold 0.01 BTC for 500 USDT and pays 0.02 % of it; the taker receives 0.01 BTC, pays 0.07 %
    assert (maker_fill["execType"], Decimal(maker_fill["fee"]), maker_fill["feeCcy"]) == (
        "M",
        Decimal("-0.1"),
        "USDT",
    )
    assert (taker_fill["execType"], Decimal(taker_fill["fee"]), taker_fill["feeCcy"]) == (
        "T",
        Decimal("-0.000007"),
        "BTC",
    )
    balance = await sandex_app.okx(maker.read_only).balance()
    assert balance.avail("USDT") == Decimal("499.9")


async def test_a_reset_puts_the_default_tier_back(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(email="vip@sandex.test", funds={"USDT": "10"})
    await sandex_app.control.set_fee_tier(account.uid, maker="0", taker="0", level="MM")
    assert (await _trade_fee(sandex_app, account.read_only))["taker"] in ("0", "-0")
    reset = await sandex_app.control.reset_fee_tier(account.uid)
    assert reset == {"uid": account.uid, "level": "Lv1", "maker": "0.0008", "taker": "0.001"}
    shown = await _trade_fee(sandex_app, account.read_only)
    assert (shown["level"], shown["maker"], shown["taker"]) == ("Lv1", "-0.0008", "-0.001")


@pytest.mark.parametrize(
    ("maker", "taker", "level", "field"),
    [
        ("-0.0001", None, None, "maker"),
        (None, "1", None, "taker"),
        ("abc", None, None, "maker"),
        (None, None, "x" * 17, "level"),
    ],
)
async def test_a_bad_tier_is_refused_naming_the_field_and_changes_nothing(
    sandex_app: SandexApp, maker: str | None, taker: str | None, level: str | None, field: str
) -> None:
    account = await sandex_app.create_account(email="bad@sandex.test", funds={})
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.set_fee_tier(account.uid, maker=maker, taker=taker, level=level)
    assert caught.value.status == 400 and caught.value.field == field
    assert (await _trade_fee(sandex_app, account.read_only))["level"] == "Lv1"


async def test_an_unknown_user_is_not_found(sandex_app: SandexApp) -> None:
    with pytest.raises(ControlError) as caught:
        await sandex_app.control.set_fee_tier("999999999", maker="0.0001")
    assert caught.value.status == 404
