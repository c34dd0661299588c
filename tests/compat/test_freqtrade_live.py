"""Unmodified freqtrade trading live (not dry-run) on spot against a `sandex serve` process, with
`stoploss_on_exchange: true`: the stop is an OKX algo order (`trade/order-algo`, `conditional`, market
`slOrdPx: -1`); after both sandex and freqtrade restart, freqtrade keeps tracking that same stop (no
second one), and a price move made with `sandex market set` fires it, its market sell fills and
freqtrade closes the trade.

We wait on freqtrade's own database (what it recorded), then check each fact once through sandex's
REST API with the same key: polling sandex would spend the key's rate limit that freqtrade needs.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandex.client.control import AsyncControlClient
from sandex.client.models import Credentials
from sandex.client.sync import ControlClient, OkxClient
from tests.support.freqtrade import Bot, live_spot_bot, running
from tests.support.polling import eventually
from tests.support.serve_process import Served, sandex_serve

INST = "BTC-USDT"
START_PX, CRASH_PX = "50000", "40000"  # freqtrade's stop sits 10% under its entry: 40000 is through it
TICK = Decimal("0.1")  # BTC-USDT's tick size
DEADLINE_S = 180.0  # freqtrade starts in seconds, more on a loaded CI box; only a failure waits this long
# a backfilled hour of candles: freqtrade drops the still-open candle and needs a closed one to act on
SERVE_FLAGS = ("--market", "on", "--seed", "7", "--backfill-hours", "1")

pytestmark = pytest.mark.slow


def test_live_stop_on_exchange_survives_restarts_and_closes_the_trade(tmp_path: Path) -> None:
    data_dir, home = tmp_path / "sandex", tmp_path / "bot"
    with sandex_serve(data_dir, *SERVE_FLAGS) as served:
        base_url = _base_url(served)
        creds = _funded_trader(base_url, data_dir)
        _wait_for_the_book_at(base_url, Decimal(START_PX))
        bot = live_spot_bot(home, base_url, creds)
        with running(bot) as proc:
            stop = _wait(bot, proc, lambda: _open_stop(bot), "freqtrade placed its stop on the exchange")
        with OkxClient(base_url, creds) as okx:
            _assert_entry_filled_and_stop_live(okx, bot, stop)

    # Both restart: sandex (a new port, the same data dir) and freqtrade (the same trade database).
    with sandex_serve(data_dir, *SERVE_FLAGS) as served:
        base_url = _base_url(served)
        bot = live_spot_bot(home, base_url, creds)
        with OkxClient(base_url, creds) as okx:
            with running(bot) as proc:
                # freqtrade re-read its stop from sandex after the restart (it stamps each update)
                _wait(bot, proc, lambda: _stop_updated_since(bot, stop), "the restarted bot read its stop")
                assert [o["order_id"] for o in bot.orders("stoploss")] == [stop["order_id"]]
                pending = okx.request(
                    "GET", "/api/v5/trade/orders-algo-pending", {"ordType": "conditional", "instId": INST}
                )
                assert [a["algoId"] for a in pending] == [stop["order_id"]]  # the same stop, no duplicate

                _sandex_market("set", INST, CRASH_PX, data_dir=data_dir)
                trade = _wait(bot, proc, lambda: _closed_trade(bot), "freqtrade closed the trade")

            assert trade["exit_reason"] == "stoploss_on_exchange"
            algo = _algo(okx, stop["order_id"])
            assert algo["state"] == "effective" and algo["ordId"], algo
            sell = okx.request("GET", "/api/v5/trade/order", {"instId": INST, "ordId": algo["ordId"]})[0]
            assert (sell["state"], sell["side"], sell["ordType"], sell["algoId"]) == (
                "filled",
                "sell",
                "market",
                stop["order_id"],
            )
            assert Decimal(sell["accFillSz"]) == Decimal(algo["sz"])
            assert Decimal(sell["avgPx"]) < Decimal(algo["slTriggerPx"])  # it sold after the fall
            assert Decimal(str(trade["close_rate"])) == Decimal(sell["avgPx"])


def _assert_entry_filled_and_stop_live(okx: OkxClient, bot: Bot, stop: sqlite3.Row) -> None:
    trade = bot.trade()
    assert trade is not None
    entry = bot.orders("buy")[0]
    order = okx.request("GET", "/api/v5/trade/order", {"instId": INST, "ordId": entry["order_id"]})[0]
    assert (order["state"], order["side"], order["ordType"]) == ("filled", "buy", "market")

    algo = _algo(okx, stop["order_id"])
    assert (algo["state"], algo["ordType"], algo["side"], algo["tdMode"], algo["slOrdPx"]) == (
        "live",
        "conditional",
        "sell",
        "cash",
        "-1",
    )
    assert Decimal(algo["sz"]) == Decimal(str(trade["amount"]))  # the whole position, net of the fee
    expected = Decimal(str(trade["open_rate"])) * Decimal("0.9")  # the strategy's stoploss -10%
    assert abs(Decimal(algo["slTriggerPx"]) - expected) <= TICK, (algo["slTriggerPx"], expected)


# --- sandex: a funded trader, the market, the algo as the API shows it ------------------------------
def _base_url(served: Served) -> str:
    return served.entry("REST API").removesuffix("/api/v5")


def _funded_trader(base_url: str, data_dir: Path) -> Credentials:
    with ControlClient(base_url, AsyncControlClient.token_from(data_dir)) as control:
        user = control.create_user("freqtrade@example.test")
        key = control.create_key(user.uid, perm="read_only,trade", ip="127.0.0.1", label="freqtrade")
        control.deposit(user.uid, "USDT", "1000")
        control.set_price(INST, START_PX)
    return key.credentials


def _wait_for_the_book_at(base_url: str, px: Decimal) -> None:
    """The market maker re-centres its quotes on a new price within a second: wait for it, so that
    freqtrade's market buy is priced from the new book."""

    def best_ask() -> Decimal | None:
        answer = httpx.get(f"{base_url}/api/v5/market/books", params={"instId": INST, "sz": "1"}, timeout=10)
        data = answer.json().get("data") or [{}]
        asks = data[0].get("asks") or []
        return Decimal(asks[0][0]) if asks else None

    ask = eventually(best_ask, lambda found: found is not None and abs(found - px) < px / 100, 60)
    assert ask is not None and abs(ask - px) < px / 100, f"the book did not move to {px}: best ask {ask}"


def _sandex_market(*args: str, data_dir: Path) -> None:
    """`sandex market …` as an operator types it next to the running server."""
    command = [sys.executable, "-m", "sandex", "market", *args, "--data-dir", str(data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _algo(okx: OkxClient, algo_id: str) -> dict[str, Any]:
    found: dict[str, Any] = okx.request("GET", "/api/v5/trade/order-algo", {"algoId": algo_id})[0]
    return found


# --- freqtrade: what it recorded ----------------------------------------------------------------------
def _wait(bot: Bot, proc: subprocess.Popen[bytes], probe: Callable[[], Any], what: str) -> Any:
    """`probe`'s first truthy value; fails at once (with freqtrade's log) if freqtrade exited."""
    found = eventually(probe, lambda value: bool(value) or proc.poll() is not None, timeout_s=DEADLINE_S)
    ended = "" if proc.poll() is None else f" (freqtrade exited with {proc.returncode})"
    assert found, f"{what}: not within {DEADLINE_S:.0f} s{ended}\n--- freqtrade's log ---\n{_tail(bot)}"
    return found


def _open_stop(bot: Bot) -> sqlite3.Row | None:
    stops = [o for o in bot.orders("stoploss") if o["ft_is_open"] and o["status"] == "open"]
    return stops[0] if stops else None


def _stop_updated_since(bot: Bot, before: sqlite3.Row) -> bool:
    now = [o for o in bot.orders("stoploss") if o["id"] == before["id"]]
    return bool(now) and now[0]["order_update_date"] != before["order_update_date"]


def _closed_trade(bot: Bot) -> sqlite3.Row | None:
    trade = bot.trade()
    return trade if trade is not None and not trade["is_open"] else None


def _tail(bot: Bot, lines: int = 60) -> str:
    return "\n".join(bot.log_text().splitlines()[-lines:])
