"""How many contracts an order can open with the margin available (OKX `account/max-size` for a
swap): each contract reserves its initial margin and the taker fee at the order price, as the
exchange reserves them when the order is placed."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal


def max_open_contracts(
    available: Decimal,
    px: Decimal,
    contract_size: Decimal,
    lever: Decimal,
    taker_rate: Decimal,
    lot_sz: Decimal,
) -> Decimal:
    """`available` / (px x contract_size x (1/lever + |taker_rate|)), down to a whole lot.
    `contract_size` is one contract in its coin (ctVal x ctMult)."""
    per_contract = px * contract_size * (1 / lever + abs(taker_rate))
    if per_contract <= 0 or available <= 0:
        return Decimal(0)
    lots = (available / per_contract / lot_sz).to_integral_value(ROUND_FLOOR)
    return lots * lot_sz
