"""A funding settlement on positions: who pays whom, cross on the cash, isolated on the margin."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.derivatives.contracts import MgnMode, PosSide
from sandex.domain.derivatives.positions import PosKey
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import Side
from sandex.domain.trading.events import PositionBill, PositionChanged
from sandex.domain.trading.swap_funding import FUNDING_EXPENSE, FUNDING_INCOME, settle_funding
from tests.support.swaps import USDT, conserved, fund, futures, seed_position, swap_exchange, units

D = Decimal
ALICE, BOB = 1, 2
T = 1_767_254_400_000  # 2026-01-01 08:00 UTC
PN = 10**13  # BTC-USDT-SWAP: one tick x one lot = 1e-5 USDT


def _exchange(td_mode: str = "cross"):  # type: ignore[no-untyped-def]
    x = swap_exchange()
    futures(x, ALICE, BOB)
    fund(x, ALICE, "10000")
    fund(x, BOB, "10000")
    seed_position(x, ALICE, BOB, Side.BUY, "100", "40000", td_mode=td_mode)  # 100 contracts = 1 BTC
    return x


def _settle(x, rate: str, mark: int = 400_000):  # type: ignore[no-untyped-def]
    positions = [p for p in x.swaps.book.positions.values() if p.inst_id == "BTC-USDT-SWAP"]
    return settle_funding(x.ledger, positions, x.clearing_account, USDT, mark, PN, D(rate), T)


def test_cross_longs_pay_shorts_position_value_times_rate() -> None:
    x = _exchange()
    before = {a: x.ledger.available(a, USDT) for a in (ALICE, BOB)}
    events = _settle(x, "0.0001")  # 1 BTC at 40,000 x 0.01 % = 4 USDT
    assert x.ledger.available(ALICE, USDT) == before[ALICE] - units("4")
    assert x.ledger.available(BOB, USDT) == before[BOB] + units("4")
    long = x.swaps.book.get(PosKey(ALICE, "BTC-USDT-SWAP", MgnMode.CROSS, PosSide.NET))
    assert long is not None and long.funding_fee == -units("4")
    bills = [e for e in events if isinstance(e, PositionBill)]
    assert [(b.account_id, b.sub_type, b.pnl, b.pos_bal_chg) for b in bills] == [
        (ALICE, FUNDING_EXPENSE, -units("4"), 0),
        (BOB, FUNDING_INCOME, units("4"), 0),
    ]
    assert all(b.reason is PostingReason.FUNDING and b.ref == b.position.pos_id for b in bills)
    assert [e.event_type for e in events if isinstance(e, PositionChanged)] == ["funding_fee"] * 2
    assert conserved(x)


def test_a_negative_rate_makes_shorts_pay_longs() -> None:
    x = _exchange()
    before = x.ledger.available(ALICE, USDT)
    _settle(x, "-0.0005")
    assert x.ledger.available(ALICE, USDT) == before + units("20")
    assert conserved(x)


def test_isolated_funding_moves_the_margin_not_the_cash() -> None:
    x = _exchange("isolated")
    cash = x.ledger.available(ALICE, USDT)
    long = x.swaps.book.get(PosKey(ALICE, "BTC-USDT-SWAP", MgnMode.ISOLATED, PosSide.NET))
    assert long is not None
    margin = long.margin
    events = _settle(x, "0.0001")
    assert x.ledger.available(ALICE, USDT) == cash
    assert long.margin == margin - units("4") and long.funding_fee == -units("4")
    bill = next(e for e in events if isinstance(e, PositionBill) and e.account_id == ALICE)
    assert (bill.pnl, bill.pos_bal_chg) == (-units("4"), -units("4"))
    assert conserved(x)


def test_an_isolated_margin_pays_at_most_what_it_holds() -> None:
    x = _exchange("isolated")
    long = x.swaps.book.get(PosKey(ALICE, "BTC-USDT-SWAP", MgnMode.ISOLATED, PosSide.NET))
    assert long is not None
    margin = long.margin
    _settle(x, "0.5")  # far beyond any cap: the fee would be 20,000 USDT
    assert long.margin == 0 and long.funding_fee == -margin
    assert conserved(x)
