"""max-size of a swap: contracts the available margin opens, fee included, down to the lot."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.derivatives.order_size import max_open_contracts

D = Decimal


def test_worked_example_btc_usdt_swap() -> None:
    """1000 USDT at 50000, ctVal 0.01, 10x, taker 0.05 %: one contract needs 500 x (0.1 + 0.0005)
    = 50.25 USDT, so 1000 / 50.25 = 19.9004... contracts, 19.9 in lots of 0.01."""
    assert max_open_contracts(D(1000), D(50000), D("0.01"), D(10), D("-0.0005"), D("0.01")) == D("19.9")


def test_whole_contract_lots_and_nothing_available() -> None:
    # DOGE at 0.1, ctVal 1000, 5x: 100 x (0.2 + 0.001) = 20.1 USDT a contract, 100 USDT open 4
    assert max_open_contracts(D(100), D("0.1"), D(1000), D(5), D("0.001"), D(1)) == D(4)
    assert max_open_contracts(D(0), D(50000), D("0.01"), D(10), D("0.0005"), D("0.01")) == 0
