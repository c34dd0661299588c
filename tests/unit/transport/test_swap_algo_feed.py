"""`orders-algo` / `algo-advance` subscriptions and swap algos: instType SWAP or ANY, instFamily."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.matching.order import Side
from sandex.domain.trading.algos import AlgoOrdType, AlgoState
from sandex.services.exchange.records import AlgoRecord
from sandex.transport.okx.ws.algo_feed import matches
from sandex.transport.okx.ws.channels import ORDERS_ALGO, Topic


def algo(inst_id: str, td_mode: str) -> AlgoRecord:
    return AlgoRecord(
        1, Environment.LIVE, 5, inst_id, AlgoOrdType.CONDITIONAL, Side.SELL, Decimal(1), None, td_mode,
        AlgoState.LIVE, "", "", False, 1, 1,
    )  # fmt: skip


SWAP_ALGO, SPOT_ALGO = algo("BTC-USDT-SWAP", "isolated"), algo("BTC-USDT", "cash")


@pytest.mark.parametrize(
    ("topic", "swap", "spot"),
    [
        (Topic(ORDERS_ALGO, inst_type="ANY"), True, True),
        (Topic(ORDERS_ALGO, inst_type="SWAP"), True, False),
        (Topic(ORDERS_ALGO, inst_type="SPOT"), False, True),
        (Topic(ORDERS_ALGO, inst_type="FUTURES"), False, False),
        (Topic(ORDERS_ALGO, inst_type="SWAP", inst_family="BTC-USDT"), True, False),
        (Topic(ORDERS_ALGO, inst_type="SWAP", inst_family="ETH-USDT"), False, False),
        (Topic(ORDERS_ALGO, inst_type="ANY", inst_id="BTC-USDT-SWAP"), True, False),
    ],
)
def test_swap_algos_reach_swap_and_any_subscriptions(topic: Topic, swap: bool, spot: bool) -> None:
    assert (matches(topic, SWAP_ALGO), matches(topic, SPOT_ALGO)) == (swap, spot)
