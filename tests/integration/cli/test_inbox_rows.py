"""Inbox rows of every kind reach the writer: the CLI's encoded commands and the rows older CLIs
wrote (pending ones may sit in a user's database), applied by a running server or, for what needs
no server, by `drain_inbox` when none runs."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

from sandex.cli.inbox import enqueue
from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.fees import FeeTier
from sandex.process import Runtime, open_runtime
from sandex.runtime.sequencer import drain_inbox
from sandex.services.exchange.commands import Deposit, SetFeeTier
from sandex.services.exchange.records import InboxOutcome, LedgerAccountKind
from sandex.services.funding.views import Funder, HistoryFilter
from sandex.testing.server import serve_in_thread

EMAIL = "alice@example.test"  # registered by the `data_dir` fixture
UNIT = 10**18  # ledger units per whole coin


def _accounts(runtime: Runtime) -> tuple[int, int, int]:
    """alice's id and her live trading and demo trading account ids."""
    user = runtime.accounts.get_user_by_email(EMAIL)
    assert user is not None
    store, now = runtime.trading.store, runtime.clock.now_ms()
    live = store.ensure_account(user.id, Environment.LIVE, LedgerAccountKind.TRADING, now)
    demo = store.ensure_account(user.id, Environment.DEMO, LedgerAccountKind.TRADING, now)
    return user.id, live, demo


def _old_rows(runtime: Runtime, user_id: int, live: int) -> dict[str, int]:
    """One row of each kind a CLI wrote before the codec, as it wrote them."""
    deposit = {
        "account_id": live,
        "user_id": user_id,
        "environment": "live",
        "kind": "trading",
        "ccy": "USDT",
        "amount": "250",
    }
    fee_tier = {"environment": "live", "account_id": live, "level": "VIP1", "maker": "0.0002", "taker": None}
    chain = {
        "user_id": user_id,
        "environment": "live",
        "ccy": "USDT",
        "chain": "USDT-TRC20",
        "amount": "40",
        "tx_id": "0x" + "ab" * 32,
    }
    add, now = runtime.trading.store.add_inbox, runtime.clock.now_ms()
    return {
        "deposit": add("deposit", json.dumps(deposit), now),
        "fee_tier": add("fee_tier", json.dumps(fee_tier), now),
        "chain_deposit": add("chain_deposit", json.dumps(chain), now),
    }


def _await_outcome(runtime: Runtime, item: int) -> InboxOutcome:
    started = time.monotonic()
    while (outcome := runtime.trading.store.inbox_outcome(item)) is None:
        # Generous: the sequencer polls every 200 ms, but CI is a loaded 2-core box (no duration asserted).
        assert time.monotonic() - started < 30.0, f"inbox item {item} was never applied"
        time.sleep(0.02)
    return outcome


def test_without_a_server_drain_applies_old_and_new_rows_and_leaves_server_commands(data_dir: Path) -> None:
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)
    try:
        user_id, live, demo = _accounts(runtime)
        old = _old_rows(runtime, user_id, live)
        market = runtime.trading.store.add_inbox("market", json.dumps({"command": "freeze"}), 1)
        tier = FeeTier(Decimal("0.0001"), Decimal("0.0003"), "VIP2")
        new = [
            enqueue(
                runtime, Deposit(Environment.DEMO, demo, user_id, LedgerAccountKind.TRADING, "BTC", UNIT)
            ),
            enqueue(runtime, SetFeeTier(Environment.DEMO, demo, tier)),
        ]
        assert drain_inbox(runtime.trading.core, runtime.trading.store, runtime.clock) == 4
        for item in (old["deposit"], old["fee_tier"], *new):
            outcome = runtime.trading.store.inbox_outcome(item)
            assert outcome is not None and outcome.state == "done", outcome
        pending = [item.id for item in runtime.trading.store.pending_inbox(10)]
        assert pending == [old["chain_deposit"], market]  # for the next server: they need its parts
    finally:
        runtime.engine.dispose()
    runtime = open_runtime(Settings(data_dir=data_dir), fast_hashing=True)  # what was committed
    try:
        runtime.trading.core.load()
        live_x, demo_x = (runtime.trading.core.exchange(env) for env in (Environment.LIVE, Environment.DEMO))
        assert live_x.ledger.available(live, "USDT") == 250 * UNIT
        assert demo_x.ledger.available(demo, "BTC") == UNIT
        assert live_x.fees.tier_for(live).level == "VIP1" and live_x.fees.tier_for(live).maker == Decimal(
            "0.0002"
        )
        assert demo_x.fees.tier_for(demo) == tier
    finally:
        runtime.engine.dispose()


def test_a_running_server_applies_old_rows_of_every_kind(data_dir: Path) -> None:
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server:
        runtime = server.runtime
        user_id, live, _ = _accounts(runtime)
        old = _old_rows(runtime, user_id, live)
        for item in old.values():
            assert _await_outcome(runtime, item).state == "done"
        ledger = runtime.trading.core.exchange(Environment.LIVE).ledger
        assert ledger.available(live, "USDT") == 250 * UNIT
        assert runtime.trading.core.fee_tier(Environment.LIVE, live).level == "VIP1"
        who = Funder(user_id, Environment.LIVE)
        started = time.monotonic()
        while not runtime.funding.service.deposit_history(who, HistoryFilter(tx_id="0x" + "ab" * 32)):
            assert time.monotonic() - started < 30.0, "the chain deposit was never recorded"
            time.sleep(0.02)
