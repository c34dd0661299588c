"""Unmodified python-okx (OKX's own SDK) on sandex's USDT-margined perpetual swap: position mode and
leverage (every optional field sent as ""), orders with posSide "" in net mode and "long"/"short" in
long/short mode, positions, close-position, margin adjustment, funding bills (type 8) and an algo
order on the swap.

Alice is the trader under test; bob (python-okx too) rests the limit orders she takes. Both are new
users in each test (`world.trader()`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import okx.Account as Account
import okx.Trade as Trade
import pytest

from tests.support.okx import Creds
from tests.support.polling import eventually
from tests.support.swaps_compat import SWAP, SwapTrader, SwapWorld, swap_world

# python-okx posts with httpx's deprecated `data=<str>`; the warning is about the SDK, not sandex.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

PX = "50000"
WAIT_S = 60.0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SwapWorld]:
    with swap_world(tmp_path_factory.mktemp("python-okx-swap-steps") / "data") as served:
        yield served


def _trade(world: SwapWorld, creds: Creds) -> Trade.TradeAPI:
    return Trade.TradeAPI(creds.api_key, creds.secret, creds.passphrase, False, "0", domain=world.base_url)


def _account(world: SwapWorld, creds: Creds) -> Account.AccountAPI:
    return Account.AccountAPI(
        creds.api_key, creds.secret, creds.passphrase, False, "0", domain=world.base_url
    )


@pytest.fixture
def alice(world: SwapWorld) -> SwapTrader:
    """The trader under test: new in each test (no position left over from another)."""
    return world.trader("alice")


@pytest.fixture
def trade(world: SwapWorld, alice: SwapTrader) -> Trade.TradeAPI:
    return _trade(world, alice.creds)


@pytest.fixture
def account(world: SwapWorld, alice: SwapTrader) -> Account.AccountAPI:
    return _account(world, alice.creds)


@pytest.fixture
def bob(world: SwapWorld) -> Trade.TradeAPI:
    """Her counterparty, new in each test too."""
    return _trade(world, world.trader("bob").creds)


@pytest.fixture(autouse=True)
def at_the_start_mark(world: SwapWorld) -> None:
    world.steer_mark(Decimal(PX))


def _ok(answer: dict[str, Any]) -> list[dict[str, Any]]:
    assert answer["code"] == "0", answer
    data: list[dict[str, Any]] = answer["data"]
    return data


def _rest(bob: Trade.TradeAPI, side: str, sz: str, px: str = PX) -> None:
    """Bob rests a limit order at `px` (net mode, cross) for alice to take."""
    placed = bob.place_order(SWAP, "cross", side, "limit", sz, px=px)
    assert _ok(placed)[0]["sCode"] == "0", placed


def _positions(account: Account.AccountAPI) -> list[dict[str, Any]]:
    return [p for p in _ok(account.get_positions("SWAP", SWAP)) if p["pos"] not in {"", "0"}]


def test_net_mode_place_order_with_an_empty_pos_side_then_close_position(
    account: Account.AccountAPI, trade: Trade.TradeAPI, bob: Trade.TradeAPI
) -> None:
    assert _ok(account.set_position_mode("net_mode"))[0]["posMode"] == "net_mode"
    lever = _ok(account.set_leverage("10", "isolated", instId=SWAP))  # ccy "" and posSide "" sent too
    assert (lever[0]["lever"], lever[0]["mgnMode"], lever[0]["instId"]) == ("10", "isolated", SWAP)
    assert _ok(account.get_leverage("isolated", instId=SWAP))[0]["lever"] == "10"

    _rest(bob, "sell", "3")
    placed = trade.place_order(SWAP, "isolated", "buy", "market", "3", posSide="")
    assert _ok(placed)[0]["sCode"] == "0", placed
    (position,) = _positions(account)
    assert (position["pos"], position["posSide"], position["mgnMode"], position["lever"]) == (
        "3",
        "net",
        "isolated",
        "10",
    )
    assert (Decimal(position["avgPx"]), position["instType"], position["ccy"]) == (
        Decimal(PX),
        "SWAP",
        "USDT",
    )
    assert Decimal(position["margin"]) == Decimal("150")  # 3 x 0.01 x 50000 / 10
    assert Decimal(position["liqPx"]) < Decimal(PX)

    _rest(bob, "buy", "3")
    closed = _ok(trade.close_positions(SWAP, "isolated"))  # posSide "" in net mode
    assert closed[0]["instId"] == SWAP, closed
    assert eventually(lambda: _positions(account), lambda held: held == [], WAIT_S) == []
    history = _ok(account.get_positions_history("SWAP", SWAP))
    assert history[0]["type"] == "2" and Decimal(history[0]["closeTotalPos"]) == 3  # closed fully


def test_long_short_mode_needs_pos_side_and_keeps_both_sides(
    account: Account.AccountAPI, trade: Trade.TradeAPI, bob: Trade.TradeAPI
) -> None:
    _ok(account.set_position_mode("long_short_mode"))
    for pos_side in ("long", "short"):
        _ok(account.set_leverage("5", "cross", instId=SWAP, posSide=pos_side))
    refused = trade.place_order(SWAP, "cross", "buy", "market", "1", posSide="")
    assert refused["code"] == "1" and refused["data"][0]["sCode"] == "51000", refused  # posSide error

    _rest(bob, "sell", "2")
    _ok(trade.place_order(SWAP, "cross", "buy", "market", "2", posSide="long"))
    _rest(bob, "buy", "1")
    _ok(trade.place_order(SWAP, "cross", "sell", "market", "1", posSide="short"))
    held = {p["posSide"]: p["pos"] for p in _positions(account)}
    assert held == {"long": "2", "short": "1"}

    for pos_side, other in (("long", "buy"), ("short", "sell")):
        _rest(bob, other, held[pos_side])
        _ok(trade.close_positions(SWAP, "cross", posSide=pos_side))
    assert eventually(lambda: _positions(account), lambda left: left == [], WAIT_S) == []


def test_adjustment_margin_adds_and_reduces_isolated_margin(
    account: Account.AccountAPI, trade: Trade.TradeAPI, bob: Trade.TradeAPI
) -> None:
    _ok(account.set_leverage("10", "isolated", instId=SWAP))
    _rest(bob, "sell", "2")
    _ok(trade.place_order(SWAP, "isolated", "buy", "market", "2", posSide=""))
    (before,) = _positions(account)
    added = _ok(account.adjustment_margin(SWAP, "net", "add", "50"))
    assert (added[0]["type"], Decimal(added[0]["amt"])) == ("add", Decimal("50"))
    (after,) = _positions(account)
    assert Decimal(after["margin"]) == Decimal(before["margin"]) + 50
    assert Decimal(after["liqPx"]) < Decimal(before["liqPx"])
    _ok(account.adjustment_margin(SWAP, "net", "reduce", "20"))
    assert Decimal(_positions(account)[0]["margin"]) == Decimal(before["margin"]) + 30
    bills = _ok(account.get_account_bills(instType="SWAP", type="6"))
    assert [b["subType"] for b in bills[:2]] == ["161", "160"]  # reduce, then add (newest first)


def test_funding_bills_type_8_after_a_settlement(
    world: SwapWorld, account: Account.AccountAPI, trade: Trade.TradeAPI, bob: Trade.TradeAPI
) -> None:
    world.control.set_funding_rate(SWAP, "-0.0002", frozen=True)  # shorts pay longs
    _ok(account.set_leverage("10", "cross", instId=SWAP))
    _rest(bob, "sell", "10")
    _ok(trade.place_order(SWAP, "cross", "buy", "market", "10", posSide=""))
    try:
        # settled now through the control API: python-okx signs with the wall clock, so the sandbox
        # clock cannot jump hours ahead under it (the ccxt test crosses a funding time that way)
        world.control.settle_funding(SWAP)
        bills = eventually(lambda: _ok(account.get_account_bills(instType="SWAP", type="8")), bool, WAIT_S)
        assert len(bills) == 1, bills
        assert (bills[0]["subType"], bills[0]["instId"], bills[0]["ccy"]) == (
            "174",
            SWAP,
            "USDT",
        )  # 174: funding fee income
        assert Decimal(bills[0]["balChg"]) == Decimal("1")  # 0.02 % of 5000 at the 50000 mark
        archived = _ok(account.get_account_bills_archive(instType="SWAP", type="8"))
        assert [b["billId"] for b in archived] == [bills[0]["billId"]]
    finally:
        world.control.set_funding_rate(SWAP, frozen=False)  # the world is shared: let the rate move again


def test_place_algo_order_on_the_swap_closes_the_position_on_the_mark(
    world: SwapWorld, account: Account.AccountAPI, trade: Trade.TradeAPI, bob: Trade.TradeAPI
) -> None:
    _ok(account.set_leverage("10", "isolated", instId=SWAP))
    _rest(bob, "sell", "1")
    _ok(trade.place_order(SWAP, "isolated", "buy", "market", "1", posSide=""))
    algo = _ok(
        trade.place_algo_order(
            instId=SWAP,
            tdMode="isolated",
            side="sell",
            ordType="conditional",
            sz="1",
            reduceOnly="true",
            slTriggerPx="49800",
            slOrdPx="-1",
            slTriggerPxType="mark",
        )
    )
    algo_id = algo[0]["algoId"]
    assert algo[0]["sCode"] == "0", algo
    pending = _ok(trade.order_algos_list(ordType="conditional", instType="SWAP"))
    assert [(a["algoId"], a["slTriggerPxType"], a["instType"]) for a in pending] == [
        (algo_id, "mark", "SWAP")
    ]
    _rest(bob, "buy", "1", "49500")
    world.steer_mark(Decimal("49700"))
    assert eventually(lambda: _positions(account), lambda held: held == [], WAIT_S) == []
    fired = _ok(trade.get_algo_order_details(algoId=algo_id))[0]
    assert fired["state"] == "effective" and fired["ordId"], fired
    sold = _ok(trade.get_order(SWAP, ordId=fired["ordId"]))[0]
    assert (sold["state"], sold["side"], sold["reduceOnly"], sold["avgPx"]) == (
        "filled",
        "sell",
        "true",
        "49500",
    )
