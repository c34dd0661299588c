"""Liquidation warnings: positions whose margin ratio is in the warning band (≤ 300 %, not breached)."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode
from sandex.domain.matching.order import Side
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.swap_funding.warnings import LiquidationWarnings
from tests.support.swaps import fund, futures, seed_position, swap_exchange

D = Decimal
ALICE, BOB = 1, 2
INST = "BTC-USDT-SWAP"


class Accounts:
    def find(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None:
        return user_id  # user n trades on ledger account n here


def _warnings(td_mode: str):  # type: ignore[no-untyped-def]
    x = swap_exchange()
    futures(x, ALICE, BOB)
    fund(x, ALICE, "402" if td_mode == "cross" else "1000")
    fund(x, BOB, "100000")
    seed_position(x, ALICE, BOB, Side.BUY, "10", "40000", td_mode=td_mode)  # 400 USDT margin, 10x
    return x, LiquidationWarnings(lambda environment: x, Accounts())


def test_an_isolated_position_near_liquidation_is_warned_with_its_ratio() -> None:
    x, warnings = _warnings("isolated")
    x.swaps.set_mark(INST, 380_000, D(38000))  # equity 200 against 17.1: far from it
    assert warnings.at_risk(Environment.LIVE, ALICE) == []
    x.swaps.set_mark(INST, 363_000, D(36300))  # equity 30 against 16.335: 183.65 %
    [w] = warnings.at_risk(Environment.LIVE, ALICE)
    assert (w.inst_id, w.mgn_mode, w.pos, w.mark_px, w.ccy) == (
        INST,
        MgnMode.ISOLATED,
        D(10),
        D(36300),
        "USDT",
    )
    assert w.mgn_ratio == D("1.8365")
    assert warnings.at_risk(Environment.LIVE, BOB) == []  # the short is winning


def test_cross_positions_are_warned_by_their_account_and_currency() -> None:
    x, warnings = _warnings("cross")
    x.swaps.set_mark(INST, 363_000, D(36300))  # cash 0 + margin 400 − 370 = 30 against 16.335
    [w] = warnings.at_risk(Environment.LIVE, ALICE)
    assert w.mgn_mode is MgnMode.CROSS and w.mgn_ratio == D("1.8365")
