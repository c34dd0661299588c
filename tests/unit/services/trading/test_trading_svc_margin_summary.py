"""The Futures-mode balance fields of one currency, pinned to a real OKX answer: a Futures-mode
account with one isolated position showed `cashBal` 94.4261, `isoEq` = `frozenBal` 5.4686,
`isoUpl` -0.0273, `eq` 99.8947 and `availEq` = `availBal` = 94.4261 (a recorded OKX
`account/balance` fixture; see docs/architecture.md on the balance identities)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sandex.domain.derivatives.contracts import MgnMode
from sandex.domain.ledger.amounts import to_amount
from sandex.services.exchange.records import BalanceRecord
from sandex.services.trading.positions import summarize
from tests.unit.transport.test_positions_wire import record, view

D = Decimal


def units(text: str) -> int:
    value = to_amount(D(text))
    assert value is not None
    return value


def test_one_isolated_position_gives_okx_s_recorded_balance() -> None:
    margin, upl = D("5.4959"), D("-0.0273")  # isoEq 5.4686 = margin + upl
    iso = view(record(margin=units("5.4959")))
    iso = replace(iso, margin=margin, upl=upl)
    cash = BalanceRecord(7, "USDT", units("94.4261"), 0, 0)
    summary = summarize("USDT", cash, [iso])
    assert (summary.cash_bal, summary.iso_eq, summary.iso_upl) == (D("94.4261"), D("5.4686"), upl)
    assert (summary.eq, summary.frozen_bal) == (D("99.8947"), D("5.4686"))
    assert summary.avail_eq == summary.avail_bal == D("94.4261")
    assert summary.eq - summary.frozen_bal == summary.avail_eq


def test_cross_positions_count_their_margin_as_cash_and_their_imr_as_frozen() -> None:
    """Cross margin sits in the clearing account but is cash on OKX's wire; its imr (at mark) is
    frozen, and availEq = eq - frozenBal still holds with an order pending."""
    cross = view(record(mgn_mode=MgnMode.CROSS, margin=units("100")))
    cross = replace(cross, margin=None, imr=D(102), upl=D(20), mmr=D("4.08"))
    balance = BalanceRecord(7, "USDT", units("800"), units("50"), 0)  # 50 frozen by an order
    summary = summarize("USDT", balance, [cross])
    assert summary.cash_bal == D(950)  # 800 available + 50 order-frozen + 100 cross margin
    assert (summary.eq, summary.frozen_bal, summary.avail_eq) == (D(970), D(152), D(818))
    assert summary.eq - summary.frozen_bal == summary.avail_eq
    assert summary.mgn_ratio == (D(950) + 20) / D("4.08")
