"""Assets: trading and funding balances per currency (live or demo), and the demo faucet.

The faucet credits the *demo* trading account only (never live money) with at most
FAUCET_USD_CAP worth of a currency per request, so a demo bot can be funded without the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.instruments import Catalogue
from sandex.domain.money import parse_decimal
from sandex.services.exchange.prices import CatalogueUsdPrices
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import AccountBalanceView, Trader
from sandex.transport.console.context import Console
from sandex.transport.console.forms import Form
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.markets import environment_of
from sandex.transport.console.numbers import plain
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Signed, Viewer

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

FAUCET_USD_CAP = Decimal(100_000)  # per request, valued at the catalogue's reference price
FAUCET_DEFAULT_CCY = "USDT"
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class FaucetOption:
    ccy: str
    cap: str  # the most one request may ask for, in the currency


def faucet_options(catalogue: Catalogue) -> list[FaucetOption]:
    prices = CatalogueUsdPrices(catalogue)
    options = []
    for ccy in catalogue.currencies:
        cap = faucet_cap(prices, ccy)
        if cap is not None:
            options.append(FaucetOption(ccy, plain(cap)))
    return options


def faucet_cap(prices: CatalogueUsdPrices, ccy: str) -> Decimal | None:
    """FAUCET_USD_CAP in `ccy`, rounded down to 4 significant digits; None without a USD price."""
    price = prices.usd_price(ccy)
    if price is None or price <= 0:
        return None
    cap = FAUCET_USD_CAP / price
    exponent = cap.adjusted() - 3
    return cap.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_DOWN).normalize()


@router.get("/assets")
def assets(request: Request, console: Console, viewer: Signed) -> Response:
    if console.trading is None or console.catalogue is None:
        return not_found(request, viewer=viewer)
    env, funding = environment_of(request), console.funding is not None
    return _page(request, console.trading, console.catalogue, viewer, env, {}, funding_pages=funding)


@router.post("/assets/faucet")
async def faucet(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    trading, catalogue = console.trading, console.catalogue
    if trading is None or catalogue is None:
        return not_found(request, viewer=viewer)
    ccy, typed = form.text("ccy").upper(), form.text("amount")
    errors = check_faucet(catalogue, ccy, typed)
    if not errors:
        amount, to = parse_decimal(typed), LedgerAccountKind.TRADING
        assert amount is not None, "checked by check_faucet"
        done = await trading.deposit(viewer.id, Environment.DEMO, ccy, amount, to)
        if isinstance(done, Rejected):
            errors = {"amount": f"{ccy} cannot be credited in that amount (too many decimals?)."}
    if errors:
        values = {"ccy": ccy, "amount": typed}
        funding = console.funding is not None
        return _page(
            request,
            trading,
            catalogue,
            viewer,
            Environment.DEMO,
            errors,
            values,
            status=400,
            funding_pages=funding,
        )
    return redirect(request, "/assets?env=demo", notice="faucet-credited")


def usd_text(value: Decimal) -> str:
    return format(value.quantize(CENT), ",f")


def check_faucet(catalogue: Catalogue, ccy: str, typed: str) -> dict[str, str]:
    """The form's mistakes by field (empty when the request may go ahead)."""
    cap = faucet_cap(CatalogueUsdPrices(catalogue), ccy) if catalogue.currency(ccy) is not None else None
    if cap is None:
        return {"ccy": "Choose a currency from the list."}
    amount = parse_decimal(typed)
    if not typed:
        return {"amount": f"Enter an amount of {ccy}, for example {plain(cap / 10)}."}
    if amount is None:
        return {"amount": f"“{typed}” is not a number. Use digits and a decimal point, like 1000 or 0.5."}
    if amount <= 0:
        return {"amount": "The amount must be more than 0."}
    if amount > cap:
        return {"amount": f"At most {plain(cap)} {ccy} per request (about {plain(FAUCET_USD_CAP)} USD)."}
    return {}


def _page(
    request: Request,
    trading: TradingService,
    catalogue: Catalogue,
    viewer: Viewer,
    env: Environment,
    errors: dict[str, str],
    values: dict[str, str] | None = None,
    *,
    status: int = 200,
    funding_pages: bool = False,
) -> Response:
    trader = Trader(viewer.id, env)
    accounts: list[tuple[str, str, AccountBalanceView]] = [
        ("trading", "Trading account", trading.balances(trader)),
        ("funding", "Funding account", trading.balances(trader, kind=LedgerAccountKind.FUNDING)),
    ]
    return render(
        request,
        "assets.html",
        status=status,
        viewer=viewer,
        env=env.value,
        accounts=accounts,
        fmt=plain,
        usd=usd_text,
        options=faucet_options(catalogue),
        errors=errors,
        values=values or {"ccy": FAUCET_DEFAULT_CCY, "amount": ""},
        usd_cap=plain(FAUCET_USD_CAP),
        funding_pages=funding_pages,
    )
