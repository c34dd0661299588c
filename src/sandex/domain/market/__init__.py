"""Market data and the simulated market, as pure rules: bar calendars, candle and 24 h aggregation,
the reference price walk, and the market maker's quoting and taker-flow decisions."""
