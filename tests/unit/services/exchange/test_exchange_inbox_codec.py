"""The inbox codec: every command the writer applies crosses the inbox intact, rows written before
the codec still decode, and nothing a row holds makes decoding raise."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.matching.order import Side
from sandex.services.exchange import inbox as codec
from sandex.services.exchange.commands import (
    MARKET_COMMANDS,
    Command,
    Deposit,
    DepositView,
    DrainQuotes,
    FollowPrices,
    FreezeMarket,
    SetFeeTier,
    SetPrice,
    ShiftPrice,
    SimulateChainDeposit,
)
from sandex.services.exchange.records import LedgerAccountKind

RATES = st.decimals(min_value=0, max_value=Decimal("0.9999"), places=6)
SPECIAL: dict[Any, st.SearchStrategy[Any]] = {FeeTier: st.builds(FeeTier, RATES, RATES, st.text(max_size=16))}


def strategy(tp: Any) -> st.SearchStrategy[Any]:
    """Any value of `tp`, built from its type hints like the codec reads them (independently of it)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in SPECIAL:
        return SPECIAL[tp]
    if origin is typing.Union or origin is types.UnionType:
        return st.one_of(*(strategy(arg) for arg in args))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(strategy(args[0]), max_size=3).map(tuple)
    if origin is tuple:
        return st.tuples(*(strategy(arg) for arg in args))
    simple: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(),
        bool: st.booleans(),
        int: st.integers(),
        str: st.text(),
        Decimal: st.decimals(allow_nan=False),
    }
    if tp in simple:
        return simple[tp]
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from(tp)
    assert dataclasses.is_dataclass(tp), tp
    hints = typing.get_type_hints(tp)
    fields = {f.name: strategy(hints[f.name]) for f in dataclasses.fields(tp) if f.init}
    return st.builds(tp, **fields)


def test_every_member_of_the_command_union_has_a_kind() -> None:
    members = typing.get_args(Command)
    assert set(codec.KINDS.values()) == set(members)
    assert len(codec.KINDS) == len(members)  # no two commands share a kind
    assert set(MARKET_COMMANDS) | {Deposit, SetFeeTier, SimulateChainDeposit} <= set(members)


@pytest.mark.parametrize("cls", codec.COMMANDS, ids=lambda cls: cls.__name__)
def test_every_command_round_trips_through_the_codec(cls: type[Any]) -> None:
    @given(strategy(cls))
    def check(command: Command) -> None:
        kind, payload = codec.encode(command)
        assert kind == cls.__name__
        assert codec.decode(kind, payload) == command

    check()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
LEGACY_KINDS = ["deposit", "fee_tier", "chain_deposit", "market"]


@given(
    st.sampled_from([*codec.KINDS, *LEGACY_KINDS, "nope"]),
    st.one_of(st.text(max_size=40), JSON.map(json.dumps)),
)
def test_no_payload_makes_decoding_raise(kind: str, payload: str) -> None:
    decoded = codec.decode(kind, payload)
    assert isinstance(decoded, (Rejected, *codec.COMMANDS))


def test_unknown_kinds_and_broken_payloads_are_refused_naming_them() -> None:
    assert codec.decode("nope", "{}") == Rejected.of(Reason.PARAM_ERROR, field="kind")
    assert codec.decode("Deposit", "{") == Rejected.of(Reason.PARAM_ERROR, field="payload")
    assert codec.decode("Deposit", '{"environment": "live"}') == Rejected.of(
        Reason.PARAM_ERROR, field="payload"
    )
    kind, payload = codec.encode(SetPrice("BTC-USDT", Decimal("95000.5")))
    assert codec.decode(kind, payload.replace('"95000.5"', "95000.5")) == Rejected.of(
        Reason.PARAM_ERROR, field="payload"
    )  # amounts travel as exact text, never as JSON floats


def test_decimals_travel_exactly_as_plain_text() -> None:
    tiny, huge = Decimal("0.000000000000000001"), Decimal("123456789012345678901234567890.123456789")
    kind, payload = codec.encode(ShiftPrice("BTC-USDT", huge, 5))
    assert json.loads(payload) == {"inst_id": "BTC-USDT", "pct": str(huge), "over_ms": 5}
    assert codec.decode(kind, payload) == ShiftPrice("BTC-USDT", huge, 5)
    assert codec.decode(*codec.encode(SetPrice("X", tiny))) == SetPrice("X", tiny)


# --- rows written before the codec (a user's database may hold pending ones) -----------------------
def test_old_deposit_rows_decode_to_deposits_in_ledger_units() -> None:
    old = {
        "account_id": 7,
        "user_id": 3,
        "environment": "live",
        "kind": "trading",
        "ccy": "USDT",
        "amount": "250.5",
    }
    assert codec.decode("deposit", json.dumps(old)) == Deposit(
        Environment.LIVE, 7, 3, LedgerAccountKind.TRADING, "USDT", 2505 * 10**17
    )
    finer = json.dumps({**old, "amount": "1E-19"})
    assert codec.decode("deposit", finer) == Rejected.of(Reason.PARAM_ERROR, field="amt")
    assert codec.decode("deposit", '{"boom": 1}') == Rejected.of(Reason.PARAM_ERROR, field="payload")


def test_old_fee_tier_rows_decode_and_are_checked() -> None:
    old = {"environment": "demo", "account_id": 9, "level": "VIP1", "maker": "0.0002", "taker": None}
    decoded = codec.decode("fee_tier", json.dumps(old))
    assert decoded == SetFeeTier(Environment.DEMO, 9, FeeTier(Decimal("0.0002"), FeeTier().taker, "VIP1"))
    reset = {"environment": "live", "account_id": 9, "level": None, "maker": None, "taker": None}
    assert codec.decode("fee_tier", json.dumps(reset)) == SetFeeTier(Environment.LIVE, 9, None)
    bad = json.dumps({**old, "maker": "1"})
    assert codec.decode("fee_tier", bad) == Rejected.of(Reason.PARAM_ERROR, field="maker")


def test_old_chain_deposit_rows_decode() -> None:
    old = {
        "user_id": 4,
        "environment": "live",
        "ccy": "USDT",
        "chain": "USDT-TRC20",
        "amount": "12.5",
        "tx_id": "0xabc",
    }
    assert codec.decode("chain_deposit", json.dumps(old)) == SimulateChainDeposit(
        Environment.LIVE, 4, "USDT", "USDT-TRC20", Decimal("12.5"), "0xabc"
    )


def test_old_market_rows_decode_from_the_words_the_cli_sent() -> None:
    def market(**words: Any) -> object:
        return codec.decode("market", json.dumps(words))

    assert market(command="set", inst_id="BTC-USDT", value="95000") == SetPrice("BTC-USDT", Decimal(95000))
    assert market(command="drain", inst_id="BTC-USDT", side="bids") == DrainQuotes("BTC-USDT", Side.BUY)
    assert market(command="unfreeze") == FreezeMarket(False)
    assert market(command="import", inst_id="BTC-USDT", points=[[0, "1"], [60000, "2.5"]]) == FollowPrices(
        "BTC-USDT", ((0, Decimal(1)), (60000, Decimal("2.5")))
    )
    assert market(command="drain", inst_id="BTC-USDT", side="up") == Rejected.of(
        Reason.PARAM_ERROR, field="side"
    )
    assert market(op="freeze") == Rejected.of(Reason.PARAM_ERROR, field="command")
    assert codec.decode("market", "[1]") == Rejected.of(Reason.PARAM_ERROR, field="payload")


def test_legacy_kinds_are_drained_with_the_commands_they_decode_to() -> None:
    assert codec.kinds_of([Deposit]) == {"Deposit", "deposit"}
    assert codec.kinds_of([SetPrice]) == {"SetPrice", "market"}
    assert "market" not in codec.kinds_of([Deposit, SetFeeTier])


# --- outcomes --------------------------------------------------------------------------------------
def test_outcomes_say_done_or_rejected_and_read_back_as_the_result() -> None:
    view = DepositView(
        "10000001", 3, Environment.LIVE, "USDT", Decimal(250), LedgerAccountKind.TRADING, Decimal("250.5"), 99
    )
    done = codec.outcome(5, view, 100)
    assert (done.id, done.state, done.done_ms) == (5, "done", 100)
    assert json.loads(done.result)["amount"] == "250"
    assert codec.decode_result(DepositView, done.result) == view
    refused = codec.outcome(6, Rejected.of(Reason.PARAM_ERROR, field="amt"), 100)
    assert refused.state == "rejected"
    assert json.loads(refused.result) == {"reason": Reason.PARAM_ERROR.value, "params": {"field": "amt"}}
    with pytest.raises(ValueError):
        codec.decode_result(DepositView, refused.result)
