"""Restart: a core loaded from what was committed carries on exactly where the old one stopped."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.ledger.amounts import to_amount
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.matching.order import OrdState, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.commands import (
    Command,
    CommandError,
    Deposit,
    OrderAck,
    PlaceBatch,
    SetFeeTier,
)
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.records import ChangeSet, ExecType, LedgerAccountKind
from sandex.services.exchange.store import ExchangeStore
from sandex.testing.clock import ManualClock

D = Decimal
LIVE = Environment.LIVE
MAKER, TAKER, OTHER = 3, 4, 5  # ledger accounts (see conftest)
USERS = {3: 11, 4: 12, 5: 13}  # their owners
Run = Callable[[Command], object]


def units(text: str) -> int:
    found = to_amount(D(text))
    assert found is not None
    return found


def fund(run: Run, account: int, ccy: str, amount: str) -> None:
    run(Deposit(LIVE, account, USERS[account], LedgerAccountKind.TRADING, ccy, units(amount)))


def place(run: Run, account: int, *items: OrderSpec) -> list[OrderAck]:
    acks = run(PlaceBatch(LIVE, account, items))
    assert isinstance(acks, list)
    return acks


def _book(core: ExchangeCore) -> list[tuple[int, Side, int, int, int]]:
    return [
        (o.ord_id, o.side, o.px, o.sz, o.filled)
        for o in core.exchange(LIVE).pending_orders(MAKER, "BTC-USDT")
    ]


def test_a_restarted_core_has_the_same_resting_orders_and_balances(
    run: Run, req, core: ExchangeCore, restart
) -> None:
    fund(run, MAKER, "BTC", "2")
    fund(run, MAKER, "USDT", "500")
    fund(run, TAKER, "USDT", "1000")
    place(run, MAKER, req.limit("BTC-USDT", "sell", "101", "1"), req.limit("BTC-USDT", "sell", "102", "1"))
    place(run, MAKER, req.limit("BTC-USDT", "buy", "90", "2"))
    place(run, TAKER, req.limit("BTC-USDT", "buy", "101", "0.25"))  # a partial fill of the first sell
    again = restart().core
    assert _book(again) == _book(core) and len(_book(again)) == 3
    for account in (MAKER, TAKER, core.exchange(LIVE).ledger.fee_account):
        assert again.exchange(LIVE).ledger.balances(account) == core.exchange(LIVE).ledger.balances(account)


def test_ids_go_on_above_everything_committed_after_a_restart(
    run: Run,
    req,
    commits: list[ChangeSet],
    core: ExchangeCore,
    restart,
    clock: ManualClock,
) -> None:
    fund(run, MAKER, "BTC", "1")
    fund(run, TAKER, "USDT", "1000")
    [first] = place(run, MAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    place(run, TAKER, req.limit("BTC-USDT", "buy", "100", "0.5"))
    last_trade = commits[-1].trades[0].trade_id
    last_bill = max(p.bill_id for p in commits[-1].postings)
    again = restart().core
    applied = again.apply(
        PlaceBatch(LIVE, TAKER, (req.limit("BTC-USDT", "buy", "100", "0.5"),)), clock.now_ms()
    )
    changes = again.changes([applied])
    assert isinstance(applied.result, list)
    [ack] = applied.result
    assert int(ack.ord_id) == int(first.ord_id) + 2
    assert changes.trades[0].trade_id == last_trade + 1
    assert min(p.bill_id for p in changes.postings) == last_bill + 1


def test_a_resting_order_keeps_its_fee_and_last_fill_across_a_restart(
    run: Run, req, commits: list[ChangeSet], restart, clock: ManualClock
) -> None:
    fund(run, MAKER, "BTC", "1")
    fund(run, TAKER, "USDT", "1000")
    [sell] = place(run, MAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    place(run, TAKER, req.limit("BTC-USDT", "buy", "100", "0.5"))
    again = restart().core
    applied = again.apply(
        PlaceBatch(LIVE, TAKER, (req.limit("BTC-USDT", "buy", "100", "0.5"),)), clock.now_ms()
    )
    maker = next(o for o in again.changes([applied]).orders if o.ord_id == int(sell.ord_id))
    assert maker.state is OrdState.FILLED and maker.acc_fill_sz == D(1)
    assert maker.fee == units("0.08")  # 0.04 USDT per half, the first half's from before the restart
    assert maker.fill_notional == D(100)


def test_a_fee_tier_survives_a_restart_and_none_puts_the_default_back(run: Run, restart) -> None:
    vip = FeeTier(D("0.0001"), D("0.0002"), "VIP9")
    run(SetFeeTier(LIVE, TAKER, vip))
    assert restart().core.fee_tier(LIVE, TAKER) == vip
    run(SetFeeTier(LIVE, TAKER, None))
    assert restart().core.fee_tier(LIVE, TAKER) == FeeTier()


def test_a_commit_that_fails_is_forgotten_and_answered_with_a_command_error(
    run: Run, req, store: ExchangeStore, core: ExchangeCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    fund(run, MAKER, "USDT", "1000")

    def gone(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "write", gone)
    with pytest.raises(CommandError):
        place(run, MAKER, req.limit("BTC-USDT", "buy", "100", "1"))
    monkeypatch.undo()
    assert core.exchange(LIVE).pending_orders(MAKER) == []  # rebuilt from what was committed
    assert core.exchange(LIVE).ledger.available(MAKER, "USDT") == units("1000")
    assert place(run, MAKER, req.limit("BTC-USDT", "buy", "100", "1"))[0].ok


def test_a_taker_matches_the_restored_queue_in_time_priority(
    run: Run, req, commits: list[ChangeSet], restart, clock: ManualClock
) -> None:
    fund(run, MAKER, "BTC", "2")
    fund(run, TAKER, "BTC", "1")
    fund(run, OTHER, "USDT", "1000")
    [older] = place(run, MAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    [newer] = place(run, TAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    again = restart().core
    applied = again.apply(
        PlaceBatch(LIVE, OTHER, (req.limit("BTC-USDT", "buy", "100", "1"),)), clock.now_ms()
    )
    makers = [f.ord_id for f in again.changes([applied]).fills if f.exec_type is ExecType.MAKER]
    assert makers == [int(older.ord_id)] and int(newer.ord_id) not in makers
