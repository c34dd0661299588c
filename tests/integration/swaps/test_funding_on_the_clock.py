"""Funding through a running app: the sandbox clock passing a funding time settles every position
once (bills, history, `public/funding-rate-history`), and a restart does not settle it again."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import AcctLv
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.process import Runtime
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.store import BillQuery
from sandex.services.exchange.swap_commands import SetAccountLevel
from sandex.services.trading.views import Trader
from tests.support.apps import funding_box
from tests.support.exchange import fund, new_trader, place_one
from tests.support.polling import until

D = Decimal
SWAP = "BTC-USDT-SWAP"
LIVE = Environment.LIVE


async def _futures_trader(rt: Runtime, email: str) -> tuple[Trader, int]:
    trader = new_trader(rt, email)
    await fund(rt, trader, "USDT", "100000")
    account = rt.trading.accounts.ensure(trader.user_id, LIVE, LedgerAccountKind.TRADING)
    await rt.trading.sequencer.submit(SetAccountLevel(LIVE, account, AcctLv.FUTURES))
    return trader, account


def _cash(rt: Runtime, account: int) -> int:
    return rt.trading.core.exchange(LIVE).ledger.available(account, "USDT")


async def test_the_clock_passing_a_funding_time_settles_positions_once(tmp_path: Path) -> None:
    async with funding_box(tmp_path) as box:
        rt = box.runtime
        await until(lambda: SWAP in rt.trading.core.marks(), "the first marks")
        mark = rt.trading.core.marks()[SWAP][0]
        long, long_acc = await _futures_trader(rt, "long@example.test")
        short, short_acc = await _futures_trader(rt, "short@example.test")
        spec = OrderSpec(SWAP, Side.SELL, OrdType.LIMIT, D(10), mark, td_mode="cross")
        assert (await place_one(rt, short, spec)).ok
        taken = OrderSpec(SWAP, Side.BUY, OrdType.LIMIT, D(10), mark, td_mode="cross")
        assert (await place_one(rt, long, taken)).ok
        rates = rt.funding_rates.service
        rates.set_rate(SWAP, D("0.001"), True)
        [coming] = rates.current(SWAP)  # type: ignore[misc]
        before = _cash(rt, long_acc), _cash(rt, short_acc)
        rt.clock.advance(coming.funding_time - rt.clock.now_ms())
        http = box.client()

        async def settled() -> bool:
            rows = (await http.get("/api/v5/public/funding-rate-history", params={"instId": SWAP})).json()[
                "data"
            ]
            current = (await http.get("/api/v5/public/funding-rate", params={"instId": SWAP})).json()["data"]
            return len(rows) == 1 and int(current[0]["fundingTime"]) > coming.funding_time

        await until(settled, "the settlement in funding-rate-history and the next funding time")
        paid = before[0] - _cash(rt, long_acc)
        assert paid > 0 and _cash(rt, short_acc) - before[1] == paid
        [row] = (await http.get("/api/v5/public/funding-rate-history", params={"instId": SWAP})).json()[
            "data"
        ]
        assert row["fundingTime"] == str(coming.funding_time) and row["realizedRate"] == "0.001"
        now = (await http.get("/api/v5/public/funding-rate", params={"instId": SWAP})).json()["data"][0]
        assert int(now["fundingTime"]) == coming.funding_time + 8 * 3_600_000
        assert now["settFundingRate"] == "0.001"
        rt.clock.advance(3_600_000)  # an hour on: nothing more is due
        await rt.funding_rates.service.tick()
        assert _cash(rt, long_acc) == before[0] - paid
        [bill] = rt.trading.store.bills(long_acc, BillQuery(reasons=[PostingReason.FUNDING]))
        assert (bill.sub_type, bill.pnl, bill.inst_id, bill.delta_available) == (173, -paid, SWAP, -paid)
