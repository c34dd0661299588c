"""Unmodified freqtrade (`freqtrade trade`) as a subprocess against a sandex server, and what it
recorded, read from its own SQLite database the way `freqtrade show-trades` reads it.

Only the base URLs change: `exchange.ccxt_config.urls.api.rest|ws` (freqtrade deep-merges
`ccxt_config` into the ccxt constructor's config, for the REST client and the ccxt.pro one).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandex.client.models import Credentials

STRATEGY_DIR = Path(__file__).resolve().parent.parent / "compat" / "freqtrade_user"
STRATEGY = "EnterAtOnce"  # enters at once, leaves only through its stop
STOP_S = 60.0  # a graceful stop closes its ccxt sessions; only a hung bot waits this long


@dataclass(frozen=True)
class Bot:
    """The files of one freqtrade bot: its config, its trade database, its log."""

    home: Path

    @property
    def config(self) -> Path:
        return self.home / "config.json"

    @property
    def db(self) -> Path:
        return self.home / "trades.sqlite"

    @property
    def log(self) -> Path:
        """What freqtrade printed (its log goes to the console), every run appended."""
        return self.home / "freqtrade.log"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log yet)"

    def rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        """Rows of freqtrade's database ([] before freqtrade made it), read-only."""
        if not self.db.exists():
            return []
        uri = f"file:{self.db}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as conn:
            conn.row_factory = sqlite3.Row
            try:
                return list(conn.execute(sql, args))
            except sqlite3.OperationalError as error:  # tables not created yet
                if "no such table" in str(error):
                    return []
                raise

    def orders(self, side: str) -> list[sqlite3.Row]:
        """freqtrade's orders of one kind: `buy`, `sell` or `stoploss`, oldest first."""
        return self.rows("SELECT * FROM orders WHERE ft_order_side = ? ORDER BY id", side)

    def trade(self, trade_id: int = 1) -> sqlite3.Row | None:
        found = self.rows("SELECT * FROM trades WHERE id = ?", trade_id)
        return found[0] if found else None


def live_spot_bot(home: Path, base_url: str, creds: Credentials, pair: str = "BTC/USDT") -> Bot:
    """A live (not dry-run) spot bot with the stop on the exchange, configured as freqtrade's docs
    recommend for OKX: market entry and exit priced from the other side, a market stop."""
    return _live_bot(home, _live_config(home, base_url, creds, pair))


def live_futures_bot(home: Path, base_url: str, creds: Credentials, pair: str = "BTC/USDT:USDT") -> Bot:
    """A live futures bot as freqtrade's docs set one up for OKX: isolated margin (the only mode
    freqtrade supports there), the stop on the exchange triggered by the mark price."""
    config = _live_config(home, base_url, creds, pair)
    config.update({"trading_mode": "futures", "margin_mode": "isolated"})
    config["order_types"]["stoploss_price_type"] = "mark"
    return _live_bot(home, config)


def _live_bot(home: Path, config: dict[str, Any]) -> Bot:
    home.mkdir(parents=True, exist_ok=True)
    bot = Bot(home)
    bot.config.write_text(json.dumps(config, indent=2))
    return bot


def _live_config(home: Path, base_url: str, creds: Credentials, pair: str) -> dict[str, Any]:
    ws_url = base_url.replace("http://", "ws://", 1) + "/ws/v5"
    return {
        "bot_name": "sandex-compat",
        "initial_state": "running",
        "dry_run": False,
        "trading_mode": "spot",
        "max_open_trades": 1,
        "stake_currency": "USDT",
        "stake_amount": 100,
        "timeframe": "1m",
        "db_url": f"sqlite:///{Bot(home).db}",
        "exchange": {
            "name": "okx",
            "key": creds.api_key,
            "secret": creds.secret_key,
            "password": creds.passphrase,
            "ccxt_config": {"urls": {"api": {"rest": base_url, "ws": ws_url}}},
            "pair_whitelist": [pair],
        },
        "pairlists": [{"method": "StaticPairList"}],
        "entry_pricing": {"price_side": "other", "use_order_book": False},
        "exit_pricing": {"price_side": "other", "use_order_book": False},
        "order_types": {
            "entry": "market",
            "exit": "market",
            "stoploss": "market",
            "stoploss_on_exchange": True,
        },
        "internals": {"process_throttle_secs": 1},
    }


@contextmanager
def running(bot: Bot, strategy: str = STRATEGY) -> Iterator[subprocess.Popen[bytes]]:
    """`freqtrade trade` on `bot` until the block ends; then stopped as a user stops it (Ctrl-C)."""
    args = [
        sys.executable, "-m", "freqtrade", "trade",
        "--config", str(bot.config),
        "--strategy", strategy,
        "--strategy-path", str(STRATEGY_DIR),
        "--userdir", str(bot.home / "user_data"),
    ]  # fmt: skip
    (bot.home / "user_data").mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with bot.log.open("ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=bot.home)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
