"""Withdrawals through their states, their holds, the daily quota; chain deposits through theirs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.lifecycle import FundingTiming
from sandex.domain.funding.model import AddrType, DepositState, DepositType, Dest, WithdrawalState
from sandex.domain.funding.withdrawals import AllowedAddress, WithdrawRequest
from sandex.services.accounts.views import UserView
from sandex.services.exchange.commands import AdvanceFunding
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.funding.ports import AddressBook
from sandex.services.funding.service import FundingService
from sandex.services.funding.views import BillKind, DepositView, Funder, HistoryFilter, WithdrawalView
from sandex.services.trading.service import TradingService
from sandex.testing.clock import ManualClock

D = Decimal
W = WithdrawalState
pytestmark = pytest.mark.usefixtures("funded")


def on_chain(amount: str, to: str, client_id: str = "") -> WithdrawRequest:
    return WithdrawRequest("USDT", D(amount), Dest.ON_CHAIN, to, chain="USDT-TRC20", client_id=client_id)


def done(answer: WithdrawalView | Rejected) -> WithdrawalView:
    assert isinstance(answer, WithdrawalView), answer
    return answer


def usdt(funding: FundingService, who: Funder) -> tuple[Decimal, Decimal]:
    """(available, frozen) of the funding account's USDT."""
    found = [(b.available, b.frozen) for b in funding.balances(who, ["USDT"])]
    return found[0] if found else (D(0), D(0))


def history(funding: FundingService, who: Funder, client_id: str | None = None) -> list[WithdrawalView]:
    rows = funding.withdrawal_history(who, HistoryFilter(client_id=client_id))
    assert isinstance(rows, list)
    return rows


def deposits(funding: FundingService, who: Funder, state: str | None = None) -> list[DepositView]:
    rows = funding.deposit_history(who, HistoryFilter(state=state))
    assert isinstance(rows, list)
    return rows


async def test_an_on_chain_withdrawal_holds_amount_and_fee_then_succeeds_on_the_clock(
    funding: FundingService, alice_funder: Funder, wallet: str, clock: ManualClock, timing: FundingTiming
) -> None:
    wd = done(await funding.withdraw(alice_funder, on_chain("100", wallet)))
    assert (wd.state, wd.amount, wd.fee, wd.chain, wd.to_addr, wd.tx_id) == (
        W.WAITING,
        D(100),
        D(1),
        "USDT-TRC20",
        wallet,
        "",
    )
    assert usdt(funding, alice_funder) == (D(899), D(101))
    clock.advance(ms=timing.review_ms)
    assert await funding.advance() == 1
    [broadcasting] = history(funding, alice_funder)
    assert broadcasting.state is W.BROADCASTING and broadcasting.tx_id.startswith("0x")
    clock.advance(ms=timing.broadcast_ms)
    assert await funding.advance() == 1
    [succeeded] = history(funding, alice_funder)
    assert succeeded.state is W.SUCCESS and succeeded.tx_id == broadcasting.tx_id
    assert usdt(funding, alice_funder) == (D(899), D(0))
    kinds = [(b.kind, b.bal_chg) for b in funding.bills(alice_funder, ccy="USDT")][:2]
    assert kinds == [(BillKind.WITHDRAWAL_FEE, D(-1)), (BillKind.WITHDRAWAL, D(-100))]
    assert await funding.advance() == 0  # nothing left to move


async def test_next_due_is_when_the_oldest_open_withdrawal_moves_on(
    funding: FundingService, alice_funder: Funder, wallet: str, clock: ManualClock, timing: FundingTiming
) -> None:
    assert funding.next_due_ms(alice_funder.environment) is None
    start = clock.now_ms()
    done(await funding.withdraw(alice_funder, on_chain("10", wallet)))
    assert funding.next_due_ms(alice_funder.environment) == start + timing.review_ms


async def test_a_waiting_withdrawal_can_be_canceled_and_its_hold_comes_back(
    funding: FundingService, alice_funder: Funder, wallet: str
) -> None:
    wd = done(await funding.withdraw(alice_funder, on_chain("100", wallet)))
    assert await funding.cancel_withdrawal(alice_funder, wd.wd_id) == wd.wd_id
    assert usdt(funding, alice_funder) == (D(1000), D(0))
    [canceled] = history(funding, alice_funder)
    assert canceled.state is W.CANCELED
    assert await funding.cancel_withdrawal(alice_funder, wd.wd_id) == Rejected(
        Reason.WITHDRAWAL_ALREADY_CANCELED
    )


async def test_a_withdrawal_past_its_review_can_no_longer_be_canceled(
    funding: FundingService, alice_funder: Funder, wallet: str, clock: ManualClock, timing: FundingTiming
) -> None:
    wd = done(await funding.withdraw(alice_funder, on_chain("100", wallet)))
    clock.advance(ms=timing.review_ms)  # broadcast by the clock, though nobody advanced it yet
    assert await funding.cancel_withdrawal(alice_funder, wd.wd_id) == Rejected(
        Reason.WITHDRAWAL_NOT_CANCELLABLE
    )
    assert usdt(funding, alice_funder) == (D(899), D(101))


async def test_cancel_refuses_unknown_malformed_and_other_users_withdrawals(
    funding: FundingService, alice_funder: Funder, wallet: str, users: dict[str, UserView]
) -> None:
    wd = done(await funding.withdraw(alice_funder, on_chain("100", wallet)))
    bob = Funder(users["bob"].id, alice_funder.environment)
    assert await funding.cancel_withdrawal(bob, wd.wd_id) == Rejected(Reason.WITHDRAWAL_NOT_FOUND)
    assert await funding.cancel_withdrawal(alice_funder, "99999999") == Rejected(Reason.WITHDRAWAL_NOT_FOUND)
    assert await funding.cancel_withdrawal(alice_funder, "12ab") == Rejected.of(
        Reason.PARAM_ERROR, field="wd_id"
    )


async def test_a_failed_withdrawal_gives_the_hold_back(
    funding: FundingService, alice_funder: Funder, wallet: str
) -> None:
    wd = done(await funding.withdraw(alice_funder, on_chain("100", wallet)))
    failed = done(await funding.fail_withdrawal(alice_funder.environment, int(wd.wd_id)))
    assert failed.state is W.FAILED
    assert usdt(funding, alice_funder) == (D(1000), D(0))
    assert await funding.fail_withdrawal(alice_funder.environment, int(wd.wd_id)) == Rejected(
        Reason.WITHDRAWAL_NOT_FOUND
    )


async def test_withdrawals_need_an_allow_listed_address(
    funding: FundingService, alice_funder: Funder, address_book: AddressBook, clock: ManualClock
) -> None:
    target = "TSomeoneE1seXXXXXXXXXXXXXXXXXXXXX1"
    assert await funding.withdraw(alice_funder, on_chain("10", target)) == Rejected(
        Reason.WITHDRAWAL_ADDRESS_MISSING
    )
    address_book.add_allowed(
        alice_funder.user_id, AllowedAddress("USDT-TRC20", "TAnotherXXXXXXXXXXXXXXXXXXXXXXXXX1"), 0
    )
    assert await funding.withdraw(alice_funder, on_chain("10", target)) == Rejected(
        Reason.WITHDRAWAL_ADDRESS_NOT_VERIFIED
    )
    assert usdt(funding, alice_funder) == (D(1000), D(0))


async def test_withdrawal_amounts_are_checked_before_anything_is_held(
    funding: FundingService, alice_funder: Funder, wallet: str
) -> None:
    assert await funding.withdraw(alice_funder, on_chain("0.5", wallet)) == Rejected(
        Reason.WITHDRAWAL_BELOW_MIN
    )
    refused = await funding.withdraw(alice_funder, on_chain("1000", wallet))  # + 1 fee > 1,000
    assert isinstance(refused, Rejected) and refused.reason is Reason.FUNDING_INSUFFICIENT
    nope = WithdrawRequest("NOPE", D(1), Dest.ON_CHAIN, wallet)
    assert await funding.withdraw(alice_funder, nope) == Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
    sub = Funder(alice_funder.user_id, alice_funder.environment, is_sub=True)
    assert await funding.withdraw(sub, on_chain("10", wallet)) == Rejected(
        Reason.SUBACCOUNT_NO_DEPOSIT_WITHDRAW
    )
    assert history(funding, alice_funder) == [] and usdt(funding, alice_funder) == (D(1000), D(0))


async def test_the_daily_quota_counts_the_last_24_hours_but_not_canceled_withdrawals(
    funding: FundingService, alice_funder: Funder, wallet: str, trading: TradingService, clock: ManualClock
) -> None:
    await trading.deposit(
        alice_funder.user_id, alice_funder.environment, "USDT", D(20_000), LedgerAccountKind.FUNDING
    )
    first = done(await funding.withdraw(alice_funder, on_chain("6000", wallet)))
    assert await funding.withdraw(alice_funder, on_chain("4001", wallet)) == Rejected(
        Reason.WITHDRAWAL_DAILY_LIMIT
    )
    assert funding.quota(alice_funder).used_usd == D(6000)
    await funding.cancel_withdrawal(alice_funder, first.wd_id)
    assert funding.quota(alice_funder).used_usd == 0
    done(await funding.withdraw(alice_funder, on_chain("9000", wallet)))
    clock.advance(days=1, ms=1)
    assert funding.quota(alice_funder).used_usd == 0
    done(await funding.withdraw(alice_funder, on_chain("9000", wallet)))


async def test_a_retried_client_id_answers_the_first_withdrawal(
    funding: FundingService, alice_funder: Funder, wallet: str
) -> None:
    first = done(await funding.withdraw(alice_funder, on_chain("10", wallet, client_id="w1")))
    assert done(await funding.withdraw(alice_funder, on_chain("20", wallet, client_id="w1"))) == first
    assert len(history(funding, alice_funder)) == 1
    assert [w.wd_id for w in history(funding, alice_funder, client_id="w1")] == [first.wd_id]


async def test_an_open_withdrawal_survives_a_restart_and_still_completes(
    funding: FundingService,
    alice_funder: Funder,
    wallet: str,
    clock: ManualClock,
    timing: FundingTiming,
    restart,
) -> None:
    wd = done(await funding.withdraw(alice_funder, on_chain("100", wallet)))
    again = restart()
    clock.advance(ms=timing.review_ms + timing.broadcast_ms)
    applied = again.core.apply(AdvanceFunding(alice_funder.environment), clock.now_ms())
    assert applied.result == 1
    [row] = again.core.changes([applied]).funding.withdrawals
    assert (str(row.wd_id), row.state) == (wd.wd_id, W.SUCCESS)


async def test_an_internal_withdrawal_credits_the_receiver_at_once_without_fee(
    funding: FundingService, alice_funder: Funder, address_book: AddressBook, users: dict[str, UserView]
) -> None:
    address_book.add_allowed(alice_funder.user_id, AllowedAddress("", "bob@example.test"), 0)
    request = WithdrawRequest("USDT", D(30), Dest.INTERNAL, "bob@example.test")
    wd = done(await funding.withdraw(alice_funder, request))
    assert (wd.state, wd.fee, wd.chain, wd.dest) == (W.SUCCESS, 0, "", Dest.INTERNAL)
    bob = Funder(users["bob"].id, alice_funder.environment)
    assert usdt(funding, alice_funder) == (D(970), 0) and usdt(funding, bob) == (D(30), 0)
    [received] = deposits(funding, bob)
    assert (received.dep_type, received.from_text, received.from_wd_id, received.state) == (
        DepositType.INTERNAL,
        "alice@example.test",
        wd.wd_id,
        DepositState.SUCCESS,
    )


async def test_an_internal_withdrawal_to_an_unknown_user_or_oneself_is_refused(
    funding: FundingService, alice_funder: Funder, address_book: AddressBook
) -> None:
    for entry in ("nobody@example.test", "alice@example.test"):
        address_book.add_allowed(alice_funder.user_id, AllowedAddress("", entry), 0)
        request = WithdrawRequest("USDT", D(1), Dest.INTERNAL, entry, AddrType.ADDRESS)
        assert await funding.withdraw(alice_funder, request) == Rejected(Reason.INTERNAL_RECIPIENT_NOT_FOUND)
    assert usdt(funding, alice_funder) == (D(1000), 0)


# --- chain deposits ----------------------------------------------------------------------------------
async def test_a_chain_deposit_is_credited_after_its_confirmations_and_withdrawable_after_twice_as_many(
    funding: FundingService, alice_funder: Funder, wallet: str, clock: ManualClock, timing: FundingTiming
) -> None:
    seen = await funding.simulate_deposit(alice_funder.user_id, alice_funder.environment, "USDT", D(500))
    assert isinstance(seen, DepositView)
    assert (seen.state, seen.amount, seen.chain, seen.confirmations) == (
        DepositState.WAITING,
        D(500),
        "USDT-TRC20",
        0,
    )
    assert usdt(funding, alice_funder) == (D(1000), 0)  # nothing credited yet
    clock.advance(ms=2 * timing.block_ms)  # USDT-TRC20 needs 2 confirmations here
    assert await funding.advance(alice_funder.environment) == 1
    assert usdt(funding, alice_funder) == (D(1500), 0)
    refused = await funding.withdraw(alice_funder, on_chain("1000", wallet))  # 1,001 > 1,000 withdrawable
    assert isinstance(refused, Rejected) and refused.reason is Reason.FUNDING_INSUFFICIENT
    clock.advance(ms=2 * timing.block_ms)  # unlocked after 4
    assert await funding.advance(alice_funder.environment) == 1
    [row] = [d for d in deposits(funding, alice_funder, state="2") if d.dep_id == seen.dep_id]
    assert (row.state, row.confirmations) == (DepositState.SUCCESS, 4)
    done(await funding.withdraw(alice_funder, on_chain("1000", wallet)))


async def test_a_credit_to_an_address_nobody_was_given_is_refused(
    funding: FundingService, alice_funder: Funder
) -> None:
    answer = await funding.credit_address(
        alice_funder.environment, "USDT-TRC20", "TUnknown00000000001", "", D(5)
    )
    assert answer == Rejected(Reason.DEPOSIT_ADDRESS_NOT_FOUND)


async def test_deposit_addresses_are_stable_per_chain_and_find_their_owner(
    funding: FundingService,
    alice_funder: Funder,
    users: dict[str, UserView],
    clock: ManualClock,
    timing: FundingTiming,
) -> None:
    uid = users["alice"].uid
    first = funding.deposit_addresses(alice_funder, uid, "USDT")
    assert isinstance(first, list) and [a.chain for a in first] == ["USDT-TRC20", "USDT-TON"]
    assert funding.deposit_addresses(alice_funder, uid, "USDT") == first
    ton = first[1]
    assert ton.tag and ton.tag_field
    credited = await funding.credit_address(
        alice_funder.environment, "USDT-TON", ton.addr, ton.tag, D(3), "0xabc"
    )
    assert isinstance(credited, DepositView) and credited.tx_id == "0xabc"
    clock.advance(ms=timing.block_ms)
    await funding.advance()
    assert usdt(funding, alice_funder)[0] == D(1003)
    assert funding.deposit_addresses(alice_funder, uid, "NOPE") == Rejected.of(
        Reason.CURRENCY_NOT_FOUND, field="ccy"
    )


async def test_histories_filter_by_currency_state_and_transaction_and_page_by_time(
    funding: FundingService, alice_funder: Funder, wallet: str, clock: ManualClock
) -> None:
    first = done(await funding.withdraw(alice_funder, on_chain("10", wallet)))
    clock.advance(ms=10)
    second = done(await funding.withdraw(alice_funder, on_chain("20", wallet)))
    await funding.cancel_withdrawal(alice_funder, first.wd_id)
    rows = funding.withdrawal_history(alice_funder, HistoryFilter(state="-2"))
    assert isinstance(rows, list) and [w.wd_id for w in rows] == [first.wd_id]
    older = funding.withdrawal_history(alice_funder, HistoryFilter(after=second.ts))
    assert isinstance(older, list) and [w.wd_id for w in older] == [first.wd_id]
    newer = funding.withdrawal_history(alice_funder, HistoryFilter(before=first.ts))
    assert isinstance(newer, list) and [w.wd_id for w in newer] == [second.wd_id]
    assert funding.withdrawal_history(alice_funder, HistoryFilter(ccy="BTC")) == []
    assert funding.withdrawal_history(alice_funder, HistoryFilter(record_id="x")) == Rejected.of(
        Reason.PARAM_ERROR, field="wd_id"
    )
    [usdt, btc] = sorted(deposits(funding, alice_funder), key=lambda d: d.ccy, reverse=True)
    assert (usdt.ccy, btc.ccy) == ("USDT", "BTC")
    by_tx = funding.deposit_history(alice_funder, HistoryFilter(tx_id=btc.tx_id))
    assert by_tx == [btc]
