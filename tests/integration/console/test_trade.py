"""Trading from the market page: the order form (every order type, size in base or quote, a share of
the balance), refusals in words, cancel and amend, the trader's own orders and fills, per environment.

Demo is used for trades that must match only each other: the simulated market trades live.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import httpx
import pytest

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdState, OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.trading.views import OrderView, Trader
from tests.support.console import Console, Visitor

DEMO, LIVE = Environment.DEMO, Environment.LIVE
BTC = "/markets/BTC-USDT"


def _uid(app: Console, email: str = "alice@example.com") -> int:
    user = app.runtime.accounts.get_user_by_email(email)
    assert user is not None
    return user.id


def _open(app: Console, uid: int, env: Environment = DEMO) -> list[OrderView]:
    return app.runtime.trading.service.pending_orders(Trader(uid, env), inst_id="BTC-USDT")


def _history(app: Console, uid: int, env: Environment = DEMO) -> list[OrderView]:
    return app.runtime.trading.service.order_history(Trader(uid, env), inst_id="BTC-USDT")


async def _bob(app: Console, *, btc: str = "1", usdt: str = "0") -> int:
    registered = app.runtime.accounts.register("bob@example.com", "Correct-Horse-9")
    assert not isinstance(registered, Rejected), registered
    service = app.runtime.trading.service
    if Decimal(btc):
        await service.deposit(registered.id, DEMO, "BTC", Decimal(btc))
    if Decimal(usdt):
        await service.deposit(registered.id, DEMO, "USDT", Decimal(usdt))
    return registered.id


async def _bob_sells(app: Console, bob: int, sz: str, px: str) -> None:
    spec = OrderSpec("BTC-USDT", Side.SELL, OrdType.LIMIT, Decimal(sz), Decimal(px))
    acks = await app.runtime.trading.service.place(Trader(bob, DEMO), [spec])
    assert not isinstance(acks, Rejected) and acks[0].ok, acks


@pytest.fixture
async def funded(app: Console, alice: Visitor) -> Visitor:
    """Alice with 10,000 demo USDT, on the demo BTC-USDT page."""
    await app.runtime.trading.service.deposit(_uid(app), DEMO, "USDT", Decimal(10_000))
    await alice.get(f"{BTC}?env=demo")
    return alice


async def _order(visitor: Visitor, env: str = "demo", **fields: str) -> httpx.Response:
    values = {"side": "buy", "ord_type": "limit", "px": "", "sz": "", "unit": "base", "pct": "0"}
    values.update(fields)
    return await visitor.post(f"{BTC}/orders?env={env}", values)


async def _notice_after(visitor: Visitor, posted: httpx.Response) -> str:
    assert posted.status_code == 303, posted.text
    page = await visitor.get(posted.headers["location"])
    found = re.search(r'<div class="notice" role="status">([^<]+)<', page.text)
    assert found, page.text
    return html.unescape(found.group(1))


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">([^<]+)<', page)
    assert found, page
    return html.unescape(found.group(1))


async def test_a_limit_order_rests_and_shows_among_the_open_orders_with_the_balance(
    app: Console, funded: Visitor
) -> None:
    assert funded.page is not None and 'data-avail="USDT">10,000<' in funded.page.text
    placed = await _order(funded, px="40000", sz="0.02")
    assert await _notice_after(funded, placed) == "Your order is in the book."
    assert placed.headers["location"] == f"{BTC}?env=demo&notice=order-resting"
    [order] = _open(app, _uid(app))
    assert (order.side, order.ord_type, order.px, order.sz) == (
        Side.BUY,
        OrdType.LIMIT,
        Decimal(40_000),
        Decimal("0.02"),
    )
    page = funded.page.text
    assert f'data-open-order="{order.ord_id}"' in page
    assert 'data-avail="USDT">9,200<' in page  # 800 USDT frozen for the order


async def test_a_quote_sized_limit_order_buys_whole_lots_at_the_price(app: Console, funded: Visitor) -> None:
    placed = await _order(funded, px="40000", sz="1000", unit="quote")
    assert placed.status_code == 303, placed.text
    [order] = _open(app, _uid(app))
    assert order.sz == Decimal("0.025")


async def test_market_orders_fill_against_the_book_sized_in_quote_or_base(
    app: Console, funded: Visitor
) -> None:
    bob = await _bob(app, usdt="10000")
    await _bob_sells(app, bob, "0.01", "50000")
    bought = await _order(funded, ord_type="market", sz="250", unit="quote")
    assert await _notice_after(funded, bought) == "Your order filled."
    [buy] = _history(app, _uid(app))
    assert buy.acc_fill_sz == Decimal("0.005") and buy.state is OrdState.FILLED
    bid = OrderSpec("BTC-USDT", Side.BUY, OrdType.LIMIT, Decimal("0.01"), Decimal(49_000))
    assert (await app.runtime.trading.service.place(Trader(bob, DEMO), [bid]))[0].ok  # type: ignore[index]
    sold = await _order(funded, side="sell", ord_type="market", sz="0.002", unit="base")
    assert await _notice_after(funded, sold) == "Your order filled."
    sell = _history(app, _uid(app))[0]
    assert (sell.side, sell.acc_fill_sz, sell.avg_px) == (Side.SELL, Decimal("0.002"), Decimal(49_000))


async def test_ioc_fok_and_post_only_say_what_became_of_the_order(app: Console, funded: Visitor) -> None:
    bob = await _bob(app)
    await _bob_sells(app, bob, "0.01", "50000")
    ioc = await _order(funded, ord_type="ioc", px="50000", sz="0.02")
    assert (
        await _notice_after(funded, ioc)
        == "Your order partly filled; the rest was canceled, as its type asks."
    )
    await _bob_sells(app, bob, "0.01", "50000")
    fok = await _order(funded, ord_type="fok", px="50000", sz="0.02")
    assert (
        await _notice_after(funded, fok)
        == "Nothing could fill at once at your price, so the order was canceled."
    )
    post = await _order(funded, ord_type="post_only", px="50000", sz="0.001")
    assert (
        await _notice_after(funded, post)
        == "Your post-only order would have taken liquidity, so it was canceled."
    )
    assert _open(app, _uid(app)) == [] and len(_open(app, bob)) == 1  # bob's second 0.01 still rests
    maker = await _order(funded, ord_type="post_only", px="49000", sz="0.001")
    assert await _notice_after(funded, maker) == "Your order is in the book."


async def test_a_share_of_the_balance_sizes_the_order_when_no_size_is_typed(
    app: Console, funded: Visitor
) -> None:
    placed = await _order(funded, px="40000", pct="50")
    assert placed.status_code == 303, placed.text
    [order] = _open(app, _uid(app))
    assert order.sz == Decimal("0.125")  # 5,000 of 10,000 USDT at 40,000


async def test_refusals_name_the_field_in_words_and_place_nothing(app: Console, funded: Visitor) -> None:
    cases = [
        ({"px": "40000", "sz": "1"}, "sz", "Not enough USDT available for this order."),
        ({"px": "40000.05", "sz": "0.01"}, "px", "The price must be a multiple of the tick size, 0.1."),
        ({"px": "forty", "sz": "0.01"}, "px", "“forty” is not a number."),
        ({"px": "40000", "sz": ""}, "sz", "Enter a size, or pick a share of your balance with the slider."),
        ({"px": "40000", "sz": "-1"}, "sz", "Enter a number above 0."),
        ({"px": "", "sz": "0.01"}, "px", "Enter a number."),
    ]
    for fields, name, message in cases:
        refused = await _order(funded, **fields)
        assert refused.status_code == 400, fields
        assert message in _field_error(refused.text, name), fields
        assert f'name="px" type="text" value="{fields["px"]}"' in refused.text  # what was typed stays
    assert _open(app, _uid(app)) == [] and _history(app, _uid(app)) == []


async def test_an_open_order_can_be_amended_and_canceled(app: Console, funded: Visitor) -> None:
    await _order(funded, px="40000", sz="0.02")
    await _order(funded, px="39000", sz="0.01")
    first, second = sorted(_open(app, _uid(app)), key=lambda o: o.px or 0, reverse=True)
    await funded.get(f"{BTC}?env=demo")
    amended = await funded.post(
        f"{BTC}/orders/{first.ord_id}/amend?env=demo", {"new_px": "41000", "new_sz": "0.03"}
    )
    assert await _notice_after(funded, amended) == "The order was amended."
    canceled = await funded.post(f"{BTC}/orders/{second.ord_id}/cancel?env=demo")
    assert await _notice_after(funded, canceled) == "The order was canceled."
    [left] = _open(app, _uid(app))
    assert (left.ord_id, left.px, left.sz) == (first.ord_id, Decimal(41_000), Decimal("0.03"))
    again = await funded.post(f"{BTC}/orders/{second.ord_id}/cancel?env=demo")
    assert again.status_code == 400
    assert "This order is no longer open." in again.text
    off_tick = await funded.post(
        f"{BTC}/orders/{first.ord_id}/amend?env=demo", {"new_px": "41000.05", "new_sz": ""}
    )
    assert off_tick.status_code == 400 and "multiple of the tick size" in off_tick.text


async def test_the_own_orders_fragment_lists_open_history_and_fills(app: Console, funded: Visitor) -> None:
    bob = await _bob(app)
    await _order(funded, px="40000", sz="0.02")
    await _order(funded, px="50000", sz="0.01")
    await _bob_sells(app, bob, "0.01", "40000")  # takes the 50,000 bid first: Alice made it
    mine = await funded.http.get(f"{BTC}/mine?env=demo")
    assert mine.status_code == 200
    assert mine.text.count("data-open-order=") == 1 and mine.text.count("data-done-order=") == 1
    assert re.search(r'data-fill="\d+".*?side-buy">Buy<.*?50,000.*?0\.01.*?Maker', mine.text, re.S)
    assert 'name="csrf_token"' in mine.text  # Cancel and Amend work from the refreshed part
    balance = await funded.http.get(f"{BTC}/available?env=demo")
    # 10,000 less 500 spent and 800 frozen; 0.01 BTC bought less the maker fee
    assert 'data-avail="USDT">8,700<' in balance.text and 'data-avail="BTC">0.009992<' in balance.text
    async with app.visitor() as stranger:
        assert (await stranger.get(f"{BTC}/mine?env=demo")).status_code == 404
        assert (await stranger.get(f"{BTC}/available?env=demo")).status_code == 404


async def test_demo_and_live_orders_are_kept_apart(app: Console, funded: Visitor) -> None:
    uid = _uid(app)
    await app.runtime.trading.service.deposit(uid, LIVE, "USDT", Decimal(100))
    await _order(funded, px="40000", sz="0.01")
    live_page = await funded.get(BTC)
    assert "data-open-order=" not in live_page.text and 'data-avail="USDT">100<' in live_page.text
    placed = await _order(funded, env="live", px="1000", sz="0.01")
    assert placed.headers["location"].startswith(f"{BTC}?env=live&")
    assert [o.px for o in _open(app, uid, LIVE)] == [Decimal(1000)]
    assert [o.px for o in _open(app, uid, DEMO)] == [Decimal(40_000)]
    demo_mine = (await funded.http.get(f"{BTC}/mine?env=demo")).text
    assert demo_mine.count("data-open-order=") == 1 and "40,000" in demo_mine


async def test_visitors_see_no_form_and_cannot_post_orders(app: Console, funded: Visitor) -> None:
    async with app.visitor() as stranger:
        page = await stranger.get(f"{BTC}?env=demo")
        assert page.status_code == 200 and 'action="/markets/BTC-USDT/orders' not in page.text
        assert 'href="/login?next=/markets/BTC-USDT"' in page.text
    forged = await funded.post(
        f"{BTC}/orders?env=demo", {"side": "buy", "px": "40000", "sz": "0.01"}, csrf="x"
    )
    assert forged.status_code == 403
    assert _open(app, _uid(app)) == []
