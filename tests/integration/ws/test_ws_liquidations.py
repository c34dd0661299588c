"""`liquidation-warning` (private) as a pinned mark walks a long into the warning band, then
`liquidation-orders` (public) when it is liquidated."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.commands import SetMark
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import ForceLiquidation, SetAccountLevel
from sandex.services.trading.views import Trader
from tests.support.ws import World, is_push, open_ws

D = Decimal
SWAP = "BTC-USDT-SWAP"
LIVE = Environment.LIVE


async def test_a_warning_then_the_liquidation_order(world: World) -> None:
    rt = world.server.runtime
    alice = rt.trading.accounts.ensure(world.alice_id, LIVE, LedgerAccountKind.TRADING)
    bob = rt.trading.accounts.ensure(world.bob_id, LIVE, LedgerAccountKind.TRADING)
    for account in (alice, bob):
        await rt.trading.sequencer.submit(SetAccountLevel(LIVE, account, AcctLv.FUTURES))
    mark = rt.trading.core.marks()[SWAP][0]
    sell = OrderSpec(SWAP, Side.SELL, OrdType.LIMIT, D("0.1"), mark, td_mode="isolated")
    buy = OrderSpec(SWAP, Side.BUY, OrdType.LIMIT, D("0.1"), mark, td_mode="isolated")
    assert (await rt.trading.service.place(Trader(world.bob_id, LIVE), [sell]))[0].ok  # type: ignore[index]
    assert (await rt.trading.service.place(Trader(world.alice_id, LIVE), [buy]))[0].ok  # type: ignore[index]
    [long] = [p for p in rt.trading.core.exchange(LIVE).swaps.book.of_account(alice) if p.size]
    entry = D(long.cost) / long.size / 10  # ticks of 0.1
    async with open_ws(world.url("private")) as private, open_ws(world.url("public")) as public:
        assert (await private.login(world.alice))["code"] == "0"
        await private.subscribe({"channel": "liquidation-warning", "instType": "SWAP"})
        await public.subscribe({"channel": "liquidation-orders", "instType": "SWAP"})
        await rt.trading.sequencer.submit(SetMark(SWAP, (entry * D("0.908")).quantize(D("0.1"))))
        warned = await private.expect(is_push("liquidation-warning"), timeout=10)
        [item] = warned["data"]
        assert (item["instId"], item["mgnMode"], item["posSide"], item["pos"]) == (
            SWAP,
            "isolated",
            "net",
            "0.1",
        )
        assert 1 < float(item["mgnRatio"]) <= 3 and warned["arg"]["uid"]
        await rt.trading.sequencer.submit(ForceLiquidation(LIVE, alice, SWAP))
        liquidated = await public.expect(is_push("liquidation-orders"), timeout=10)
        [order] = liquidated["data"]
        assert order["instId"] == SWAP and order["details"][0]["side"] == "sell"
        assert order["details"][0]["sz"] == "0.1"
