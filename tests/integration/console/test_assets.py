"""Assets (balances per environment and the demo faucet) and the order and fill history pages."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.routing import APIRoute

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.views import Trader
from sandex.transport.console import assets, funding_pages, history, markets
from tests.support.console import Console, Visitor, balance_cell, revealed

DEMO, LIVE = Environment.DEMO, Environment.LIVE


def _uid(app: Console, email: str = "alice@example.com") -> int:
    user = app.runtime.accounts.get_user_by_email(email)
    assert user is not None
    return user.id


def _available(app: Console, uid: int, env: Environment, ccy: str) -> Decimal:
    view = app.runtime.trading.service.balances(Trader(uid, env), [ccy])
    return next((d.available for d in view.details), Decimal(0))


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">([^<]+)<', page)
    assert found, page
    return found.group(1)


async def test_the_faucet_credits_the_demo_trading_account_only(app: Console, alice: Visitor) -> None:
    await alice.get("/assets?env=demo")
    done = await alice.post("/assets/faucet", {"ccy": "USDT", "amount": "2500.5"})
    assert done.status_code == 303 and done.headers["location"] == "/assets?env=demo&notice=faucet-credited"
    uid = _uid(app)
    assert _available(app, uid, DEMO, "USDT") == Decimal("2500.5")
    assert _available(app, uid, LIVE, "USDT") == 0
    demo = (await alice.get(done.headers["location"])).text
    assert "Demo funds credited" in demo
    assert balance_cell(demo, "trading", "USDT") == "2,500.5"
    assert balance_cell(demo, "funding", "USDT") is None
    assert 'data-total="trading">≈ 2,500.50' in demo
    live = (await alice.get("/assets")).text
    assert balance_cell(live, "trading", "USDT") is None
    assert 'action="/assets/faucet"' not in live and 'href="/assets?env=demo"' in live


async def test_live_and_funding_balances_are_shown_per_currency(app: Console, alice: Visitor) -> None:
    service, uid = app.runtime.trading.service, _uid(app)
    await service.deposit(uid, LIVE, "BTC", Decimal("0.25"))
    await service.deposit(uid, LIVE, "ETH", Decimal("3"), LedgerAccountKind.FUNDING)
    page = (await alice.get("/assets?env=live")).text
    assert balance_cell(page, "trading", "BTC") == "0.25"
    assert balance_cell(page, "funding", "ETH") == "3"
    assert balance_cell(page, "trading", "ETH") is None


async def test_a_refused_faucet_request_names_the_field_and_credits_nothing(
    app: Console, alice: Visitor
) -> None:
    await alice.get("/assets?env=demo")
    cases = [
        ({"ccy": "BTC", "amount": "5"}, "amount", "At most 0.9373 BTC per request (about 100,000 USD)."),
        ({"ccy": "BTC", "amount": "abc"}, "amount", "“abc” is not a number."),
        ({"ccy": "BTC", "amount": "-1"}, "amount", "The amount must be more than 0."),
        ({"ccy": "BTC", "amount": ""}, "amount", "Enter an amount of BTC"),
        ({"ccy": "NOPE", "amount": "1"}, "ccy", "Choose a currency from the list."),
        ({"ccy": "BTC", "amount": "NaN"}, "amount", "is not a number"),
    ]
    for fields, name, message in cases:
        refused = await alice.post("/assets/faucet", fields)
        assert refused.status_code == 400, fields
        assert message in _field_error(refused.text, name), fields
        assert f'id="{name}"' in refused.text and 'aria-invalid="true"' in refused.text
    assert _available(app, _uid(app), DEMO, "BTC") == 0


async def test_the_faucet_needs_the_form_token_and_a_session(app: Console, alice: Visitor) -> None:
    await alice.get("/assets?env=demo")
    forged = await alice.post("/assets/faucet", {"ccy": "USDT", "amount": "10"}, csrf="forged")
    assert forged.status_code == 403
    missing = await alice.post("/assets/faucet", {"ccy": "USDT", "amount": "10"}, csrf=None)
    assert missing.status_code == 403
    assert _available(app, _uid(app), DEMO, "USDT") == 0
    async with app.visitor() as stranger:
        assert (await stranger.get("/assets")).headers["location"] == "/login?next=/assets"
        for path in ("/orders", "/orders/history", "/fills"):
            assert (await stranger.get(path)).status_code == 303


async def _trade(app: Console) -> tuple[int, int]:
    """Alice buys 0.01 BTC at 50,000 from Bob on demo, and leaves a second buy resting."""
    service = app.runtime.trading.service
    alice = _uid(app)
    registered = app.runtime.accounts.register("bob@example.com", "Correct-Horse-9")
    assert not isinstance(registered, Rejected), registered
    bob = registered.id
    await service.deposit(alice, DEMO, "USDT", Decimal(10_000))
    await service.deposit(bob, DEMO, "BTC", Decimal(1))
    buy = OrderSpec("BTC-USDT", Side.BUY, OrdType.LIMIT, Decimal("0.01"), Decimal(50_000), cl_ord_id="bot1")
    rest = OrderSpec("BTC-USDT", Side.BUY, OrdType.LIMIT, Decimal("0.02"), Decimal(40_000))
    sell = OrderSpec("BTC-USDT", Side.SELL, OrdType.LIMIT, Decimal("0.01"), Decimal(50_000))
    assert all(a.ok for a in await service.place(Trader(alice, DEMO), [buy, rest]))
    assert all(a.ok for a in await service.place(Trader(bob, DEMO), [sell]))
    return alice, bob


async def test_orders_and_fills_are_listed_per_environment(app: Console, alice: Visitor) -> None:
    await _trade(app)
    open_demo = (await alice.get("/orders?env=demo")).text
    assert open_demo.count("<tr data-ord-id=") == 1
    assert "40,000" in open_demo and "Live</span>" in open_demo and "bot1" not in open_demo
    history_demo = (await alice.get("/orders/history?env=demo")).text
    assert history_demo.count("<tr data-ord-id=") == 1
    assert "bot1" in history_demo and "Filled</span>" in history_demo and "50,000" in history_demo
    fills = (await alice.get("/fills?env=demo")).text
    assert fills.count("<tr data-bill-id=") == 1
    assert re.search(r'side-buy">Buy<.*?50,000.*?0\.01.*?(Maker|Taker)', fills, re.S)
    assert '<a href="/fills?env=demo" aria-current="page">Fills</a>' in fills
    for path in ("/orders", "/orders/history", "/fills"):  # live saw nothing
        page = (await alice.get(path)).text
        assert "data-ord-id=" not in page and "data-bill-id=" not in page
    assert '<a href="/orders" aria-current="page">Orders</a>' in (await alice.get("/fills")).text


async def test_the_pages_never_show_another_users_orders(app: Console, alice: Visitor) -> None:
    await _trade(app)
    async with app.visitor() as bob:
        await bob.log_in("bob@example.com")
        mine = (await bob.get("/orders/history?env=demo")).text
        assert "bot1" not in mine and mine.count("<tr data-ord-id=") == 1
        assert (await bob.get("/orders?env=demo")).text.count("<tr data-ord-id=") == 0


async def test_every_new_page_renders_for_a_signed_in_user(app: Console, alice: Visitor) -> None:
    pages = [
        route.path.replace("{inst_id}", "BTC-USDT")
        for router in (markets.router, assets.router, history.router, funding_pages.router)
        for route in router.routes
        if isinstance(route, APIRoute) and "GET" in route.methods
    ]
    assert len(pages) >= 10
    for path in pages:
        for env in ("live", "demo"):
            page = await alice.get(f"{path.replace('{step:path}', 'new')}?env={env}")
            if "{step:path}" in path:  # a form step's URL fetched with GET (back from /reauth)
                assert page.headers["location"] == "/assets/withdraw-addresses", path
                continue
            assert page.status_code == 200, path
            assert "Traceback" not in page.text


async def test_no_new_page_ever_shows_a_key_secret_or_passphrase(app: Console, alice: Visitor) -> None:
    """A demo key's secret and passphrase (shown once at creation) appear on none of these pages,
    even after the key traded: the pages show orders and balances, never credentials."""
    await alice.enable_2fa()
    created = await alice.create_key("demo bot")
    creds = revealed(created)
    assert creds.get("secret") and creds.get("passphrase")
    await _trade(app)
    alice.seen.clear()
    for router in (markets.router, assets.router, history.router, funding_pages.router):
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                for env in ("live", "demo"):
                    path = route.path.replace("{inst_id}", "BTC-USDT").replace("{step:path}", "new")
                    await alice.get(f"{path}?env={env}")
    assert len(alice.seen) >= 20
    for body in alice.seen:
        assert creds["secret"] not in body and creds["passphrase"] not in body
