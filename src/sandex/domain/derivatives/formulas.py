"""OKX's position formulas for linear (USDT-margined) contracts, on Decimals (what the read side
shows; the ledger itself keeps integers). derivatives-research §2.9, OKX help "PnL", "Margin",
"Liquidation".

`contracts` is signed (+ long, - short): one formula then serves both sides. One contract is
`ct_val * ct_mult` of the underlying, so a position's value at price P is |n|·ctVal·ctMult·P.
"""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal(0)
ONE = Decimal(1)


def notional(ct_val: Decimal, ct_mult: Decimal, contracts: Decimal, px: Decimal) -> Decimal:
    """Position value at `px`: |n|·ctVal·ctMult·px (`notionalUsd` for USDT-settled contracts)."""
    return abs(contracts) * ct_val * ct_mult * px


def upl(ct_val: Decimal, ct_mult: Decimal, contracts: Decimal, avg_px: Decimal, px: Decimal) -> Decimal:
    """Unrealised PnL at `px` (mark for `upl`, last for `uplLastPx`): long ctVal·n·ctMult·(px − avgPx),
    short ctVal·n·ctMult·(avgPx − px)."""
    return contracts * ct_val * ct_mult * (px - avg_px)


def upl_ratio(upl_value: Decimal, initial_margin: Decimal) -> Decimal:
    """`uplRatio` = upl / initial margin (0 without margin)."""
    return upl_value / initial_margin if initial_margin else ZERO


def imr(ct_val: Decimal, ct_mult: Decimal, contracts: Decimal, px: Decimal, lever: Decimal) -> Decimal:
    """Initial margin: cross at the mark, isolated at the open average price: value / lever."""
    return notional(ct_val, ct_mult, contracts, px) / lever


def mmr(ct_val: Decimal, ct_mult: Decimal, contracts: Decimal, mark: Decimal, mmr_rate: Decimal) -> Decimal:
    """Maintenance margin: value at the mark × the position tier's maintenance margin rate."""
    return notional(ct_val, ct_mult, contracts, mark) * mmr_rate


def liq_fee(
    ct_val: Decimal, ct_mult: Decimal, contracts: Decimal, mark: Decimal, fee_rate: Decimal
) -> Decimal:
    """The forced-liquidation fee: the taker fee on the value at the mark."""
    return notional(ct_val, ct_mult, contracts, mark) * fee_rate


def mgn_ratio(equity: Decimal, maint: Decimal, fee: Decimal) -> Decimal | None:
    """`mgnRatio` = equity / (maintenance margin + liquidation fee); liquidation at ≤ 1 (100 %).
    Isolated: equity = margin + upl; cross: the currency's cash + cross upl. None without MM."""
    denominator = maint + fee
    return equity / denominator if denominator > 0 else None


def liq_px(
    ct_val: Decimal,
    ct_mult: Decimal,
    contracts: Decimal,
    avg_px: Decimal,
    margin: Decimal,
    mmr_rate: Decimal,
    fee_rate: Decimal,
) -> Decimal | None:
    """The mark at which equity = maintenance margin + liquidation fee (mgnRatio 100 %).
    Long: (cv·n·avgPx − M) / (cv·n·(1 − mmr − fee)); short: (cv·n·avgPx + M) / (cv·n·(1 + mmr + fee)).
    `margin` M: the isolated margin, or for cross what the account can lose (its cash for it).
    None when no positive price liquidates it (e.g. a long with margin beyond its value)."""
    if not contracts:
        return None
    size = abs(contracts) * ct_val * ct_mult
    if contracts > 0:
        px = (size * avg_px - margin) / (size * (ONE - mmr_rate - fee_rate))
    else:
        px = (size * avg_px + margin) / (size * (ONE + mmr_rate + fee_rate))
    return px if px > 0 else None


def bk_px(
    ct_val: Decimal, ct_mult: Decimal, contracts: Decimal, avg_px: Decimal, margin: Decimal
) -> Decimal | None:
    """Bankruptcy price: where the margin is all lost (upl = −M): avgPx ∓ M / (cv·n)."""
    if not contracts:
        return None
    size = abs(contracts) * ct_val * ct_mult
    px = avg_px - margin / size if contracts > 0 else avg_px + margin / size
    return px if px > 0 else None


def be_px(
    ct_val: Decimal,
    ct_mult: Decimal,
    contracts: Decimal,
    avg_px: Decimal,
    fees_paid: Decimal,
    fee_rate: Decimal,
) -> Decimal | None:
    """Break-even price: closing there at `fee_rate` gives back the fees paid so far (positive).
    Long: (cv·n·avgPx + fees) / (cv·n·(1 − fee)); short: (cv·n·avgPx − fees) / (cv·n·(1 + fee))."""
    if not contracts:
        return None
    size = abs(contracts) * ct_val * ct_mult
    if contracts > 0:
        return (size * avg_px + fees_paid) / (size * (ONE - fee_rate))
    return (size * avg_px - fees_paid) / (size * (ONE + fee_rate))
