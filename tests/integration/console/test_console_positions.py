"""The Positions page and the account-mode choice: what a user sees of their swap positions
(side, size, prices, PnL, margin, liquidation price, leverage, margin mode), closed positions with
a liquidation shown as one, funding fees; leverage and the account/position mode set from forms.

The reads are a stand-in (`Reads`) and the writer a recording bus (`Bus`), so these pin the pages
and forms; `test_console_positions_live.py` runs the same flows on the real exchange."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv, MgnMode, PosMode, PosSide
from sandex.services.console.swaps import FundingFee
from sandex.services.control.swaps import SwapControls
from sandex.services.exchange.swap_commands import SetAccountLevel, SetLeverage, SetPositionMode
from sandex.services.exchange.swap_records import (
    AccountSettingsRecord,
    LeverageRecord,
    PositionRecord,
    PositionView,
)
from tests.support.console import Console, Visitor

LIVE, DEMO = Environment.LIVE, Environment.DEMO
E18 = 10**18


class Bus:
    def __init__(self) -> None:
        self.submitted: list[object] = []
        self.settings: dict[int, AccountSettingsRecord] = {}

    async def submit(self, command: object) -> object:
        self.submitted.append(command)
        if isinstance(command, SetAccountLevel):
            old = self.account_settings(command.environment, command.account_id)
            self.settings[command.account_id] = old._replace(acct_lv=command.acct_lv)
        return None

    def account_settings(self, environment: Environment, account_id: int) -> AccountSettingsRecord:
        return self.settings.get(
            account_id, AccountSettingsRecord(environment, account_id, AcctLv.SPOT, PosMode.NET, 0)
        )


def record(**changes: object) -> PositionRecord:
    base = PositionRecord(
        environment=LIVE,
        account_id=1,
        pos_id=11,
        inst_id="BTC-USDT-SWAP",
        mgn_mode=MgnMode.ISOLATED,
        pos_side=PosSide.NET,
        pos=Decimal(-3),
        avg_px=Decimal("60000"),
        margin=36 * E18,
        lever=Decimal(50),
        realized_pnl=-36 * E18,
        pnl=-30 * E18,
        fee=-6 * E18,
        funding_fee=0,
        liq_penalty=0,
        c_time=1_700_000_000_000,
        u_time=1_700_000_100_000,
        trade_id=5,
        open_max_pos=Decimal(3),
        close_total_pos=Decimal(0),
        close_avg_px=None,
        state="live",
        close_type=None,
    )
    return base._replace(**changes)  # type: ignore[arg-type]


def view(rec: PositionRecord) -> PositionView:
    return PositionView(
        record=rec,
        inst_type="SWAP",
        ccy="USDT",
        mark_px=Decimal("60500"),
        idx_px=Decimal("60490"),
        last=Decimal("60510"),
        upl=Decimal("-15"),
        upl_last_px=Decimal("-15.3"),
        upl_ratio=Decimal("-0.4166"),
        imr=None,
        margin=Decimal("36"),
        mmr=Decimal("7.26"),
        mgn_ratio=Decimal("2.9"),
        liq_px=Decimal("60900.5"),
        bk_px=Decimal("61200"),
        be_px=Decimal("59940"),
        notional_usd=Decimal("1815"),
        avail_pos=Decimal(3),
        tier=1,
        max_lever=Decimal(100),
    )


class Reads:
    def __init__(self) -> None:
        self.open = [view(record())]
        liquidated = record(
            pos_id=9,
            pos=Decimal(0),
            state="closed",
            close_type=3,
            close_total_pos=Decimal(2),
            close_avg_px=Decimal("61150"),
            trigger_px=Decimal("60880"),
            realized_pnl=-2_500_000_000_000_000_000,
        )
        self.closed = [liquidated, record(pos_id=8, pos=Decimal(0), state="closed", close_type=2)]

    def positions(self, user_id: int, environment: Environment) -> list[PositionView]:
        return self.open if environment is LIVE else []

    def closed_positions(self, user_id: int, environment: Environment, limit: int) -> list[PositionRecord]:
        return self.closed if environment is LIVE else []

    def leverages(self, user_id: int, environment: Environment) -> list[LeverageRecord]:
        return [
            LeverageRecord(environment, 1, "BTC-USDT-SWAP", MgnMode.CROSS, PosSide.NET, Decimal(10)),
            LeverageRecord(environment, 1, "BTC-USDT-SWAP", MgnMode.ISOLATED, PosSide.NET, Decimal(50)),
        ]

    def funding_fees(self, user_id: int, environment: Environment, limit: int) -> list[FundingFee]:
        return [FundingFee("77", "BTC-USDT-SWAP", "USDT", Decimal("0.1815"), 1_700_006_400_000)]


@pytest.fixture
def bus(app: Console) -> Bus:
    bus = Bus()
    app.context.swaps = SwapControls(bus, app.runtime.trading.accounts, bus)  # type: ignore[arg-type]
    app.context.swap_reads = Reads()
    return bus


def _row(page: str, attr: str) -> str:
    found = re.search(rf"<tr {attr}[^>]*>(.*?)</tr>", page, re.S)
    assert found, page
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


async def test_an_open_position_shows_every_number_a_trader_watches(
    app: Console, alice: Visitor, bus: Bus
) -> None:
    page = await alice.get("/positions")
    assert page.status_code == 200, page.text
    row = _row(page.text, 'data-inst-id="BTC-USDT-SWAP" data-pos-id="11"')
    assert row == (
        "BTC-USDT-SWAP Short 3 60,000 60,500 -15 USDT -41.66 % 36 USDT 7.26 USDT 60,900.5 50× Isolated"
    )
    assert (
        'aria-current="page">Positions<' in page.text or 'href="/positions" aria-current="page"' in page.text
    )


async def test_a_liquidation_is_shown_as_a_liquidation(app: Console, alice: Visitor, bus: Bus) -> None:
    page = (await alice.get("/positions")).text
    liquidated = _row(page, 'data-pos-id="9" data-close-type="3"')
    assert "Liquidated" in liquidated and "at mark 60,880" in liquidated and "-2.5" in liquidated
    closed = _row(page, 'data-pos-id="8" data-close-type="2"')
    assert closed.endswith("Closed")


async def test_funding_fees_are_listed(app: Console, alice: Visitor, bus: Bus) -> None:
    page = (await alice.get("/positions")).text
    assert _row(page, 'data-bill-id="77"').endswith("BTC-USDT-SWAP 0.1815 USDT received")


async def test_leverage_is_set_from_the_page(app: Console, alice: Visitor, bus: Bus) -> None:
    await alice.get("/positions?env=demo")
    fields = {
        "env": "demo",
        "inst_id": "BTC-USDT-SWAP",
        "mgn_mode": "isolated",
        "lever": "20",
        "pos_side": "",
    }
    done = await alice.post("/positions/leverage", fields)
    assert done.status_code == 303 and done.headers["location"] == "/positions?env=demo&notice=leverage-set"
    [command] = bus.submitted
    assert isinstance(command, SetLeverage)
    assert (command.environment, command.inst_id, command.mgn_mode, command.pos_side, command.lever) == (
        DEMO,
        "BTC-USDT-SWAP",
        MgnMode.ISOLATED,
        None,
        Decimal(20),
    )


async def test_a_bad_leverage_is_refused_on_the_page(app: Console, alice: Visitor, bus: Bus) -> None:
    await alice.get("/positions")
    fields = {"env": "live", "inst_id": "BTC-USDT-SWAP", "mgn_mode": "cross", "lever": "lots"}
    refused = await alice.post("/positions/leverage", fields)
    assert refused.status_code == 400
    assert "lever" in refused.text and 'class="alert alert-error"' in refused.text
    assert bus.submitted == []


async def test_the_account_mode_is_chosen_on_the_console(app: Console, alice: Visitor, bus: Bus) -> None:
    page = await alice.get("/account/mode")
    assert 'data-account-mode="1"' in page.text and 'value="spot" checked' in page.text
    chosen = await alice.post("/account/mode", {"env": "live", "mode": "futures"})
    assert (
        chosen.status_code == 303
        and chosen.headers["location"] == "/account/mode?env=live&notice=account-mode-set"
    )
    assert [type(c) for c in bus.submitted] == [SetAccountLevel]
    after = await alice.get(chosen.headers["location"])
    assert 'data-account-mode="2"' in after.text and "The account mode is set." in after.text
    assert 'data-account-mode="1"' in (await alice.get("/account/mode?env=demo")).text  # demo is its own


async def test_position_mode_is_chosen_on_the_console(app: Console, alice: Visitor, bus: Bus) -> None:
    await alice.get("/account/mode")
    chosen = await alice.post("/account/position-mode", {"env": "live", "mode": "long_short"})
    assert chosen.status_code == 303
    [command] = bus.submitted
    assert isinstance(command, SetPositionMode) and command.pos_mode is PosMode.LONG_SHORT
    refused = await alice.post(
        "/account/position-mode", {"env": "live", "mode": "sideways"}, csrf=alice.csrf()
    )
    assert refused.status_code == 400 and len(bus.submitted) == 1


async def test_the_spot_mode_warning_links_to_the_choice(app: Console, alice: Visitor, bus: Bus) -> None:
    page = (await alice.get("/positions?env=demo")).text
    assert "This account is in Spot mode" in page and 'href="/account/mode?env=demo"' in page
    assert "No open positions." in page


async def test_without_swaps_the_pages_do_not_exist(app: Console, alice: Visitor) -> None:
    app.context.swaps = None
    app.context.swap_reads = None
    assert (await alice.get("/positions")).status_code == 404
    assert (await alice.get("/account/mode")).status_code == 404


async def test_the_overview_shows_the_account_mode(app: Console, alice: Visitor, bus: Bus) -> None:
    page = (await alice.get("/account")).text
    assert 'href="/account/mode" data-account-mode="1"' in page and "Choose Futures" in page
