"""The funding state inside the single writer, driven directly with a clock we move by hand:
transfers, the withdrawal state machine, chain deposits, client ids, daily limits, conservation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.lifecycle import FundingTiming
from sandex.domain.funding.model import (
    AccountType,
    AddrType,
    DepositState,
    Dest,
    TransferType,
    WithdrawalState,
)
from sandex.domain.ids import SequentialIds
from sandex.domain.ledger import BalanceView, Ledger
from sandex.services.exchange.commands import (
    AdvanceFunding,
    CancelWithdrawal,
    ChainDeposit,
    FailWithdrawal,
    FundingApplied,
    FundingCommand,
    Transfer,
    Withdraw,
)
from sandex.services.exchange.funding import FundingState
from sandex.services.exchange.records import FundingSnapshot, WithdrawalRecord
from sandex.storage.catalogue_file import load_catalogue
from sandex.testing.clock import ManualClock

LIVE = Environment.LIVE
CATALOGUE = load_catalogue()
T0 = 1_700_000_000_000
UNIT = 10**18
FEE_ACCOUNT, ALICE_F, ALICE_T, BOB_F = 1, 10, 11, 20
TIMING = FundingTiming(block_ms=1000, review_ms=5_000, broadcast_ms=3_000)
W = WithdrawalState


class EmptyStore:
    def __init__(self, snapshot: FundingSnapshot | None = None) -> None:
        self.snapshot = snapshot or FundingSnapshot([], [], [], [], [], 0, 0, 0)

    def load_funding(self, since_ms: int) -> FundingSnapshot:
        return self.snapshot


class Rig:
    def __init__(self, core: FundingState | None = None) -> None:
        self.core = core or FundingState(EmptyStore(), CATALOGUE, ManualClock(T0), TIMING)  # type: ignore[arg-type]
        self.core.load()
        self.ledger = Ledger(fee_account=FEE_ACCOUNT)
        self.ids = SequentialIds(10_000_000)
        self.now = T0

    def run(self, command: FundingCommand) -> FundingApplied:
        return self.core.apply(command, self.ledger, self.ids, self.now)

    def fund(self, account: int, amount: int) -> None:
        self.ledger.deposit(account, "USDT", amount * UNIT, ref=1)

    def conserved(self) -> bool:
        return self.ledger.total("USDT") == self.ledger.net_external("USDT")


def _transfer(amount: int, client_id: str = "", src: int = ALICE_F, dst: int = ALICE_T) -> Transfer:
    return Transfer(
        LIVE,
        1,
        TransferType.WITHIN,
        "USDT",
        amount * UNIT,
        1,
        AccountType.FUNDING,
        src,
        1,
        AccountType.TRADING,
        dst,
        "",
        client_id,
    )


def _withdraw(
    amount: int, fee: int = 1, client_id: str = "", usd: str | None = None, quota: str = "1000000"
) -> Withdraw:
    return Withdraw(
        LIVE,
        1,
        ALICE_F,
        "USDT",
        "USDT-TRC20",
        amount * UNIT,
        fee * UNIT,
        Dest.ON_CHAIN,
        "TXtvfb7cdrn6VX9H49mgio8b",
        "",
        AddrType.ADDRESS,
        Decimal(usd or amount),
        Decimal(quota),
        "alice@example.test",
        client_id=client_id,
    )


def _internal(amount: int) -> Withdraw:
    return Withdraw(
        LIVE,
        1,
        ALICE_F,
        "USDT",
        "",
        amount * UNIT,
        0,
        Dest.INTERNAL,
        "bob@example.test",
        "",
        AddrType.ADDRESS,
        Decimal(amount),
        Decimal(10**6),
        "alice@example.test",
        receiver_id=2,
        receiver_account=BOB_F,
    )


def test_a_transfer_moves_money_once_per_client_id() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    first = rig.run(_transfer(30, "t1"))
    again = rig.run(_transfer(30, "t1"))
    assert again.result == first.result and again.postings == [] and not again.rows
    assert rig.ledger.balance(ALICE_T, "USDT") == BalanceView(30 * UNIT, 0)
    assert rig.core.transfer_for_client(LIVE, 1, "t1") == first.result


def test_a_refused_transfer_moves_nothing_and_keeps_the_client_id_free() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 10)
    assert rig.run(_transfer(11, "t1")).result == Rejected(Reason.TRANSFER_EXCEEDS_AVAILABLE)
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(10 * UNIT, 0)
    assert rig.core.transfer_for_client(LIVE, 1, "t1") is None
    assert isinstance(rig.run(_transfer(10, "t1")).result, type(rig.core.transfer_for_client(LIVE, 1, "t1")))


def test_withdrawal_holds_then_broadcasts_then_succeeds_on_the_clock() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    held = rig.run(_withdraw(50, fee=1))
    record = held.result
    assert isinstance(record, WithdrawalRecord) and record.state is W.WAITING
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(49 * UNIT, 51 * UNIT)
    assert rig.core.next_due_ms(LIVE) == T0 + 5_000
    rig.now = T0 + 4_999
    assert rig.run(AdvanceFunding(LIVE)).result == 0
    rig.now = T0 + 5_000
    moved = rig.run(AdvanceFunding(LIVE))
    assert moved.result == 1 and moved.rows.withdrawals[0].state is W.BROADCASTING
    assert moved.rows.withdrawals[0].tx_id.startswith("0x") and moved.postings == []
    rig.now = T0 + 8_000
    done = rig.run(AdvanceFunding(LIVE))
    assert [w.state for w in done.rows.withdrawals] == [W.SUCCESS]
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(49 * UNIT, 0)
    assert rig.ledger.balance(FEE_ACCOUNT, "USDT") == BalanceView(1 * UNIT, 0)
    assert rig.ledger.net_external("USDT") == 50 * UNIT and rig.conserved()
    assert rig.core.next_due_ms(LIVE) is None


def test_a_clock_jump_past_broadcast_settles_in_one_step() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    rig.run(_withdraw(10))
    rig.now = T0 + 60_000
    done = rig.run(AdvanceFunding(LIVE))
    assert [w.state for w in done.rows.withdrawals] == [W.SUCCESS]
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(89 * UNIT, 0)


def test_cancel_while_waiting_returns_the_hold_and_later_cancels_are_refused() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    wd = rig.run(_withdraw(50)).result
    assert isinstance(wd, WithdrawalRecord)
    canceled = rig.run(CancelWithdrawal(LIVE, 1, wd.wd_id))
    assert isinstance(canceled.result, WithdrawalRecord) and canceled.result.state is W.CANCELED
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(100 * UNIT, 0)
    assert rig.run(CancelWithdrawal(LIVE, 1, wd.wd_id)).result == Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE)
    assert rig.conserved() and rig.ledger.net_external("USDT") == 100 * UNIT


def test_cancel_once_broadcasting_is_refused_even_before_the_clock_task_ran() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    wd = rig.run(_withdraw(50)).result
    assert isinstance(wd, WithdrawalRecord)
    rig.now = T0 + 6_000  # due to broadcast, not yet advanced
    assert rig.run(CancelWithdrawal(LIVE, 1, wd.wd_id)).result == Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE)
    assert rig.run(CancelWithdrawal(LIVE, 2, wd.wd_id)).result == Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE)


def test_the_operator_can_fail_a_withdrawal_in_flight() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    wd = rig.run(_withdraw(50)).result
    assert isinstance(wd, WithdrawalRecord)
    rig.now = T0 + 6_000
    rig.run(AdvanceFunding(LIVE))
    failed = rig.run(FailWithdrawal(LIVE, wd.wd_id))
    assert isinstance(failed.result, WithdrawalRecord) and failed.result.state is W.FAILED
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(100 * UNIT, 0)
    assert rig.run(FailWithdrawal(LIVE, wd.wd_id)).result == Rejected(Reason.WITHDRAWAL_NOT_FOUND)


def test_insufficient_funds_including_the_fee_is_58350_and_holds_nothing() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 50)
    assert rig.run(_withdraw(50, fee=1)).result == Rejected(Reason.FUNDING_INSUFFICIENT)
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(50 * UNIT, 0)


def test_daily_limit_counts_the_last_24h_and_gives_back_canceled_withdrawals() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 1000)
    first = rig.run(_withdraw(60, quota="100")).result
    assert isinstance(first, WithdrawalRecord)
    assert rig.run(_withdraw(41, quota="100")).result == Rejected(Reason.WITHDRAWAL_DAILY_LIMIT)
    assert isinstance(rig.run(_withdraw(40, quota="100")).result, WithdrawalRecord)
    rig.run(CancelWithdrawal(LIVE, 1, first.wd_id))
    assert isinstance(rig.run(_withdraw(60, quota="100")).result, WithdrawalRecord)
    rig.now = T0 + 86_400_001  # the first day's withdrawals no longer count
    assert isinstance(rig.run(_withdraw(100, quota="100")).result, WithdrawalRecord)


def test_a_retried_withdrawal_with_the_same_client_id_moves_money_once() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    first = rig.run(_withdraw(30, client_id="w1"))
    again = rig.run(_withdraw(30, client_id="w1"))
    assert again.result == first.result and again.postings == [] and not again.rows
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(69 * UNIT, 31 * UNIT)


def test_internal_withdrawal_credits_the_receiver_at_once_without_fee() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    done = rig.run(_internal(40))
    record = done.result
    assert isinstance(record, WithdrawalRecord) and record.state is W.SUCCESS and record.fee == 0
    (deposit,) = done.rows.deposits
    assert (deposit.user_id, deposit.account_id, deposit.from_wd_id, deposit.state) == (
        2,
        BOB_F,
        record.wd_id,
        DepositState.SUCCESS,
    )
    assert rig.ledger.balance(BOB_F, "USDT") == BalanceView(40 * UNIT, 0)
    assert rig.ledger.net_external("USDT") == 100 * UNIT and rig.conserved()


def _chain_deposit(amount: int, arrival: int = 2, unlock: int = 4) -> ChainDeposit:
    return ChainDeposit(LIVE, 1, ALICE_F, "USDT", "USDT-TRC20", amount * UNIT, "Taddr", "", arrival, unlock)


def test_chain_deposit_is_credited_after_arrival_and_withdrawable_after_unlock() -> None:
    rig = Rig()
    seen = rig.run(_chain_deposit(25))
    assert seen.result.state is DepositState.WAITING and seen.postings == []  # type: ignore[attr-defined]
    rig.now = T0 + 2_000
    credited = rig.run(AdvanceFunding(LIVE))
    assert [d.state for d in credited.rows.deposits] == [DepositState.CREDITED]
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(25 * UNIT, 0)
    # credited but locked: nothing can be withdrawn yet
    assert rig.run(_withdraw(10)).result == Rejected(Reason.FUNDING_INSUFFICIENT)
    rig.now = T0 + 4_000
    assert [d.state for d in rig.run(AdvanceFunding(LIVE)).rows.deposits] == [DepositState.SUCCESS]
    assert isinstance(rig.run(_withdraw(10)).result, WithdrawalRecord)
    assert rig.conserved()


def test_a_deposit_without_confirmations_is_credited_when_seen() -> None:
    rig = Rig()
    seen = rig.run(_chain_deposit(5, arrival=0, unlock=0))
    assert seen.result.state is DepositState.SUCCESS and len(seen.rows.deposits) == 1  # type: ignore[attr-defined]
    assert rig.ledger.balance(ALICE_F, "USDT") == BalanceView(5 * UNIT, 0)


def test_environments_do_not_advance_each_other() -> None:
    rig = Rig()
    rig.run(_chain_deposit(5))
    rig.now = T0 + 10_000
    assert rig.run(AdvanceFunding(Environment.DEMO)).result == 0
    assert rig.core.next_due_ms(Environment.DEMO) is None and rig.core.next_due_ms(LIVE) == T0 + 2_000


def test_load_rebuilds_open_withdrawals_client_ids_and_id_counters() -> None:
    rig = Rig()
    rig.fund(ALICE_F, 100)
    record = rig.run(_withdraw(10, client_id="w9")).result
    assert isinstance(record, WithdrawalRecord)
    snapshot = FundingSnapshot([record], [record], [], [], [record], 1_000_000_123, record.wd_id, 10_000_050)
    core = FundingState(EmptyStore(snapshot), CATALOGUE, ManualClock(T0), TIMING)  # type: ignore[arg-type]
    assert core.load() == 10_000_050
    assert core.withdrawal_for_client(LIVE, 1, "w9") == record
    assert core.next_due_ms(LIVE) == T0 + 5_000
    fresh = Rig(core)
    fresh.fund(ALICE_F, 100)
    again = fresh.run(_withdraw(10, client_id="other"))
    assert isinstance(again.result, WithdrawalRecord) and again.result.wd_id == record.wd_id + 1


@pytest.mark.parametrize("amount", [1, 7, 99])
def test_every_path_conserves_money(amount: int) -> None:
    rig = Rig()
    rig.fund(ALICE_F, 400)
    rig.run(_transfer(amount))
    rig.run(_internal(amount))
    wd = rig.run(_withdraw(amount)).result
    rig.run(_chain_deposit(amount))
    rig.now = T0 + 60_000
    rig.run(AdvanceFunding(LIVE))
    assert isinstance(wd, WithdrawalRecord)
    assert rig.conserved()
    # the withdrawal's amount left, the chain deposit's came in; the fee stayed inside
    assert rig.ledger.net_external("USDT") == (400 - amount + amount) * UNIT
    assert rig.ledger.balance(FEE_ACCOUNT, "USDT") == BalanceView(1 * UNIT, 0)
