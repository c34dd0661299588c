"""The control API's swap routes through the Python client: account mode, position mode, leverage
and forced liquidation reach the exchange's writer as swap commands for the user's live or demo
trading account; bad words are a 400 naming the field with nothing submitted; the writer's refusal
comes back with its OKX code. The writer here is a recording stand-in (`Bus`)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.client import ControlError, SwapSettings
from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.services.control.swaps import SwapControls
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import (
    ForceLiquidation,
    SetAccountLevel,
    SetLeverage,
    SetPositionMode,
)
from sandex.services.exchange.swap_records import AccountSettingsRecord
from sandex.testing.inprocess import SandexApp
from tests.support.polling import until


class Bus:
    def __init__(self) -> None:
        self.submitted: list[object] = []
        self.answer: object = None
        self.settings: dict[int, AccountSettingsRecord] = {}

    async def submit(self, command: object) -> object:
        self.submitted.append(command)
        if isinstance(self.answer, Rejected):
            return self.answer
        if isinstance(command, SetAccountLevel | SetPositionMode):
            old = self.account_settings(command.environment, command.account_id)
            field = "acct_lv" if isinstance(command, SetAccountLevel) else "pos_mode"
            value = command.acct_lv if isinstance(command, SetAccountLevel) else command.pos_mode
            self.settings[command.account_id] = old._replace(**{field: value})
        return self.answer

    def account_settings(self, environment: Environment, account_id: int) -> AccountSettingsRecord:
        return self.settings.get(
            account_id, AccountSettingsRecord(environment, account_id, AcctLv.SPOT, PosMode.NET, 0)
        )


@pytest.fixture
def bus(sandex_app: SandexApp) -> Bus:
    bus = Bus()
    swaps = SwapControls(bus, sandex_app.runtime.trading.accounts, bus)  # type: ignore[arg-type]
    sandex_app.app.state.control.swaps = swaps
    return bus


def _account(app: SandexApp, uid: str, environment: Environment) -> int:
    user = app.runtime.accounts.get_user_by_uid(uid)
    assert user is not None
    return app.runtime.trading.accounts.ensure(user.id, environment, LedgerAccountKind.TRADING)


async def test_futures_mode_then_position_mode(sandex_app: SandexApp, bus: Bus) -> None:
    user = await sandex_app.control.create_user("swapper@sandex.test")
    control = sandex_app.control
    assert await control.swap_settings(user.uid) == SwapSettings(user.uid, "live", "1", "net_mode")
    chosen = await control.set_account_mode(user.uid, "futures")
    assert chosen.futures and chosen == SwapSettings(user.uid, "live", "2", "net_mode")
    hedged = await control.set_position_mode(user.uid, "long_short", demo=True)
    assert hedged == SwapSettings(user.uid, "demo", "1", "long_short_mode")
    live, demo = (_account(sandex_app, user.uid, env) for env in (Environment.LIVE, Environment.DEMO))
    assert bus.submitted == [
        SetAccountLevel(Environment.LIVE, live, AcctLv.FUTURES),
        SetPositionMode(Environment.DEMO, demo, PosMode.LONG_SHORT),
    ]


async def test_leverage_and_liquidation(sandex_app: SandexApp, bus: Bus) -> None:
    user = await sandex_app.control.create_user("lever@sandex.test")
    answer = await sandex_app.control.set_leverage(
        user.uid, "ETH-USDT-SWAP", Decimal("7.5"), mgn_mode="isolated", pos_side="long"
    )
    assert answer == {
        "uid": user.uid,
        "inst_id": "ETH-USDT-SWAP",
        "mgn_mode": "isolated",
        "lever": "7.5",
        "pos_side": "long",
        "environment": "live",
    }
    await sandex_app.control.force_liquidation(user.uid, "ETH-USDT-SWAP")
    live = _account(sandex_app, user.uid, Environment.LIVE)
    assert bus.submitted == [
        SetLeverage(Environment.LIVE, live, "ETH-USDT-SWAP", MgnMode.ISOLATED, PosSide.LONG, Decimal("7.5")),
        ForceLiquidation(Environment.LIVE, live, "ETH-USDT-SWAP"),
    ]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c, uid: c.set_account_mode(uid, "portfolio"), "acctLv"),
        (lambda c, uid: c.set_position_mode(uid, "hedge"), "posMode"),
        (lambda c, uid: c.set_leverage(uid, "BTC-USDT-SWAP", "0"), "lever"),
        (lambda c, uid: c.set_leverage(uid, "BTC-USDT-SWAP", "5", mgn_mode="cash"), "mgnMode"),
    ],
)
async def test_bad_words_are_a_400_naming_the_field(
    sandex_app: SandexApp, bus: Bus, call: object, field: str
) -> None:
    user = await sandex_app.control.create_user("typo@sandex.test")
    with pytest.raises(ControlError) as refused:
        await call(sandex_app.control, user.uid)  # type: ignore[operator]
    assert (refused.value.status, refused.value.code, refused.value.field) == (400, "51000", field)
    assert bus.submitted == []


async def test_the_writers_refusal_and_unknown_users(sandex_app: SandexApp, bus: Bus) -> None:
    user = await sandex_app.control.create_user("busy@sandex.test")
    bus.answer = Rejected.of(Reason.PARAM_ERROR, field="acctLv")  # stands for the core's 59000
    with pytest.raises(ControlError) as refused:
        await sandex_app.control.set_account_mode(user.uid, "futures")
    assert (refused.value.status, refused.value.code) == (400, "51000")
    with pytest.raises(ControlError) as unknown:
        await sandex_app.control.force_liquidation("999999999")
    assert unknown.value.status == 404


async def test_without_the_trading_service_the_routes_answer_501(sandex_app: SandexApp) -> None:
    sandex_app.app.state.control.swaps = None
    user = await sandex_app.control.create_user("early@sandex.test")
    with pytest.raises(ControlError) as refused:
        await sandex_app.control.swap_settings(user.uid)
    assert (refused.value.status, refused.value.reason) == (501, "unavailable")


async def _mark(app: SandexApp) -> Decimal:
    [market] = await app.control.market("show", "BTC-USDT-SWAP")
    return Decimal(market["markPx"] or "0")


async def test_the_mark_is_pinned_shifted_and_released_through_the_client(sandex_app: SandexApp) -> None:
    control = sandex_app.control
    pinned = await control.set_mark("BTC-USDT-SWAP", "60123.4")
    assert (pinned["instId"], pinned["markPinned"]) == ("BTC-USDT-SWAP", True)
    await until(lambda: _is(sandex_app, Decimal("60123.4")), "the pinned mark")  # at the next market step
    await control.shift_mark("BTC-USDT-SWAP", "-10")
    await until(lambda: _is(sandex_app, Decimal("54111.1")), "the shifted mark")
    released = await control.freeze_mark("BTC-USDT-SWAP", frozen=False)
    assert released["markPinned"] is False
    with pytest.raises(ControlError) as refused:
        await control.set_mark("BTC-USDT-SWAP", "-5")
    assert refused.value.status == 400


async def _is(app: SandexApp, px: Decimal) -> bool:
    return await _mark(app) == px
