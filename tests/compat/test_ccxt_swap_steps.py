"""Unmodified ccxt (`ccxt.okx`) on sandex's USDT-margined perpetual swap, as a futures bot uses it:
markets, position mode and leverage, opening and closing longs and shorts in both position modes and
both margin modes, positions marked to a steered mark, funding across a funding time reached by
advancing the sandbox clock, margin added, reduce-only, a stop-loss on the position, a liquidation.

Alice is the trader under test (ccxt); bob rests the limit orders she takes (ccxt too). Both are new
users in each test (`world.trader()`), so a failed test leaves nothing behind for the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import ccxt
import pytest

from tests.support.polling import eventually
from tests.support.swaps_compat import SWAP, SYMBOL, SwapTrader, SwapWorld, okx, swap_world

PX = 50000.0
BAND_PX = 49500.0  # inside the price limit around a 50000 mark (±2 %)
WAIT_S = 60.0


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SwapWorld]:
    with swap_world(tmp_path_factory.mktemp("ccxt-swap-steps") / "data") as served:
        yield served


def _ccxt(world: SwapWorld, trader: SwapTrader) -> ccxt.okx:
    creds = trader.creds
    exchange = ccxt.okx(
        {
            "apiKey": creds.api_key,
            "secret": creds.secret,
            "password": creds.passphrase,
            # signs with the server's time: the funding test moves the sandbox clock hours ahead
            "options": {"adjustForTimeDifference": True},
        }
    )
    exchange.urls["api"]["rest"] = world.base_url
    exchange.load_time_difference()  # before load_markets: its first call (asset/currencies) is signed
    exchange.load_markets()
    return exchange


@pytest.fixture
def alice_trader(world: SwapWorld) -> SwapTrader:
    return world.trader("alice")


@pytest.fixture
def alice(world: SwapWorld, alice_trader: SwapTrader) -> ccxt.okx:
    """The trader under test: new in each test (no position left over from another)."""
    return _ccxt(world, alice_trader)


@pytest.fixture
def bob(world: SwapWorld) -> ccxt.okx:
    """Her counterparty, new in each test too."""
    return _ccxt(world, world.trader("bob"))


@pytest.fixture(autouse=True)
def at_the_start_mark(world: SwapWorld) -> None:
    """Every test starts with the mark at 50000."""
    world.steer_mark(Decimal("50000"))


def _positions(exchange: ccxt.okx) -> list[dict[str, Any]]:
    return [p for p in exchange.fetch_positions([SYMBOL]) if p["contracts"]]


def _take(
    alice: ccxt.okx, bob: ccxt.okx, side: str, contracts: float, params: dict[str, Any], px: float = PX
) -> dict[str, Any]:
    """Bob rests the other side at `px`; alice takes it with a market order: her fill is at `px`."""
    other = "sell" if side == "buy" else "buy"
    bob.create_order(SYMBOL, "limit", other, contracts, px, {"marginMode": "cross"})
    order = alice.create_order(SYMBOL, "market", side, contracts, None, params)
    filled = alice.fetch_order(order["id"], SYMBOL)
    assert (filled["status"], filled["filled"], filled["average"]) == ("closed", contracts, px), filled
    return filled


def test_load_markets_shows_the_linear_swap_with_okx_contract_size(alice: ccxt.okx) -> None:
    market = alice.market(SYMBOL)
    assert (market["id"], market["type"], market["swap"], market["linear"], market["contract"]) == (
        SWAP,
        "swap",
        True,
        True,
        True,
    )
    assert (market["base"], market["quote"], market["settle"], market["contractSize"]) == (
        "BTC",
        "USDT",
        "USDT",
        0.01,
    )
    assert (
        market["precision"]["amount"],
        market["precision"]["price"],
        market["limits"]["amount"]["min"],
    ) == (
        0.01,
        0.1,
        0.01,
    )
    assert market["limits"]["leverage"]["max"] == 100


@pytest.mark.parametrize("margin_mode", ["cross", "isolated"])
def test_net_mode_opens_and_closes_a_long_and_a_short(
    alice: ccxt.okx, bob: ccxt.okx, margin_mode: str
) -> None:
    alice.set_position_mode(False, SYMBOL)
    alice.set_leverage(10, SYMBOL, {"marginMode": margin_mode})
    for opening, closing, side in (("buy", "sell", "long"), ("sell", "buy", "short")):
        _take(alice, bob, opening, 2, {"marginMode": margin_mode})
        (position,) = _positions(alice)
        assert (position["side"], position["contracts"], position["entryPrice"], position["marginMode"]) == (
            side,
            2,
            PX,
            margin_mode,
        )
        assert (position["leverage"], position["contractSize"], position["hedged"]) == (10, 0.01, False)
        assert position["notional"] == pytest.approx(1000)  # 2 contracts x 0.01 BTC x 50000
        _take(alice, bob, closing, 2, {"marginMode": margin_mode, "reduceOnly": True})
        assert _positions(alice) == []


@pytest.mark.parametrize("margin_mode", ["cross", "isolated"])
def test_long_short_mode_holds_both_sides_at_once(alice: ccxt.okx, bob: ccxt.okx, margin_mode: str) -> None:
    alice.set_position_mode(True, SYMBOL)
    for pos_side in ("long", "short"):
        alice.set_leverage(5, SYMBOL, {"marginMode": margin_mode, "posSide": pos_side})
    _take(alice, bob, "buy", 1, {"marginMode": margin_mode, "hedged": True})  # posSide long
    _take(alice, bob, "sell", 3, {"marginMode": margin_mode, "hedged": True})  # posSide short
    held = {p["side"]: p for p in _positions(alice)}
    assert {side: (p["contracts"], p["leverage"], p["hedged"]) for side, p in held.items()} == {
        "long": (1, 5, True),
        "short": (3, 5, True),
    }
    # closing sides: a sell with reduceOnly closes the long, a buy the short (ccxt sends posSide)
    _take(alice, bob, "sell", 1, {"marginMode": margin_mode, "hedged": True, "reduceOnly": True})
    _take(alice, bob, "buy", 3, {"marginMode": margin_mode, "hedged": True, "reduceOnly": True})
    assert _positions(alice) == []


def test_positions_follow_the_steered_mark(world: SwapWorld, alice: ccxt.okx, bob: ccxt.okx) -> None:
    alice.set_position_mode(False, SYMBOL)
    alice.set_leverage(10, SYMBOL, {"marginMode": "isolated"})
    _take(alice, bob, "buy", 10, {"marginMode": "isolated"})  # 0.1 BTC long at 50000
    world.steer_mark(Decimal("51000"))
    up = _positions(alice)[0]
    assert (up["entryPrice"], up["markPrice"]) == (PX, 51000)
    assert up["unrealizedPnl"] == pytest.approx(100)  # (51000 - 50000) x 0.1
    liq_up = up["liquidationPrice"]
    assert liq_up is not None and 45000 < liq_up < PX  # 10x long: about 10 % under the entry
    world.steer_mark(Decimal("49000"))
    down = _positions(alice)[0]
    assert down["unrealizedPnl"] == pytest.approx(-100)
    assert down["liquidationPrice"] == pytest.approx(liq_up)  # isolated: the mark moves, liqPx stays
    assert down["initialMargin"] == pytest.approx(500)  # 5000 notional / 10x


def _add_margin(exchange: ccxt.okx, amount: float) -> dict[str, Any] | None:
    """`add_margin`, or None when ccxt's own parser broke on the answer: ccxt 4.5 reads `type['type']`
    from a str (a TypeError after the exchange answered code 0; a refusal raises ExchangeError first)."""
    try:
        added: dict[str, Any] = exchange.add_margin(SYMBOL, amount)
    except TypeError:
        return None
    return added


def test_add_margin_to_an_isolated_position_lowers_its_liquidation_price(
    alice: ccxt.okx, bob: ccxt.okx
) -> None:
    alice.set_position_mode(False, SYMBOL)
    alice.set_leverage(20, SYMBOL, {"marginMode": "isolated"})
    _take(alice, bob, "buy", 10, {"marginMode": "isolated"})
    before = _positions(alice)[0]
    added = _add_margin(alice, 100)
    assert added is None or (added["type"], added["amount"]) == ("add", 100), added
    after = _positions(alice)[0]
    assert after["collateral"] == pytest.approx(before["collateral"] + 100)
    assert after["liquidationPrice"] < before["liquidationPrice"]


def test_reduce_only_never_opens_or_grows_a_position(alice: ccxt.okx, bob: ccxt.okx) -> None:
    alice.set_position_mode(False, SYMBOL)
    with pytest.raises(ccxt.ExchangeError, match="51169"):  # no position to reduce
        alice.create_order(SYMBOL, "limit", "sell", 1, PX, {"marginMode": "cross", "reduceOnly": True})
    _take(alice, bob, "buy", 1, {"marginMode": "cross"})
    with pytest.raises(ccxt.ExchangeError, match="51170"):  # a buy cannot reduce a long
        alice.create_order(SYMBOL, "limit", "buy", 1, BAND_PX, {"marginMode": "cross", "reduceOnly": True})
    _take(alice, bob, "sell", 1, {"marginMode": "cross", "reduceOnly": True})
    assert _positions(alice) == []


def test_funding_is_paid_when_the_clock_passes_a_funding_time(
    world: SwapWorld, alice: ccxt.okx, bob: ccxt.okx
) -> None:
    world.control.set_funding_rate(SWAP, "0.0001", frozen=True)
    rate = alice.fetch_funding_rate(SYMBOL)
    assert (rate["symbol"], rate["fundingRate"]) == (SYMBOL, 0.0001)
    assert rate["fundingTimestamp"] > alice.milliseconds() - 1000  # the coming settlement

    alice.set_position_mode(False, SYMBOL)
    alice.set_leverage(10, SYMBOL, {"marginMode": "cross"})
    _take(alice, bob, "buy", 10, {"marginMode": "cross"})  # 0.1 BTC: 5000 USDT at a 50000 mark
    try:
        world.advance_clock(ms=world.ms_to_next_funding() + 1000)
        for who in (alice, bob):
            who.load_time_difference()  # what a ccxt user does when the exchange's clock jumps
        history = eventually(lambda: alice.fetch_funding_history(SYMBOL), bool, WAIT_S)
        assert len(history) == 1, history
        (paid,) = history
        assert (paid["symbol"], paid["code"]) == (SYMBOL, "USDT")
        assert paid["amount"] == pytest.approx(-0.5)  # a long pays 0.01 % of 5000
        assert paid["info"]["type"] == "8"
        assert alice.fetch_funding_rate(SYMBOL)["fundingTimestamp"] > rate["fundingTimestamp"]
    finally:
        world.control.set_funding_rate(SWAP, frozen=False)  # the world is shared: let the rate move again


def test_a_stop_loss_on_the_position_fires_on_the_mark(
    world: SwapWorld, alice: ccxt.okx, bob: ccxt.okx
) -> None:
    alice.set_position_mode(False, SYMBOL)
    alice.set_leverage(10, SYMBOL, {"marginMode": "isolated"})
    _take(alice, bob, "buy", 2, {"marginMode": "isolated"})
    stop = alice.create_order(
        SYMBOL,
        "market",
        "sell",
        2,
        None,
        {"marginMode": "isolated", "stopLossPrice": 49800, "reduceOnly": True, "slTriggerPxType": "mark"},
    )
    bob.create_order(SYMBOL, "limit", "buy", 2, BAND_PX, {"marginMode": "cross"})  # the stop sells to it
    world.steer_mark(Decimal("49700"))
    assert eventually(lambda: _positions(alice), lambda held: held == [], WAIT_S) == []
    fired = alice.fetch_order(stop["id"], SYMBOL, {"stop": True})
    assert fired["status"] == "closed", fired
    (sold,) = [t for t in alice.fetch_my_trades(SYMBOL) if t["side"] == "sell" and t["price"] == BAND_PX]
    assert sold["amount"] == 2


def test_a_whole_position_stop_closes_whatever_the_position_holds(
    world: SwapWorld, alice: ccxt.okx, bob: ccxt.okx
) -> None:
    """OKX's position TP/SL: `closeFraction: 1` (no size) closes the whole position when it fires, so
    it covers contracts added after it was placed."""
    alice.set_position_mode(False, SYMBOL)
    alice.set_leverage(10, SYMBOL, {"marginMode": "isolated"})
    _take(alice, bob, "buy", 1, {"marginMode": "isolated"})
    stop = alice.create_order(
        SYMBOL,
        "market",
        "sell",
        1,
        None,
        # OKX: in net mode closeFraction needs reduceOnly true (ccxt sends it only when asked)
        {
            "marginMode": "isolated",
            "stopLossPrice": 49800,
            "closeFraction": "1",
            "reduceOnly": True,
            "slTriggerPxType": "mark",
        },
    )
    _take(alice, bob, "buy", 2, {"marginMode": "isolated"})  # the position grows to 3
    bob.create_order(SYMBOL, "limit", "buy", 3, BAND_PX, {"marginMode": "cross"})
    world.steer_mark(Decimal("49700"))
    assert eventually(lambda: _positions(alice), lambda held: held == [], WAIT_S) == []
    fired = alice.fetch_order(stop["id"], SYMBOL, {"stop": True})
    assert (fired["status"], fired["info"]["closeFraction"]) == ("closed", "1"), fired
    sold = [t for t in alice.fetch_my_trades(SYMBOL) if t["side"] == "sell"]
    assert sum(t["amount"] for t in sold) == 3


def test_a_stop_loss_attached_to_the_entry_order_fires_on_the_mark(
    world: SwapWorld, alice: ccxt.okx, bob: ccxt.okx
) -> None:
    """ccxt's `stopLoss` param: OKX's attachAlgoOrds; the stop is live once the entry fills."""
    alice.set_position_mode(False, SYMBOL)
    alice.set_leverage(10, SYMBOL, {"marginMode": "cross"})
    stop_loss = {"triggerPrice": 49800, "type": "market", "slTriggerPxType": "mark"}
    _take(alice, bob, "buy", 2, {"marginMode": "cross", "stopLoss": stop_loss})
    (attached,) = alice.fetch_open_orders(SYMBOL, None, None, {"stop": True, "ordType": "conditional"})
    assert (attached["side"], attached["info"]["slTriggerPx"], attached["info"]["slTriggerPxType"]) == (
        "sell",
        "49800",
        "mark",
    )
    bob.create_order(SYMBOL, "limit", "buy", 2, BAND_PX, {"marginMode": "cross"})
    world.steer_mark(Decimal("49700"))
    assert eventually(lambda: _positions(alice), lambda held: held == [], WAIT_S) == []


def test_walking_the_mark_through_liq_px_liquidates_the_position(
    world: SwapWorld, alice_trader: SwapTrader, alice: ccxt.okx, bob: ccxt.okx
) -> None:
    alice.set_position_mode(False, SYMBOL)
    alice.set_leverage(50, SYMBOL, {"marginMode": "isolated"})
    _take(alice, bob, "buy", 10, {"marginMode": "isolated"})
    liq_px = _positions(alice)[0]["liquidationPrice"]
    assert 49000 < liq_px < PX  # 50x: about 2 % under the entry
    bob.create_order(SYMBOL, "limit", "buy", 10, 49100, {"marginMode": "cross"})  # the book takes it
    for step in (Decimal("49800"), Decimal(str(liq_px)).quantize(Decimal("0.1")) - Decimal("50")):
        world.steer_mark(step)  # walked down, through liqPx
    assert eventually(lambda: _positions(alice), lambda held: held == [], WAIT_S) == []
    with okx(world, alice_trader) as client:
        bills = client.request("GET", "/api/v5/account/bills", {"instType": "SWAP", "type": "5"})
        history = client.request("GET", "/api/v5/account/positions-history", {"instId": SWAP})
    assert bills and bills[0]["subType"] in {"104", "100", "101"}, bills  # liquidation (long)
    assert history[0]["type"] in {"3", "4"}, history[0]  # full / partial liquidation
