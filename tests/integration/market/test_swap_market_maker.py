"""The market maker and flow on swaps: two-sided books around the index, trades, and marks that
reach the exchange core every step."""

from __future__ import annotations

from pathlib import Path

from tests.support.apps import Rig, rig
from tests.support.exchange import D, assert_conserved

SWAP, INDEX = "BTC-USDT-SWAP", "BTC-USDT"
SWAPS = ("BTC-USDT-SWAP", "ETH-USDT-SWAP", "DOGE-USDT-SWAP", "XRP-USDT-SWAP")


async def _book(m: Rig, inst_id: str, demo: bool = False) -> dict[str, list[list[str]]]:
    [book] = await m.get("books", instId=inst_id, sz="400", demo=demo)
    return book  # type: ignore[no-any-return]


async def test_swap_books_are_two_sided_around_the_index(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=5) as m:
        await m.step(3)
        board = m.rt.market.board
        for inst_id in SWAPS:
            for demo in (False, True):
                book = await _book(m, inst_id, demo)
                assert len(book["bids"]) >= 5 and len(book["asks"]) >= 5, inst_id
                index = board.index_px(inst_id)
                assert index is not None
                bid, ask = D(book["bids"][0][0]), D(book["asks"][0][0])
                assert bid < ask and abs((bid + ask) / 2 / index - 1) < D("0.003"), inst_id
        # sizes are contracts worth about the spot pair's notional: BTC 0.01 BTC a contract
        btc = await _book(m, SWAP)
        spot = await _book(m, INDEX)
        swap_value = D(btc["bids"][0][1]) * D("0.01")
        assert D("0.5") < swap_value / D(spot["bids"][0][1]) < D(2)
        assert_conserved(m.rt)


async def test_the_flow_trades_swaps_and_marks_reach_the_core(tmp_path: Path) -> None:
    async with rig(tmp_path / "data", market=True, seed=7) as m:
        await m.step(40)
        tickers = await m.get("tickers", instType="SWAP")
        traded = [t for t in tickers if D(t["vol24h"]) > 0]
        assert traded, "the flow took on some swap"
        ct_vals = {"BTC": D("0.01"), "ETH": D("0.1"), "SOL": D(1), "XRP": D(100), "DOGE": D(1000)}
        ct_vals |= {"BNB": D("0.01"), "ADA": D(100), "TRX": D(1000), "LTC": D(1)}
        for t in traded:  # OKX: vol24h in contracts, volCcy24h in the coin
            ct = ct_vals[t["instId"].split("-")[0]]
            assert D(t["volCcy24h"]) == D(t["vol24h"]) * ct and t["instType"] == "SWAP"
        [candle, *_] = await m.get("candles", instId=traded[0]["instId"], bar="1m")
        vol, coin, quote = D(candle[5]), D(candle[6]), D(candle[7])
        ct = ct_vals[traded[0]["instId"].split("-")[0]]
        assert vol > 0 and coin == vol * ct and D(candle[3]) * coin <= quote <= D(candle[2]) * coin
        assert m.rt.market.marks.published >= 40  # one UpdateMarks per step, all accepted
        marks = m.rt.trading.sequencer.core.marks()
        assert set(marks) >= set(SWAPS)
        mark, index = marks[SWAP]
        assert mark == m.rt.market.board.mark_px(SWAP)
        assert abs(mark / index - 1) <= D("0.005")
        assert_conserved(m.rt)
