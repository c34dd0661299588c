"""Funding (pure): transfers between accounts and users, deposits and withdrawals with OKX's states,
simulated addresses, and the checks that refuse a request before any money moves."""
