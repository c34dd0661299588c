"""The control API's swap settings on the real exchange: Futures mode lets the account trade swaps
(Spot mode refuses them with 51010), a setting that cannot change while orders are open is
refused with OKX's code, leverage beyond the instrument's is refused, and a position seeded by real
orders (the honest way: a counterparty's resting order taken by the account) is there.

Orders go through the trading service (the sequencer), as the OKX order route hands them over."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.client import ControlError
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import CancelSpec, OrderSpec
from sandex.services.exchange.commands import OrderAck
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.views import Trader
from sandex.testing.inprocess import SandexApp
from sandex.transport.okx.errors import wire_error
from tests.support.polling import until

SWAP = "BTC-USDT-SWAP"


async def _user_id(app: SandexApp, uid: str) -> int:
    user = app.runtime.accounts.get_user_by_uid(uid)
    assert user is not None
    return user.id


async def _mark(app: SandexApp) -> str:
    """The swap's mark once the market has computed one."""
    await until(lambda: _has_mark(app), "a mark price")
    [market] = await app.control.market("show", SWAP)
    return str(market["markPx"])


async def _has_mark(app: SandexApp) -> bool:
    [market] = await app.control.market("show", SWAP)
    return bool(market.get("markPx"))


async def _place(app: SandexApp, uid: str, side: Side, sz: str, px: str) -> OrderAck:
    trader = Trader(await _user_id(app, uid), Environment.LIVE)
    spec = OrderSpec(SWAP, side, OrdType.LIMIT, Decimal(sz), Decimal(px), td_mode="cross")
    acks = await app.runtime.trading.service.place(trader, [spec])
    assert not isinstance(acks, Rejected)
    return acks[0]


async def test_futures_mode_opens_swaps_and_settings_follow_okx_rules(sandex_app: SandexApp) -> None:
    account = await sandex_app.create_account(email="bot@sandex.test", funds={"USDT": "100000"})
    refused = await _place(sandex_app, account.uid, Side.BUY, "1", "50000")
    assert refused.rejected is not None and wire_error(refused.rejected)[0].code == "51010"
    chosen = await sandex_app.control.set_account_mode(account.uid, "futures")
    assert (chosen.acct_lv, chosen.pos_mode) == ("2", "net_mode")
    order = await _place(sandex_app, account.uid, Side.BUY, "1", "50000")
    assert order.rejected is None
    with pytest.raises(ControlError) as busy:
        await sandex_app.control.set_position_mode(account.uid, "long_short")
    assert (busy.value.status, busy.value.code) == (400, "59000")
    with pytest.raises(ControlError) as back_to_spot:
        await sandex_app.control.set_account_mode(account.uid, "spot")
    assert back_to_spot.value.code == "59000"
    with pytest.raises(ControlError) as too_high:
        await sandex_app.control.set_leverage(account.uid, SWAP, "500")
    assert too_high.value.code == "59102"
    trader = Trader(await _user_id(sandex_app, account.uid), Environment.LIVE)
    [canceled] = await sandex_app.runtime.trading.service.cancel(
        trader, [CancelSpec(SWAP, int(order.ord_id))]
    )  # type: ignore[misc]
    assert canceled.rejected is None
    hedged = await sandex_app.control.set_position_mode(account.uid, "long_short")
    assert hedged.pos_mode == "long_short_mode"
    assert (await sandex_app.control.swap_settings(account.uid, demo=True)).acct_lv == "1"  # demo is its own


async def test_a_position_seeded_by_real_orders(sandex_app: SandexApp) -> None:
    trader = await sandex_app.create_account(email="trader@sandex.test", funds={"USDT": "10000"})
    other = await sandex_app.create_account(email="other@sandex.test", funds={"USDT": "10000"})
    for uid in (trader.uid, other.uid):
        await sandex_app.control.set_account_mode(uid, "futures")
    await sandex_app.control.set_leverage(trader.uid, SWAP, "20")
    px = await _mark(sandex_app)  # inside the price limits around the mark
    for uid, side in ((other.uid, Side.SELL), (trader.uid, Side.BUY)):
        assert (await _place(sandex_app, uid, side, "2", px)).rejected is None
    user_id = await _user_id(sandex_app, trader.uid)
    account = sandex_app.runtime.trading.accounts.ensure(user_id, Environment.LIVE, LedgerAccountKind.TRADING)
    [position] = sandex_app.runtime.trading.store.positions(account)
    assert (position.inst_id, position.pos, position.avg_px, position.lever) == (
        SWAP,
        Decimal(2),
        Decimal(px),
        Decimal(20),
    )
    # 2 contracts x 0.01 BTC x px: margin at 20x is px / 1000 USDT
    assert position.margin == Decimal(px) / 1000 * 10**18
