"""Funding use cases: deposits, transfers, withdrawals and their allow-list, deposit addresses,
and the funding reads (balances, valuation, bills, history)."""
