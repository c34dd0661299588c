"""Convert ("Flash Exchange") for people: pick what to convert from and into and how much, see a firm
quote with its price and expiry, confirm it. The same service as `asset/convert/*`: the quote lives
10 s on the sandbox clock and only the trading account's balance converts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import Side
from sandex.domain.money import format_decimal, parse_decimal
from sandex.services.convert.service import ConvertService
from sandex.services.convert.views import Converter, QuoteRequest, QuoteView, TradeRequest
from sandex.transport.console.context import Console
from sandex.transport.console.forms import Form, FormData
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.markets import environment_of
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Signed, Viewer

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

PATH = "/assets/convert"
_MESSAGES: dict[Reason, tuple[str, str]] = {
    Reason.CONVERT_BASE_INVALID: ("from_ccy", "This currency does not convert."),
    Reason.CONVERT_QUOTE_INVALID: ("to_ccy", "These two currencies do not convert into each other."),
    Reason.CONVERT_BELOW_MIN: ("amount", "The amount is below the smallest convert of this pair."),
    Reason.CONVERT_ABOVE_MAX: ("amount", "The amount is above the largest convert of this pair."),
    Reason.CONVERT_NO_PRICE: ("to_ccy", "No price for this pair right now (its market is halted)."),
    Reason.CONVERT_INSUFFICIENT: ("amount", "Your trading account does not hold that much."),
    Reason.CONVERT_QUOTE_EXPIRED: ("", "The quote expired. Ask for a new one."),
    Reason.CONVERT_QUOTE_TRADED: ("", "This quote was already used. Ask for a new one."),
    Reason.CONVERT_NO_QUOTE: ("", "This quote is gone. Ask for a new one."),
}


def _ask(form: FormData | None) -> dict[str, str]:
    if form is None:
        return {"from_ccy": "USDT", "to_ccy": "BTC", "amount": ""}
    values = {name: form.text(name).upper() for name in ("from_ccy", "to_ccy")}
    return {**values, "amount": form.text("amount")}


def _check(values: dict[str, str]) -> tuple[Decimal | None, dict[str, str]]:
    if values["from_ccy"] == values["to_ccy"]:
        return None, {"to_ccy": "Choose a different currency to convert into."}
    typed = values["amount"]
    amount = parse_decimal(typed) if typed else None
    if amount is None:
        return None, {"amount": "Enter an amount, like 100 or 0.5."}
    if amount <= 0:
        return None, {"amount": "The amount must be more than 0."}
    return amount, {}


def _errors(refused: Rejected) -> dict[str, str]:
    field, message = _MESSAGES.get(refused.reason, ("", "The convert could not be done. Try again."))
    return {field: message}


def _who(viewer: Viewer, env: Environment) -> Converter:
    return Converter(viewer.id, env)


@router.get(PATH)
def page(request: Request, console: Console, viewer: Signed) -> Response:
    if console.convert is None:
        return not_found(request, viewer=viewer)
    return _page(request, console.convert, viewer, environment_of(request), _ask(None), {})


@router.post(PATH + "/quote")
async def quote(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    """A firm quote to show: the from currency is sold (`side: sell` of it, as ccxt asks)."""
    if console.convert is None:
        return not_found(request, viewer=viewer)
    env = Environment.DEMO if form.text("env") == "demo" else Environment.LIVE
    values = _ask(form)
    amount, errors = _check(values)
    if amount is not None:
        ask = QuoteRequest(values["from_ccy"], values["to_ccy"], Side.SELL, amount, values["from_ccy"])
        found = await console.convert.estimate_quote(_who(viewer, env), ask)
        if isinstance(found, QuoteView):
            return _page(request, console.convert, viewer, env, values, {}, quote=found)
        errors = _errors(found)
    return _page(request, console.convert, viewer, env, values, errors, status=400)


@router.post(PATH + "/confirm")
async def confirm(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    if console.convert is None:
        return not_found(request, viewer=viewer)
    env = Environment.DEMO if form.text("env") == "demo" else Environment.LIVE
    values = _ask(form)
    amount, errors = _check(values)
    if amount is not None:
        ask = TradeRequest(
            form.text("quote_id"), values["from_ccy"], values["to_ccy"], Side.SELL, amount, values["from_ccy"]
        )
        done = await console.convert.trade(_who(viewer, env), ask)
        if not isinstance(done, Rejected):
            return redirect(request, f"/assets?env={env.value}", notice="convert-done")
        errors = _errors(done)
    return _page(request, console.convert, viewer, env, values, errors, status=400)


def _page(
    request: Request,
    convert: ConvertService,
    viewer: Viewer,
    env: Environment,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    quote: QuoteView | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "convert.html",
        status=status,
        viewer=viewer,
        env=env.value,
        ccys=convert.currencies(),
        values=values,
        errors=errors,
        quote=quote,
        expires=None if quote is None else _seconds(quote.expires_ms),
        fmt=format_decimal,
    )


def _seconds(ms: int) -> str:
    """A quote's expiry to the second (it lives seconds), on the sandbox clock."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
