"""Transfers between a user's funding and trading accounts, and between a master and its sub-account."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import AccountType, TransferState, TransferType
from sandex.domain.funding.transfers import TransferRequest
from sandex.services.accounts.views import UserView
from sandex.services.exchange.commands import Transfer
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.funding.service import FundingService
from sandex.services.funding.views import BillKind, Funder, TransferView
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import Trader
from sandex.testing.clock import ManualClock

D = Decimal
FUNDING, TRADING = AccountType.FUNDING, AccountType.TRADING
LIVE = Environment.LIVE
pytestmark = pytest.mark.usefixtures("funded")


def to_trading(amount: str, client_id: str = "") -> TransferRequest:
    return TransferRequest(TransferType.WITHIN, "USDT", D(amount), FUNDING, TRADING, client_id=client_id)


def moved(answer: TransferView | Rejected) -> TransferView:
    assert isinstance(answer, TransferView), answer
    return answer


def funding_usdt(funding: FundingService, who: Funder) -> Decimal:
    return next((b.available for b in funding.balances(who, ["USDT"])), D(0))


async def test_a_transfer_moves_money_from_funding_to_trading(
    funding: FundingService, trading: TradingService, alice_funder: Funder, alice: Trader
) -> None:
    done = moved(await funding.transfer(alice_funder, to_trading("250.5")))
    assert (done.ccy, done.amount, done.src, done.dst, done.state) == (
        "USDT",
        D("250.5"),
        FUNDING,
        TRADING,
        TransferState.SUCCESS,
    )
    assert funding_usdt(funding, alice_funder) == D("749.5")
    assert [(b.ccy, b.available) for b in trading.balances(alice).details] == [("USDT", D("250.5"))]
    back = TransferRequest(TransferType.WITHIN, "USDT", D("0.5"), TRADING, FUNDING)
    moved(await funding.transfer(alice_funder, back))
    assert funding_usdt(funding, alice_funder) == D(750)


async def test_a_transfer_reads_back_by_id_or_client_id(
    funding: FundingService, alice_funder: Funder
) -> None:
    done = moved(await funding.transfer(alice_funder, to_trading("1", client_id="t1")))
    assert funding.transfer_state(alice_funder, done.trans_id, None) == [done]
    assert funding.transfer_state(alice_funder, None, "t1") == [done]
    assert funding.transfer_state(alice_funder, None, "t2") == []
    assert funding.transfer_state(alice_funder, done.trans_id, None, TransferType.MASTER_TO_SUB) == []
    assert funding.transfer_state(alice_funder, "1x", None) == Rejected.of(
        Reason.PARAM_ERROR, field="trans_id"
    )
    refused = funding.transfer_state(alice_funder, None, None)
    assert isinstance(refused, Rejected) and refused.reason is Reason.EITHER_PARAM_REQUIRED


async def test_a_retried_client_id_answers_the_first_transfer_and_moves_nothing_more(
    funding: FundingService, alice_funder: Funder
) -> None:
    first = moved(await funding.transfer(alice_funder, to_trading("100", client_id="once")))
    again = moved(await funding.transfer(alice_funder, to_trading("300", client_id="once")))
    assert again == first
    assert funding_usdt(funding, alice_funder) == D(900)


async def test_a_retried_client_id_is_remembered_across_a_restart(
    funding: FundingService, alice_funder: Funder, restart, clock: ManualClock
) -> None:
    first = moved(await funding.transfer(alice_funder, to_trading("100", client_id="once")))
    again = restart()
    env, user = alice_funder.environment, alice_funder.user_id
    remembered = again.funding.transfer_for_client(env, user, "once")
    assert remembered is not None and str(remembered.trans_id) == first.trans_id
    command = Transfer(
        env, user, TransferType.WITHIN, "USDT", 1, user, FUNDING, 3, user, TRADING, 4, client_id="once"
    )
    applied = again.core.apply(command, clock.now_ms())
    # the first result, and no ledger touched (account 0 does not even exist)
    assert applied.result == remembered and applied.events == []


async def test_transfers_refuse_more_than_available_unknown_currencies_and_bad_amounts(
    funding: FundingService, alice_funder: Funder
) -> None:
    assert await funding.transfer(alice_funder, to_trading("1000.01")) == Rejected(
        Reason.TRANSFER_EXCEEDS_AVAILABLE
    )
    nope = TransferRequest(TransferType.WITHIN, "NOPE", D(1), FUNDING, TRADING)
    assert await funding.transfer(alice_funder, nope) == Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
    refused = await funding.transfer(alice_funder, to_trading("0"))
    assert isinstance(refused, Rejected) and refused.reason is Reason.TRANSFER_AMOUNT_INVALID
    same = TransferRequest(TransferType.WITHIN, "USDT", D(1), FUNDING, FUNDING)
    assert isinstance(await funding.transfer(alice_funder, same), Rejected)
    assert funding_usdt(funding, alice_funder) == D(1000)


async def test_a_master_sends_money_to_its_sub_account_and_the_sub_sends_it_back(
    funding: FundingService, trading: TradingService, users: dict[str, UserView]
) -> None:
    bob, carol = Funder(users["bob"].id, LIVE), Funder(users["carolsub"].id, LIVE, is_sub=True)
    await trading.deposit(bob.user_id, LIVE, "USDT", D(100), LedgerAccountKind.FUNDING)
    down = TransferRequest(TransferType.MASTER_TO_SUB, "USDT", D(40), FUNDING, FUNDING, sub_acct="carolsub")
    done = moved(await funding.transfer(bob, down))
    assert (done.type, done.sub_acct) == (TransferType.MASTER_TO_SUB, "carolsub")
    assert funding_usdt(funding, carol) == D(40) and funding_usdt(funding, bob) == D(60)
    assert funding.transfer_state(carol, done.trans_id, None) == [done]  # both parties see it
    up = TransferRequest(TransferType.SUB_TO_MASTER_BY_SUB, "USDT", D(15), FUNDING, FUNDING)
    moved(await funding.transfer(carol, up))
    assert funding_usdt(funding, carol) == D(25) and funding_usdt(funding, bob) == D(75)
    [received, sent] = funding.bills(bob, limit=2)
    assert (received.kind, received.bal_chg) == (BillKind.FROM_SUB, D(15))
    assert (sent.kind, sent.bal_chg, sent.bal) == (BillKind.TO_SUB, D(-40), D(60))
    assert [b.kind for b in funding.bills(carol)] == [BillKind.SUB_OUT, BillKind.SUB_IN]


async def test_transfer_types_are_checked_against_the_key_that_asks(
    funding: FundingService, users: dict[str, UserView]
) -> None:
    bob, carol = Funder(users["bob"].id, LIVE), Funder(users["carolsub"].id, LIVE, is_sub=True)
    by_sub_key = TransferRequest(TransferType.SUB_TO_MASTER_BY_SUB, "USDT", D(1), FUNDING, FUNDING)
    assert await funding.transfer(bob, by_sub_key) == Rejected(Reason.TRANSFER_TYPE_NOT_FOR_MASTER_KEY)
    master_only = TransferRequest(
        TransferType.MASTER_TO_SUB, "USDT", D(1), FUNDING, FUNDING, sub_acct="carolsub"
    )
    assert await funding.transfer(carol, master_only) == Rejected(Reason.TRANSFER_TYPE_NOT_FOR_SUB_KEY)
    unknown = TransferRequest(TransferType.MASTER_TO_SUB, "USDT", D(1), FUNDING, FUNDING, sub_acct="nobody")
    refused = await funding.transfer(bob, unknown)
    assert isinstance(refused, Rejected) and refused.reason is Reason.TRANSFER_SUBACCOUNT_NOT_FOUND


async def test_funding_bills_name_transfers_to_and_from_trading(
    funding: FundingService, alice_funder: Funder
) -> None:
    moved(await funding.transfer(alice_funder, to_trading("10", client_id="c9")))
    back = TransferRequest(TransferType.WITHIN, "USDT", D(4), TRADING, FUNDING)
    moved(await funding.transfer(alice_funder, back))
    bills = funding.bills(alice_funder, ccy="USDT")
    assert [(b.kind, b.bal_chg, b.bal) for b in bills] == [
        (BillKind.FROM_TRADING, D(4), D(994)),
        (BillKind.TO_TRADING, D(-10), D(990)),
        (BillKind.DEPOSIT, D(1000), D(1000)),
    ]
    assert bills[1].client_id == "c9"
    assert [b.kind for b in funding.bills(alice_funder, kind=BillKind.TO_TRADING)] == [BillKind.TO_TRADING]
    assert [b.ccy for b in funding.bills(alice_funder, client_id="c9")] == ["USDT"]


async def test_valuation_adds_both_accounts_at_reference_prices(
    funding: FundingService, alice_funder: Funder
) -> None:
    moved(await funding.transfer(alice_funder, to_trading("300")))
    in_usd = funding.valuation(alice_funder, "USD")
    assert not isinstance(in_usd, Rejected)
    assert (in_usd.funding, in_usd.trading, in_usd.total) == (D(800), D(300), D(1100))  # 1 BTC = 100 USD
    in_btc = funding.valuation(alice_funder)
    assert not isinstance(in_btc, Rejected) and (in_btc.ccy, in_btc.total) == ("BTC", D(11))
    assert funding.valuation(alice_funder, "NOPE") == Rejected.of(Reason.PARAM_ERROR, field="ccy")
