"""A freqtrade futures strategy for the swap compat test: a long first, then a short, then nothing.

The test decides when a trade may leave on a signal: it writes a file `release-<trade id>` into the
bot's working directory (freqtrade's cwd). No ROI; the stop (-10 %) sits on the exchange, so a trade
not released leaves only through its stop. freqtrade loads it from this folder (`--strategy-path`).
"""

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from freqtrade.persistence import Trade
from freqtrade.strategy import IStrategy
from pandas import DataFrame


class LongThenShort(IStrategy):
    INTERFACE_VERSION = 3
    timeframe = "1m"
    can_short = True
    minimal_roi: ClassVar[dict[str, float]] = {"0": 100.0}  # no take-profit
    stoploss = -0.10
    startup_candle_count = 0
    process_only_new_candles = False

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        done = len(Trade.get_trades_proxy(is_open=False))
        dataframe["enter_long"] = 1 if done == 0 else 0
        dataframe["enter_short"] = 1 if done == 1 else 0
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["exit_long"] = 0
        dataframe["exit_short"] = 0
        return dataframe

    def custom_exit(
        self,
        pair: str,
        trade: Trade,
        current_time: datetime,
        current_rate: float,
        current_profit: float,
        **kwargs,
    ) -> str | None:
        return "released" if Path(f"release-{trade.id}").exists() else None

    def leverage(
        self, pair: str, current_time: datetime, current_rate: float, proposed_leverage: float, **kwargs
    ) -> float:
        return 2.0
