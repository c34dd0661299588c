"""OKX rate limits: the rules table (`rules`) and the budgets that enforce it (`budgets`).

No FastAPI here: `transport/okx/context.py` holds a `RateLimits`, and the request checks that read
the context live beside it in `transport/okx/rate_checks.py`, so neither package imports the other
back.
"""
