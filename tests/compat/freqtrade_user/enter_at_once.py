"""A freqtrade strategy for the compat test: enter at once, never exit on a signal or ROI, so only the
stop on the exchange can close the trade. freqtrade loads it from this folder (`--strategy-path`)."""

from typing import ClassVar

from freqtrade.strategy import IStrategy
from pandas import DataFrame


class EnterAtOnce(IStrategy):
    INTERFACE_VERSION = 3
    timeframe = "1m"
    minimal_roi: ClassVar[dict[str, float]] = {"0": 100.0}  # no take-profit: only the stop exits
    stoploss = -0.10
    startup_candle_count = 0
    process_only_new_candles = False

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["enter_long"] = 1
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["exit_long"] = 0
        return dataframe
