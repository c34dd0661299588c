"""Unmodified freqtrade trading live (not dry-run) in futures mode (isolated margin) on sandex's
BTC-USDT-SWAP, against a `sandex serve` process with its simulated market on.

At start freqtrade reads `account/config` (position mode), `public/position-tiers` for the pair and
sets the leverage (`account/set-leverage`). The strategy (`LongThenShort`) enters a long; its stop
sits on the exchange, triggered by the mark price (`stoploss_price_type: mark`); a funding settlement
passes while it is open; the test then releases it (freqtrade exits it with a market order and reads
the funding it paid or got from `account/bills-archive` type 8). The strategy then enters a short;
the test steers the mark through that short's stop, the stop fires on the exchange and freqtrade
closes the trade.

We wait on freqtrade's own database, then check each fact once through sandex's REST API with a
second key of the same user (polling sandex with freqtrade's key would spend its rate limit).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandex.client.control import AsyncControlClient
from sandex.client.models import Credentials
from sandex.client.sync import ControlClient, OkxClient
from tests.support.freqtrade import Bot, live_futures_bot, running
from tests.support.polling import eventually
from tests.support.serve_process import sandex_serve

SWAP = "BTC-USDT-SWAP"
INDEX = "BTC-USDT"
START_PX = Decimal("50000")
DEADLINE_S = 240.0  # freqtrade starts in seconds, more on a loaded CI box; only a failure waits this long
SERVE_FLAGS = ("--market", "on", "--seed", "7", "--backfill-hours", "1")
STRATEGY = "LongThenShort"

pytestmark = pytest.mark.slow


def test_live_futures_long_and_short_with_a_mark_stop_and_funding(tmp_path: Path) -> None:
    data_dir, home = tmp_path / "sandex", tmp_path / "bot"
    with sandex_serve(data_dir, *SERVE_FLAGS) as served:
        base_url = served.entry("REST API").removesuffix("/api/v5")
        with ControlClient(base_url, AsyncControlClient.token_from(data_dir), timeout=30) as control:
            bot_key, check_key = _futures_trader(control)
            _wait_for_the_swap_book_at(base_url, START_PX)
            bot = live_futures_bot(home, base_url, bot_key)
            with OkxClient(base_url, check_key, timeout=30) as okx, running(bot, STRATEGY) as proc:
                # 1. the long: entered, its mark stop on the exchange, funding settled while open
                _wait(bot, proc, lambda: _open_stop(bot, 1), "freqtrade placed the long's stop")
                long_trade = bot.trade(1)
                assert long_trade is not None and not long_trade["is_short"], dict(long_trade or {})
                _assert_position_and_stop(okx, long_trade, side="long")

                control.set_funding_rate(SWAP, "0.0005", frozen=True)
                control.settle_funding(SWAP)
                (funding,) = okx.request(
                    "GET", "/api/v5/account/bills-archive", {"instType": "SWAP", "type": "8"}
                )
                assert (funding["subType"], funding["instId"]) == ("173", SWAP), (
                    funding
                )  # 173: expense (a long pays)

                (home / "release-1").touch()
                closed = _wait(bot, proc, lambda: _closed_trade(bot, 1), "freqtrade exited the long")
                assert closed["exit_reason"] == "released"
                # freqtrade read the fee from the bills (its own figure, not one it computed): an
                # isolated position pays from its margin, so the bill's posBalChg carries it
                paid = Decimal(funding["balChg"]) or Decimal(funding["posBalChg"])
                assert paid < 0 and Decimal(str(closed["funding_fees"])) == paid, (dict(closed), funding)
                (exit_order,) = bot.rows(
                    "SELECT * FROM orders WHERE ft_trade_id = 1 AND ft_order_side = 'sell'"
                )
                sold = okx.request(
                    "GET", "/api/v5/trade/order", {"instId": SWAP, "ordId": exit_order["order_id"]}
                )
                assert (sold[0]["state"], sold[0]["reduceOnly"], sold[0]["tdMode"]) == (
                    "filled",
                    "true",
                    "isolated",
                )

                # 2. the short: its stop fires when the mark is steered through it
                stop = _wait(bot, proc, lambda: _open_stop(bot, 2), "freqtrade placed the short's stop")
                short_trade = bot.trade(2)
                assert short_trade is not None and short_trade["is_short"], dict(short_trade or {})
                algo = _assert_position_and_stop(okx, short_trade, side="short")
                control.set_mark(
                    SWAP, (Decimal(algo["slTriggerPx"]) * Decimal("1.01")).quantize(Decimal("0.1"))
                )
                stopped = _wait(bot, proc, lambda: _closed_trade(bot, 2), "the short's stop closed it")
                assert stopped["exit_reason"] == "stoploss_on_exchange", dict(stopped)
                fired = _algo(okx, stop["order_id"])
                assert fired["state"] == "effective" and fired["ordId"], fired
                assert _positions(okx) == []


def _positions(okx: OkxClient) -> list[dict[str, Any]]:
    found = okx.request("GET", "/api/v5/account/positions", {"instType": "SWAP"})
    return [p for p in found if p["pos"] not in {"", "0"}]


def _assert_position_and_stop(okx: OkxClient, trade: Any, *, side: str) -> dict[str, Any]:
    (position,) = okx.request("GET", "/api/v5/account/positions", {"instId": SWAP})
    assert (position["mgnMode"], position["posSide"], position["lever"]) == ("isolated", "net", "2"), position
    sign = 1 if side == "long" else -1
    assert Decimal(position["pos"]) * sign > 0, position
    (algo,) = okx.request(
        "GET", "/api/v5/trade/orders-algo-pending", {"ordType": "conditional", "instId": SWAP}
    )
    assert (algo["side"], algo["tdMode"], algo["slTriggerPxType"], algo["slOrdPx"], algo["posSide"]) == (
        "sell" if side == "long" else "buy",
        "isolated",
        "mark",
        "-1",
        "net",
    ), algo
    assert Decimal(algo["sz"]) == abs(Decimal(position["pos"])), (algo, position)
    # freqtrade's stop: 10 % of the stake at 2x leverage, 5 % from the entry, on the losing side
    expected = Decimal(str(trade["open_rate"])) * (1 - sign * Decimal("0.05"))
    assert abs(Decimal(algo["slTriggerPx"]) - expected) <= expected / 1000, (algo["slTriggerPx"], expected)
    return algo  # type: ignore[no-any-return]


# --- sandex: a funded Futures-mode trader, the swap book -----------------------------------------------
def _futures_trader(control: ControlClient) -> tuple[Credentials, Credentials]:
    user = control.create_user("freqtrade-futures@example.test")
    bot_key = control.create_key(user.uid, perm="read_only,trade", ip="127.0.0.1", label="freqtrade")
    check_key = control.create_key(user.uid, perm="read_only", ip="127.0.0.1", label="checks")
    control.deposit(user.uid, "USDT", "1000")
    control.set_account_mode(user.uid, "futures")
    control.set_price(INDEX, START_PX)  # the swap follows its index
    return bot_key.credentials, check_key.credentials


def _wait_for_the_swap_book_at(base_url: str, px: Decimal) -> None:
    def best_ask() -> Decimal | None:
        answer = httpx.get(f"{base_url}/api/v5/market/books", params={"instId": SWAP, "sz": "1"}, timeout=10)
        data = answer.json().get("data") or [{}]
        asks = data[0].get("asks") or []
        return Decimal(asks[0][0]) if asks else None

    ask = eventually(best_ask, lambda found: found is not None and abs(found - px) < px / 100, 60)
    assert ask is not None and abs(ask - px) < px / 100, f"the swap book did not move to {px}: best ask {ask}"


def _algo(okx: OkxClient, algo_id: str) -> dict[str, Any]:
    found: dict[str, Any] = okx.request("GET", "/api/v5/trade/order-algo", {"algoId": algo_id})[0]
    return found


# --- freqtrade: what it recorded ------------------------------------------------------------------------
def _wait(bot: Bot, proc: subprocess.Popen[bytes], probe: Callable[[], Any], what: str) -> Any:
    """`probe`'s first truthy value; fails at once (with freqtrade's log) if freqtrade exited."""
    found = eventually(probe, lambda value: bool(value) or proc.poll() is not None, timeout_s=DEADLINE_S)
    ended = "" if proc.poll() is None else f" (freqtrade exited with {proc.returncode})"
    tail = "\n".join(bot.log_text().splitlines()[-80:])
    assert found, f"{what}: not within {DEADLINE_S:.0f} s{ended}\n--- freqtrade's log ---\n{tail}"
    return found


def _open_stop(bot: Bot, trade_id: int) -> Any:
    stops = bot.rows(
        "SELECT * FROM orders WHERE ft_order_side = 'stoploss' AND ft_trade_id = ? AND ft_is_open = 1 "
        "AND status = 'open'",
        trade_id,
    )
    return stops[0] if stops else None


def _closed_trade(bot: Bot, trade_id: int) -> Any:
    trade = bot.trade(trade_id)
    return trade if trade is not None and not trade["is_open"] else None
