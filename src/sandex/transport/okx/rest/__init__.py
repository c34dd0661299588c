"""OKX v5 REST routers, one module per endpoint family."""
