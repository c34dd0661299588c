"""Public market data (OKX `market/*` and the public WS channels): tickers, books, trades and candles
built from committed trades and the core's books."""
