"""The built-in market maker and flow: a two-sided living market that obeys the exchange's rules."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from tests.support.apps import Rig, rig
from tests.support.exchange import BTC, D, assert_conserved, fund, new_trader, tape


async def best(m: Rig, inst_id: str = BTC, demo: bool = False) -> tuple[Decimal, Decimal]:
    [book] = await m.get("books", instId=inst_id, sz="1", demo=demo)
    return D(book["bids"][0][0]), D(book["asks"][0][0])


async def test_a_seeded_market_trades_the_same_way_every_time(tmp_path: Path) -> None:
    runs = []
    for run in ("one", "two", "other"):
        async with rig(tmp_path / run, market=True, seed=1234 if run != "other" else 99) as m:
            await m.step(15)
            runs.append(tape(m.rt) + tape(m.rt, Environment.DEMO))
    assert len(runs[0]) > 20  # the flow made trades
    assert runs[0] == runs[1]  # same ids, instruments, prices, sizes and sides
    assert runs[0] != runs[2]


async def test_every_book_is_two_sided_and_several_levels_deep_around_the_reference(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=5) as m:
        await m.step(3)
        board = m.rt.market.board
        for inst_id in ("BTC-USDT", "SHIB-USDT", "PEPE-USDT", "USDC-USDT"):
            for demo in (False, True):
                [book] = await m.get("books", instId=inst_id, sz="400", demo=demo)
                assert len(book["bids"]) >= 5 and len(book["asks"]) >= 5, inst_id
                ref = board.path(inst_id).px
                assert D(book["bids"][0][0]) < ref < D(book["asks"][0][0]) or ref in (
                    D(book["bids"][0][0]),
                    D(book["asks"][0][0]),
                )
        assert_conserved(m.rt)


async def test_the_flow_makes_tickers_and_candles_move(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=7) as m:
        await m.step(25)
        tickers = await m.get("tickers", instType="SPOT")
        traded = [t for t in tickers if D(t["vol24h"]) > 0]
        assert len(traded) >= 5
        for t in traded:
            assert D(t["low24h"]) <= D(t["last"]) <= D(t["high24h"])
        candles = await m.get("candles", instId=traded[0]["instId"], bar="1m")
        assert candles and D(candles[0][5]) > 0
        assert_conserved(m.rt)


async def test_users_trade_against_the_maker_under_the_same_rules(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=3) as m:
        await m.step(2)
        _, ask = await best(m)
        trader = new_trader(m.rt, "bot@example.test")
        await fund(m.rt, trader, "USDT", "100000")
        req = OrderSpec(BTC, Side.BUY, OrdType.LIMIT, D("0.01"), ask)
        [ack] = await m.rt.trading.service.place(trader, [req])  # type: ignore[misc]
        assert ack.ok
        fills = m.rt.trading.service.fills(trader)
        assert [f.px for f in fills] == [ask] and fills[0].sz == D("0.01")
        poor = new_trader(m.rt, "poor@example.test")
        refused = await m.rt.trading.service.place(poor, [req])
        assert not isinstance(refused, Rejected) and refused[0].rejected is not None  # 51008 as for anyone
        await m.step()
        assert (await best(m))[1] >= ask - 1  # the hit level was refilled
        assert_conserved(m.rt)


async def test_after_a_set_the_book_recentres_on_the_new_price(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=11) as m:
        await m.step(2)
        done = m.rt.market.control.set_price(BTC, Decimal("95000"))
        assert not isinstance(done, Rejected) and done.ref_px == Decimal("95000")
        await m.step()
        ref = m.rt.market.board.path(BTC).px  # 95,000 and one random step
        assert abs(ref / Decimal("95000") - 1) < Decimal("0.001")
        for demo in (False, True):
            bid, ask = await best(m, demo=demo)
            assert bid <= ref <= ask
            assert ask - bid < Decimal("95000") * Decimal("0.001")
        [index] = await m.get("index-tickers", instId=BTC)
        assert abs(D(index["idxPx"]) / Decimal("95000") - 1) < Decimal("0.001")
        assert_conserved(m.rt)


async def test_freeze_stops_prices_and_flow_and_drain_and_widen_shape_the_book(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=13) as m:
        control = m.rt.market.control
        await m.step(2)
        control.freeze(True)
        before, trades = m.rt.market.board.path(BTC).px, len(tape(m.rt))
        await m.step(10)
        assert m.rt.market.board.path(BTC).px == before and len(tape(m.rt)) == trades
        control.drain(BTC, Side.BUY)
        await m.step()
        [book] = await m.get("books", instId=BTC, sz="400")
        assert book["bids"] == [] and len(book["asks"]) >= 5
        control.drain(BTC, None)
        await m.step()
        bid, ask = await best(m)
        control.widen(BTC, Decimal(10))
        await m.step()
        wide_bid, wide_ask = await best(m)
        assert wide_ask - wide_bid >= 5 * (ask - bid)
        control.freeze(False)
        await m.step(5)
        assert m.rt.market.board.path(BTC).px != before or len(tape(m.rt)) > trades


async def test_a_shift_moves_the_price_over_time(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=17) as m:
        control = m.rt.market.control
        start = m.rt.market.board.path(BTC).px
        shifted = control.shift(BTC, Decimal("-10"), over_ms=0)
        assert not isinstance(shifted, Rejected)
        assert abs(shifted.ref_px / start - Decimal("0.9")) < Decimal("0.0001")
        await m.step()
        bid, ask = await best(m)
        assert bid <= m.rt.market.board.path(BTC).px <= ask
        assert abs((bid + ask) / 2 / shifted.ref_px - 1) < Decimal("0.001")
        refused = control.shift(BTC, Decimal("-100"), over_ms=0)
        assert isinstance(refused, Rejected) and refused.params["field"] == "pct"
        assert isinstance(control.set_price("NOPE-USDT", Decimal(1)), Rejected)


async def test_a_halted_instrument_is_suspended_refuses_orders_and_loses_its_quotes(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=19) as m:
        await m.step(2)
        halted = m.rt.market.control.halt(BTC)
        assert not isinstance(halted, Rejected) and halted.state.value == "suspend"
        listed = (
            await m.http.get("/api/v5/public/instruments", params={"instType": "SPOT", "instId": BTC})
        ).json()
        assert listed["data"][0]["state"] == "suspend"
        trader = new_trader(m.rt, "bot@example.test")
        await fund(m.rt, trader, "USDT", "100000")
        req = OrderSpec(BTC, Side.BUY, OrdType.LIMIT, D("0.01"), D("100000"))
        acks = await m.rt.trading.service.place(trader, [req])
        assert not isinstance(acks, Rejected) and acks[0].rejected == Rejected(Reason.INSTRUMENT_SUSPENDED)
        await m.step()
        [book] = await m.get("books", instId=BTC, sz="400")
        assert book["bids"] == [] and book["asks"] == []  # the maker withdrew
        [eth] = await m.get("books", instId="ETH-USDT")
        assert eth["bids"]  # other instruments trade on
        m.rt.market.control.resume(BTC)
        await m.step()
        listed = (
            await m.http.get("/api/v5/public/instruments", params={"instType": "SPOT", "instId": BTC})
        ).json()
        assert listed["data"][0]["state"] == "live"
        bid, ask = await best(m)
        assert bid < ask
        assert_conserved(m.rt)
