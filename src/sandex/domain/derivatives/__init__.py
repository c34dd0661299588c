"""Derivatives (USDT-margined perpetual swaps today): contract specs, account and position settings,
positions, their margin and PnL formulas, mark prices, funding and liquidation. Pure, like all of
`sandex.domain`: integers (ticks, lots, ledger units) inside, Decimals only at the edges."""
