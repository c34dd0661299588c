"""The Convert page: pick from and to currencies and an amount, see a firm quote with its expiry, confirm
it; an expired quote (sandbox clock moved) and a short balance are refused and move nothing."""

from __future__ import annotations

import html
import re
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.views import Trader
from tests.support.console import Console, Visitor

ASK = {"env": "demo", "from_ccy": "USDT", "to_ccy": "BTC", "amount": "40"}


def _balance(app: Console, ccy: str) -> Decimal:
    user = app.runtime.accounts.get_user_by_email("alice@example.com")
    assert user is not None
    view = app.runtime.trading.service.balances(
        Trader(user.id, Environment.DEMO), [ccy], kind=LedgerAccountKind.TRADING
    )
    return next((d.available for d in view.details), Decimal(0))


def _hidden(page: str) -> dict[str, str]:
    """The confirm form's fields, as the browser would send them."""
    form = page[page.index('action="/assets/convert/confirm"') :]
    fields = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', form)
    return {name: html.unescape(value) for name, value in fields if name != "csrf_token"}


def _fact(page: str, name: str) -> str:
    found = re.search(rf'id="quote-{name}"[^>]*>([^<]+)<', page)
    assert found, page
    return html.unescape(found.group(1))


async def _funded(alice: Visitor) -> None:
    await alice.get("/assets?env=demo")
    assert 'href="/assets/convert?env=demo"' in (alice.page.text if alice.page else "")
    await alice.post("/assets/faucet", {"ccy": "USDT", "amount": "100"})
    await alice.get("/assets/convert?env=demo")


async def test_a_quote_shown_then_confirmed_converts_exactly_what_it_said(
    app: Console, alice: Visitor
) -> None:
    await _funded(alice)
    shown = await alice.post("/assets/convert/quote", ASK)
    assert shown.status_code == 200, shown.text
    assert _fact(shown.text, "pay") == "40 USDT"
    got, ccy = _fact(shown.text, "get").split()
    assert ccy == "BTC" and Decimal(got) > 0 and "UTC" in _fact(shown.text, "expiry")
    done = await alice.post("/assets/convert/confirm", _hidden(shown.text))
    assert done.status_code == 303 and done.headers["location"] == "/assets?env=demo&notice=convert-done"
    assert (_balance(app, "USDT"), _balance(app, "BTC")) == (60, Decimal(got))


async def test_an_expired_quote_and_a_short_balance_move_nothing(app: Console, alice: Visitor) -> None:
    await _funded(alice)
    shown = await alice.post("/assets/convert/quote", ASK)
    app.runtime.clock.advance(10_000)
    late = await alice.post("/assets/convert/confirm", _hidden(shown.text))
    assert late.status_code == 400 and "The quote expired. Ask for a new one." in late.text
    await alice.get("/assets/convert?env=demo")
    big = await alice.post("/assets/convert/quote", {**ASK, "amount": "500"})
    short = await alice.post("/assets/convert/confirm", _hidden(big.text))
    assert short.status_code == 400 and "Your trading account does not hold that much." in short.text
    assert (_balance(app, "USDT"), _balance(app, "BTC")) == (100, 0)


async def test_a_bad_request_names_the_field(alice: Visitor) -> None:
    await _funded(alice)
    for fields, name, message in (
        ({**ASK, "to_ccy": "USDT"}, "to_ccy", "Choose a different currency to convert into."),
        ({**ASK, "amount": "ten"}, "amount", "Enter an amount, like 100 or 0.5."),
        ({**ASK, "amount": "0.0000001"}, "amount", "The amount is below the smallest convert of this pair."),
    ):
        refused = await alice.post("/assets/convert/quote", fields)
        assert refused.status_code == 400
        found = re.search(rf'id="{name}-error">([^<]+)<', refused.text)
        assert found and found.group(1) == message, fields
