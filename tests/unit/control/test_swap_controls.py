"""The operator's and the console's swap settings: words people type become the swap commands the
exchange's writer applies (account level, position mode, leverage, forced liquidation); a bad word
is refused naming the field with nothing submitted, and the writer's refusal is passed on as is."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.domain.errors import Reason, Rejected
from sandex.services.control.swaps import SwapControls, SwapSettingsView
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.commands import CommandError
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import (
    ForceLiquidation,
    SetAccountLevel,
    SetLeverage,
    SetPositionMode,
)
from sandex.services.exchange.swap_records import AccountSettingsRecord

LIVE, DEMO = Environment.LIVE, Environment.DEMO
USER = 7


class Accounts:
    """Ledger accounts: user 7's live trading account is 70, its demo one 71."""

    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int:
        assert kind is LedgerAccountKind.TRADING
        return user_id * 10 + (1 if environment is DEMO else 0)

    def find_account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None:
        return self.ensure_account(user_id, environment, kind, 0)


class Clock:
    def now_ms(self) -> int:
        return 0


class Bus:
    """Records what is submitted; answers with `answer` (a Rejected, or the writer's result)."""

    def __init__(self) -> None:
        self.submitted: list[object] = []
        self.answer: object = None
        self.broken = False
        self.settings: dict[int, AccountSettingsRecord] = {}

    async def submit(self, command: object) -> object:
        if self.broken:
            raise CommandError("stopped")
        self.submitted.append(command)
        if isinstance(command, SetAccountLevel) and not isinstance(self.answer, Rejected):
            old = self.account_settings(command.environment, command.account_id)
            self.settings[command.account_id] = old._replace(acct_lv=command.acct_lv)
        return self.answer

    def account_settings(self, environment: Environment, account_id: int) -> AccountSettingsRecord:
        default = AccountSettingsRecord(environment, account_id, AcctLv.SPOT, PosMode.NET, 0)
        return self.settings.get(account_id, default)


@pytest.fixture
def bus() -> Bus:
    return Bus()


@pytest.fixture
def swaps(bus: Bus) -> SwapControls:
    return SwapControls(bus, LedgerAccounts(Accounts(), Clock()), bus)  # type: ignore[arg-type]


async def test_futures_mode_is_submitted_for_the_users_account_and_read_back(
    bus: Bus, swaps: SwapControls
) -> None:
    assert swaps.settings(USER, LIVE) == SwapSettingsView(LIVE, AcctLv.SPOT, PosMode.NET)
    chosen = await swaps.set_account_mode(USER, DEMO, "Futures")
    assert bus.submitted == [SetAccountLevel(DEMO, 71, AcctLv.FUTURES)]
    assert chosen == SwapSettingsView(DEMO, AcctLv.FUTURES, PosMode.NET)
    assert swaps.settings(USER, LIVE).acct_lv is AcctLv.SPOT  # the live account is another account


@pytest.mark.parametrize(
    ("word", "expected"), [("spot", AcctLv.SPOT), ("1", AcctLv.SPOT), ("2", AcctLv.FUTURES)]
)
async def test_account_mode_words(bus: Bus, swaps: SwapControls, word: str, expected: AcctLv) -> None:
    await swaps.set_account_mode(USER, LIVE, word)
    assert bus.submitted == [SetAccountLevel(LIVE, 70, expected)]


@pytest.mark.parametrize("word", ["3", "4", "portfolio", ""])
async def test_other_account_modes_are_refused_naming_acct_lv(
    bus: Bus, swaps: SwapControls, word: str
) -> None:
    refused = await swaps.set_account_mode(USER, LIVE, word)
    assert refused == Rejected.of(Reason.PARAM_ERROR, field="acctLv")
    assert bus.submitted == []


async def test_the_writers_refusal_is_passed_on(bus: Bus, swaps: SwapControls) -> None:
    bus.answer = Rejected.of(Reason.PARAM_ERROR, field="acctLv")  # stands for the core's 59000
    assert await swaps.set_account_mode(USER, LIVE, "futures") == bus.answer
    bus.answer = Rejected.of(Reason.PARAM_ERROR, field="posMode")
    assert await swaps.set_position_mode(USER, LIVE, "net") == bus.answer


async def test_a_stopped_writer_is_a_system_error(bus: Bus, swaps: SwapControls) -> None:
    bus.broken = True
    assert await swaps.force_liquidation(USER, LIVE, "BTC-USDT-SWAP") == Rejected(Reason.SYSTEM_ERROR)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("net", PosMode.NET), ("long_short", PosMode.LONG_SHORT), ("long_short_mode", PosMode.LONG_SHORT)],
)
async def test_position_mode_words(bus: Bus, swaps: SwapControls, word: str, expected: PosMode) -> None:
    await swaps.set_position_mode(USER, LIVE, word)
    assert bus.submitted == [SetPositionMode(LIVE, 70, expected)]
    assert await swaps.set_position_mode(USER, LIVE, "hedge") == Rejected.of(
        Reason.PARAM_ERROR, field="posMode"
    )


async def test_leverage_is_exact_and_per_side_only_when_given(bus: Bus, swaps: SwapControls) -> None:
    assert await swaps.set_leverage(USER, LIVE, "BTC-USDT-SWAP", "cross", "12.5") is None
    assert await swaps.set_leverage(USER, LIVE, "ETH-USDT-SWAP", "isolated", "3", "short") is None
    assert bus.submitted == [
        SetLeverage(LIVE, 70, "BTC-USDT-SWAP", MgnMode.CROSS, None, Decimal("12.5")),
        SetLeverage(LIVE, 70, "ETH-USDT-SWAP", MgnMode.ISOLATED, PosSide.SHORT, Decimal(3)),
    ]


@pytest.mark.parametrize(
    ("inst_id", "mgn_mode", "lever", "pos_side", "field"),
    [
        ("", "cross", "5", "", "instId"),
        ("BTC-USDT-SWAP", "cash", "5", "", "mgnMode"),
        ("BTC-USDT-SWAP", "cross", "0", "", "lever"),
        ("BTC-USDT-SWAP", "cross", "five", "", "lever"),
        ("BTC-USDT-SWAP", "isolated", "5", "net", "posSide"),
    ],
)
async def test_bad_leverage_requests_name_the_field(
    bus: Bus, swaps: SwapControls, inst_id: str, mgn_mode: str, lever: str, pos_side: str, field: str
) -> None:
    refused = await swaps.set_leverage(USER, LIVE, inst_id, mgn_mode, lever, pos_side)
    assert refused == Rejected.of(Reason.PARAM_ERROR, field=field)
    assert bus.submitted == []


async def test_forced_liquidation_of_one_or_every_position(bus: Bus, swaps: SwapControls) -> None:
    assert await swaps.force_liquidation(USER, LIVE, " BTC-USDT-SWAP ") is None
    assert await swaps.force_liquidation(USER, DEMO) is None
    assert bus.submitted == [ForceLiquidation(LIVE, 70, "BTC-USDT-SWAP"), ForceLiquidation(DEMO, 71, "")]
