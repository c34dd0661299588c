"""The simulated market that moves prices: reference paths per instrument and the market controls
(halt, freeze, spread, drain, shifts) that the writer applies as `MarketCommand`s
(`services/exchange/commands.py`) through `MarketControl.control`."""
