"""The exchange core: what one command answers and the change set the sequencer then writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.model import DepositState
from sandex.domain.instruments import InstrumentState
from sandex.domain.ledger.amounts import to_amount
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.ledger.postings import PostingReason
from sandex.domain.matching.order import CancelCause, OrdState, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange import inbox as codec
from sandex.services.exchange.commands import (
    AmendBatch,
    CancelBatch,
    Command,
    Deposit,
    DepositView,
    OrderAck,
    PlaceBatch,
    SetFeeTier,
)
from sandex.services.exchange.core import (
    BILL_ID_BASE,
    DEPOSIT_ID_BASE,
    ORDER_ID_BASE,
    TRADE_ID_BASE,
    ExchangeCore,
)
from sandex.services.exchange.records import ChangeSet, ExecType, LedgerAccountKind
from sandex.services.exchange.store import ExchangeStore
from sandex.testing.clock import ManualClock

D = Decimal
MAKER, TAKER, DEMO_MAKER = 3, 4, 6  # ledger accounts (see conftest)
USERS = {3: 11, 4: 12, 5: 13, 6: 11}  # their owners
LIVE, DEMO = Environment.LIVE, Environment.DEMO
Run = Callable[[Command], object]


def units(text: str) -> int:
    found = to_amount(D(text))
    assert found is not None
    return found


def fund(run: Run, account: int, ccy: str, amount: str, environment: Environment = LIVE) -> DepositView:
    view = run(Deposit(environment, account, USERS[account], LedgerAccountKind.TRADING, ccy, units(amount)))
    assert isinstance(view, DepositView)
    return view


def place(run: Run, account: int, *items: OrderSpec, environment: Environment = LIVE) -> list[OrderAck]:
    acks = run(PlaceBatch(environment, account, items))
    assert isinstance(acks, list)
    return acks


def acks_of(answer: object) -> list[OrderAck]:
    assert isinstance(answer, list)
    return answer


def balance(store: ExchangeStore, account: int, ccy: str) -> tuple[int, int]:
    """(available, frozen) as committed."""
    row = next((b for b in store.balances(account) if b.ccy == ccy), None)
    return (0, 0) if row is None else (row.available, row.frozen)


def test_a_deposit_credits_the_account_and_records_a_deposit_posting_and_history_row(
    run: Run, commits: list[ChangeSet], clock: ManualClock
) -> None:
    view = fund(run, MAKER, "USDT", "1000")
    assert (view.ccy, view.amount, view.available, view.ts) == ("USDT", D(1000), D(1000), clock.now_ms())
    assert int(view.dep_id) >= DEPOSIT_ID_BASE
    [posting] = commits[-1].postings
    assert (posting.reason, posting.ref, posting.delta_available) == (
        PostingReason.DEPOSIT,
        int(view.dep_id),
        units("1000"),
    )
    assert posting.available_after == units("1000") and posting.bill_id >= BILL_ID_BASE
    [row] = commits[-1].funding.deposits
    assert (row.dep_id, row.state, row.chain) == (int(view.dep_id), DepositState.SUCCESS, "USDT-TRC20")


def test_a_second_deposit_adds_up_and_gets_the_next_id(run: Run) -> None:
    first = fund(run, MAKER, "USDT", "1000")
    second = fund(run, MAKER, "USDT", "0.5")
    assert second.available == D("1000.5")
    assert int(second.dep_id) == int(first.dep_id) + 1


def test_a_resting_limit_buy_freezes_its_quote_and_writes_a_live_order(
    run: Run, commits: list[ChangeSet], req, store: ExchangeStore
) -> None:
    fund(run, MAKER, "USDT", "1000")
    [ack] = place(run, MAKER, req.limit("BTC-USDT", "buy", "100", "2", cl_ord_id="b1", tag="t"))
    assert ack.ok and int(ack.ord_id) >= ORDER_ID_BASE and (ack.cl_ord_id, ack.tag) == ("b1", "t")
    [order] = commits[-1].orders
    assert (order.state, order.px, order.sz, order.acc_fill_sz) == (OrdState.LIVE, D(100), D(2), D(0))
    [freeze] = commits[-1].postings
    assert (freeze.reason, freeze.delta_available, freeze.delta_frozen) == (
        PostingReason.FREEZE,
        -units("200"),
        units("200"),
    )
    assert balance(store, MAKER, "USDT") == (units("800"), units("200"))


def test_a_refused_order_changes_nothing_and_writes_nothing(
    run: Run, commits: list[ChangeSet], req, store: ExchangeStore
) -> None:
    fund(run, MAKER, "USDT", "100")
    [ack] = place(run, MAKER, req.limit("BTC-USDT", "buy", "100", "2"))
    assert ack.rejected is not None and ack.rejected.reason is Reason.INSUFFICIENT_BALANCE
    assert ack.ord_id == "" and not commits[-1]  # an empty change set: nothing to write
    assert balance(store, MAKER, "USDT") == (units("100"), 0)


def test_a_cross_writes_one_trade_two_fills_and_charges_each_side_its_fee(
    run: Run, commits: list[ChangeSet], req
) -> None:
    fund(run, MAKER, "BTC", "1")
    fund(run, TAKER, "USDT", "1000")
    [sell] = place(run, MAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    [buy] = place(run, TAKER, req.limit("BTC-USDT", "buy", "101", "1"))
    changes = commits[-1]
    [trade] = changes.trades
    assert trade.trade_id >= TRADE_ID_BASE and (trade.px, trade.sz, trade.taker_side) == (
        D(100),
        D(1),
        Side.BUY,
    )
    fills = {f.exec_type: f for f in changes.fills}
    assert fills[ExecType.TAKER].ord_id == int(buy.ord_id) and fills[ExecType.MAKER].ord_id == int(
        sell.ord_id
    )
    # fees are charged in what each side receives: BTC for the buyer, USDT for the seller
    assert (fills[ExecType.TAKER].fee, fills[ExecType.TAKER].fee_ccy) == (units("0.001"), "BTC")
    assert (fills[ExecType.MAKER].fee, fills[ExecType.MAKER].fee_ccy) == (units("0.08"), "USDT")
    assert fills[ExecType.TAKER].fee_rate == D("0.001") and fills[ExecType.MAKER].fee_rate == D("0.0008")
    states = {o.ord_id: o.state for o in changes.orders}
    assert states == {int(buy.ord_id): OrdState.FILLED, int(sell.ord_id): OrdState.FILLED}


def test_a_fill_points_at_its_trade_posting(run: Run, commits: list[ChangeSet], req) -> None:
    fund(run, MAKER, "BTC", "1")
    fund(run, TAKER, "USDT", "1000")
    place(run, MAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    place(run, TAKER, req.limit("BTC-USDT", "buy", "100", "1"))
    postings = {p.bill_id: p for p in commits[-1].postings}
    for fill in commits[-1].fills:
        bill = postings[fill.bill_id]
        assert (bill.reason, bill.ref, bill.account_id, bill.ccy) == (
            PostingReason.TRADE,
            fill.trade_id,
            fill.account_id,
            fill.fee_ccy,
        )


def test_the_price_improvement_of_a_buy_comes_back_to_available(run: Run, req, store: ExchangeStore) -> None:
    fund(run, MAKER, "BTC", "1")
    fund(run, TAKER, "USDT", "1000")
    place(run, MAKER, req.limit("BTC-USDT", "sell", "90", "1"))
    place(run, TAKER, req.limit("BTC-USDT", "buy", "100", "1"))  # froze 100, paid 90
    assert balance(store, TAKER, "USDT") == (units("910"), 0)
    assert balance(store, TAKER, "BTC") == (units("0.999"), 0)
    assert balance(store, MAKER, "USDT") == (units("89.928"), 0)


def test_order_events_record_every_step_of_both_orders_in_order(
    run: Run, commits: list[ChangeSet], req
) -> None:
    fund(run, MAKER, "BTC", "1")
    fund(run, TAKER, "USDT", "1000")
    [sell] = place(run, MAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    place(run, MAKER, req.limit("BTC-USDT", "sell", "100.5", "0"))  # refused (below min): no step
    place(run, TAKER, req.limit("BTC-USDT", "buy", "100", "0.4"))
    steps = [
        (e.order.account_id, e.order.state, None if e.fill is None else e.fill.exec_type)
        for e in commits[-1].order_events
    ]
    assert steps == [
        (TAKER, OrdState.LIVE, None),
        (MAKER, OrdState.PARTIALLY_FILLED, ExecType.MAKER),
        (TAKER, OrdState.FILLED, ExecType.TAKER),
    ]
    maker_step = commits[-1].order_events[1].order
    assert maker_step.ord_id == int(sell.ord_id) and maker_step.acc_fill_sz == D("0.4")
    assert maker_step.last_fill_px == D(100) and maker_step.fee == units("0.032")


def test_a_batch_refuses_a_repeated_client_order_id_and_keeps_the_others(
    run: Run, commits: list[ChangeSet], req
) -> None:
    fund(run, MAKER, "USDT", "1000")
    acks = place(
        run,
        MAKER,
        req.limit("BTC-USDT", "buy", "10", "1", cl_ord_id="same"),
        req.limit("BTC-USDT", "buy", "11", "1", cl_ord_id="same"),
        req.limit("BTC-USDT", "buy", "12", "1", cl_ord_id="other"),
    )
    assert [a.ok for a in acks] == [True, False, True]
    assert acks[1].rejected == Rejected(Reason.CLORDID_EXISTS)
    assert len(commits[-1].orders) == 2


def test_a_client_order_id_in_use_by_a_pending_order_is_refused_in_the_next_batch(run: Run, req) -> None:
    fund(run, MAKER, "USDT", "1000")
    place(run, MAKER, req.limit("BTC-USDT", "buy", "10", "1", cl_ord_id="x"))
    [ack] = place(run, MAKER, req.limit("BTC-USDT", "buy", "10", "1", cl_ord_id="x"))
    assert ack.rejected is not None and ack.rejected.reason is Reason.CLORDID_EXISTS


def test_cancel_by_client_id_unfreezes_and_records_the_user_as_cause(
    run: Run, commits: list[ChangeSet], req, store: ExchangeStore
) -> None:
    fund(run, MAKER, "USDT", "1000")
    [placed] = place(run, MAKER, req.limit("BTC-USDT", "buy", "100", "1", cl_ord_id="c1"))
    [ack] = acks_of(run(CancelBatch(LIVE, MAKER, (req.cancel("BTC-USDT", cl_ord_id="c1"),))))
    assert ack.ok and ack.ord_id == placed.ord_id and ack.cl_ord_id == "c1"
    [order] = commits[-1].orders
    assert (order.state, order.cancel_cause) == (OrdState.CANCELED, CancelCause.USER)
    assert [p.reason for p in commits[-1].postings] == [PostingReason.UNFREEZE]
    assert balance(store, MAKER, "USDT") == (units("1000"), 0)


def test_cancel_refuses_an_unknown_order_id(run: Run, req) -> None:
    # a malformed ordId never reaches the core: the OKX transport refuses it (51000, orders_wire)
    acks = run(CancelBatch(LIVE, MAKER, (req.cancel("BTC-USDT", ORDER_ID_BASE + 99),)))
    assert isinstance(acks, list)
    assert (
        acks[0].rejected is not None and acks[0].rejected.reason is Reason.CANCEL_FAILED
    )  # 51400: no such order


def test_amend_moves_the_price_and_refreezes_the_difference(
    run: Run, commits: list[ChangeSet], req, store: ExchangeStore
) -> None:
    fund(run, MAKER, "USDT", "1000")
    [placed] = place(run, MAKER, req.limit("BTC-USDT", "buy", "100", "2"))
    [ack] = acks_of(
        run(AmendBatch(LIVE, MAKER, (req.amend("BTC-USDT", placed.ord_id, new_px="150", req_id="r1"),)))
    )
    assert ack.ok and ack.req_id == "r1"
    [order] = commits[-1].orders
    assert (order.px, order.sz, order.state) == (D(150), D(2), OrdState.LIVE)
    assert balance(store, MAKER, "USDT") == (units("700"), units("300"))


def test_amending_the_size_to_what_is_filled_completes_the_order(
    run: Run, commits: list[ChangeSet], req
) -> None:
    fund(run, MAKER, "BTC", "1")
    fund(run, TAKER, "USDT", "1000")
    [sell] = place(run, MAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    place(run, TAKER, req.limit("BTC-USDT", "buy", "100", "0.3"))
    run(AmendBatch(LIVE, MAKER, (req.amend("BTC-USDT", sell.ord_id, new_sz="0.3"),)))
    [order] = commits[-1].orders
    assert (order.state, order.acc_fill_sz) == (OrdState.FILLED, D("0.3"))


def test_a_halted_instrument_refuses_orders_and_amends_but_lets_orders_be_canceled(
    run: Run, req, core: ExchangeCore
) -> None:
    fund(run, MAKER, "USDT", "1000")
    [resting] = place(run, MAKER, req.limit("BTC-USDT", "buy", "10", "1"))
    core.set_instrument_state("BTC-USDT", InstrumentState.SUSPEND)
    [refused] = place(run, MAKER, req.limit("BTC-USDT", "buy", "10", "1"))
    assert refused.rejected == Rejected(Reason.INSTRUMENT_SUSPENDED)
    [other] = place(run, MAKER, req.limit("ETH-USDT", "buy", "1", "1"))
    assert other.ok  # only that instrument
    [amend] = acks_of(run(AmendBatch(LIVE, MAKER, (req.amend("BTC-USDT", resting.ord_id, new_px="11"),))))
    assert amend.rejected == Rejected(Reason.INSTRUMENT_SUSPENDED)
    [cancel] = acks_of(run(CancelBatch(LIVE, MAKER, (req.cancel("BTC-USDT", resting.ord_id),))))
    assert cancel.ok
    core.set_instrument_state("BTC-USDT", InstrumentState.LIVE)
    assert place(run, MAKER, req.limit("BTC-USDT", "buy", "10", "1"))[0].ok


def test_environments_are_separate_markets_with_shared_order_ids(
    run: Run, commits: list[ChangeSet], req, core: ExchangeCore
) -> None:
    fund(run, DEMO_MAKER, "BTC", "1", environment=DEMO)
    fund(run, TAKER, "USDT", "1000", environment=LIVE)
    [demo] = place(run, DEMO_MAKER, req.limit("BTC-USDT", "sell", "100", "1"), environment=DEMO)
    [live] = place(run, TAKER, req.limit("BTC-USDT", "buy", "100", "1"), environment=LIVE)
    assert not commits[-1].trades  # the live buy does not meet the demo sell
    assert int(live.ord_id) == int(demo.ord_id) + 1
    assert [o.ord_id for o in core.exchange(DEMO).pending_orders(DEMO_MAKER)] == [int(demo.ord_id)]


def test_a_fee_tier_applies_from_the_next_fill_and_is_written_for_restarts(
    run: Run, commits: list[ChangeSet], req
) -> None:
    tier = FeeTier(D("0.0002"), D("0.0005"), "VIP1")
    assert run(SetFeeTier(LIVE, TAKER, tier)) == tier
    [record] = commits[-1].fee_tiers
    assert (record.account_id, record.tier) == (TAKER, tier)
    fund(run, MAKER, "BTC", "1")
    fund(run, TAKER, "USDT", "1000")
    place(run, MAKER, req.limit("BTC-USDT", "sell", "100", "1"))
    place(run, TAKER, req.limit("BTC-USDT", "buy", "100", "1"))
    taker = next(f for f in commits[-1].fills if f.exec_type is ExecType.TAKER)
    assert (taker.fee, taker.fee_rate) == (units("0.0005"), D("0.0005"))


def test_the_best_price_is_the_best_ask_for_buys_and_the_best_bid_for_sells(
    run: Run, req, core: ExchangeCore
) -> None:
    assert core.best_price(LIVE, "BTC-USDT", Side.BUY) is None
    fund(run, MAKER, "BTC", "1")
    fund(run, MAKER, "USDT", "1000")
    place(
        run, MAKER, req.limit("BTC-USDT", "sell", "101", "0.1"), req.limit("BTC-USDT", "sell", "102", "0.1")
    )
    place(run, MAKER, req.limit("BTC-USDT", "buy", "99", "0.1"), req.limit("BTC-USDT", "buy", "98", "0.1"))
    assert core.best_price(LIVE, "BTC-USDT", Side.BUY) == D(101)
    assert core.best_price(LIVE, "BTC-USDT", Side.SELL) == D(99)
    assert core.best_price(LIVE, "NOPE-USDT", Side.BUY) is None


# --- the inbox (commands the CLI leaves, decoded by the codec) -------------------------------------
LEGACY_DEPOSIT = {"amount": "5", "kind": "trading", "environment": "live", "account_id": MAKER, "user_id": 1}


def test_an_inbox_deposit_is_checked_again_and_answered_with_its_outcome(
    clock: ManualClock, core: ExchangeCore
) -> None:
    command = codec.decode("deposit", json.dumps({"ccy": "USDT", **LEGACY_DEPOSIT}))
    assert isinstance(command, Deposit) and command.amount == units("5")
    applied = core.apply(command, clock.now_ms())
    outcome = codec.outcome(7, applied.result, clock.now_ms())
    view = codec.decode_result(DepositView, outcome.result)
    assert (outcome.id, outcome.state) == (7, "done")
    assert (view.ccy, view.amount, view.available, view.account) == (
        "USDT",
        D(5),
        D(5),
        LedgerAccountKind.TRADING,
    )


def test_an_inbox_deposit_of_an_unknown_currency_or_a_bad_payload_is_refused(
    clock: ManualClock, core: ExchangeCore
) -> None:
    unknown = codec.decode("deposit", json.dumps({"ccy": "NOPE", **LEGACY_DEPOSIT}))
    assert isinstance(unknown, Deposit)
    assert core.apply(unknown, clock.now_ms()).result == Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
    assert codec.decode("deposit", json.dumps({"ccy": "USDT"})) == Rejected.of(
        Reason.PARAM_ERROR, field="payload"
    )
    assert codec.decode("mystery", json.dumps({"ccy": "USDT", **LEGACY_DEPOSIT})) == Rejected.of(
        Reason.PARAM_ERROR, field="kind"
    )


def test_an_inbox_fee_tier_takes_missing_rates_from_the_default(
    clock: ManualClock, core: ExchangeCore
) -> None:
    payload = {"environment": "demo", "account_id": MAKER, "maker": "0.0001"}
    command = codec.decode("fee_tier", json.dumps(payload))
    assert isinstance(command, SetFeeTier)
    assert command.tier == FeeTier(D("0.0001"), D("0.001"), "custom") and command.environment is DEMO
    outcome = codec.outcome(7, core.apply(command, clock.now_ms()).result, clock.now_ms())
    assert outcome.state == "done"
    assert codec.decode_result(FeeTier, outcome.result) == FeeTier(D("0.0001"), D("0.001"), "custom")


def test_a_group_commit_of_several_commands_writes_each_balance_once_and_every_posting_in_order(
    req, core: ExchangeCore, clock: ManualClock
) -> None:
    ts = clock.now_ms()
    batch = [
        core.apply(Deposit(LIVE, MAKER, USERS[MAKER], LedgerAccountKind.TRADING, "USDT", units("100")), ts),
        core.apply(PlaceBatch(LIVE, MAKER, (req.limit("BTC-USDT", "buy", "10", "3"),)), ts),
        core.apply(PlaceBatch(LIVE, MAKER, (req.limit("BTC-USDT", "buy", "20", "2"),)), ts),
    ]
    changes = core.changes(batch)
    usdt = [(p.reason, p.available_after, p.frozen_after) for p in changes.postings if p.account_id == MAKER]
    assert usdt == [
        (PostingReason.DEPOSIT, units("100"), 0),
        (PostingReason.FREEZE, units("70"), units("30")),
        (PostingReason.FREEZE, units("30"), units("70")),
    ]
    [balance] = changes.balances
    assert (balance.account_id, balance.available, balance.frozen) == (MAKER, units("30"), units("70"))
    assert len(changes.orders) == 2 and [p.bill_id for p in changes.postings] == sorted(
        p.bill_id for p in changes.postings
    )
