"""Trading from the market page: place an order, cancel or amend an open one, and the trader's own
orders and fills as a fragment the page re-fetches (so a fill shows without a reload).

The environment travels in the query (`?env=demo`), as on every market page: orders go to the one
shown. After a placement the page says what became of the order (resting, filled, canceled because
a post-only order would have taken...); a refusal re-renders the page with the reason on its field.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from sandex.domain.errors import Rejected
from sandex.domain.instruments import Instrument
from sandex.domain.matching.order import CancelCause, OrdState
from sandex.domain.money import parse_decimal
from sandex.domain.trading.commands import AmendSpec, CancelSpec
from sandex.services.exchange.commands import OrderAck
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import OrderView, Trader
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.csrf import csrf_token
from sandex.transport.console.forms import Form
from sandex.transport.console.headers import ConsoleRoute, secure
from sandex.transport.console.markets import environment_of, market_response
from sandex.transport.console.numbers import plain
from sandex.transport.console.render import fragment, redirect
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Signed, Viewer, Watching
from sandex.transport.console.trade_forms import order_errors, order_spec, values_of
from sandex.transport.console.trade_panel import TradePanel, available, my_orders, trade_panel

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


def _ready(console: ConsoleContext, inst_id: str) -> tuple[TradingService, Instrument] | None:
    inst = None if console.catalogue is None else console.catalogue.instrument(inst_id)
    return None if console.trading is None or inst is None else (console.trading, inst)


def _back(request: Request, inst: Instrument, notice: str) -> Response:
    return redirect(request, f"/markets/{inst.inst_id}?env={environment_of(request).value}", notice=notice)


@router.post("/markets/{inst_id}/orders")
async def place(request: Request, form: Form, inst_id: str, console: Console, viewer: Signed) -> Response:
    ready = _ready(console, inst_id)
    if ready is None:
        return not_found(request, viewer=viewer)
    trading, inst = ready
    trader = Trader(viewer.id, environment_of(request))
    values = values_of(form)
    typed_px = parse_decimal(values["px"]) if values["ord_type"] != "market" else None
    priced_at = typed_px if typed_px is not None and typed_px > 0 else None  # for the balance share
    spec = order_spec(inst, values, available(trading, trader, inst, priced_at))
    if isinstance(spec, dict):
        errors = spec
    else:
        acks = await trading.place(trader, [spec])
        refused = _refusal(acks)
        if refused is None:
            assert not isinstance(acks, Rejected)
            placed = trading.get_order(trader, inst_id, ord_id=acks[0].ord_id)
            return _back(request, inst, _outcome(placed))
        errors = order_errors(inst, refused)

    def panel(trading: TradingService, trader: Trader, inst: Instrument) -> TradePanel:
        return trade_panel(trading, trader, inst, values=values, errors=errors)

    return await market_response(request, console, inst_id, viewer, panel=panel, status=400)


@router.post("/markets/{inst_id}/orders/{ord_id}/cancel")
async def cancel(
    request: Request, form: Form, inst_id: str, ord_id: str, console: Console, viewer: Signed
) -> Response:
    del form  # checked for its CSRF token; a cancel needs nothing else
    ready = _ready(console, inst_id)
    wanted = int(ord_id) if ord_id.isdigit() else None
    if ready is None or wanted is None:
        return not_found(request, viewer=viewer)
    trading, inst = ready
    trader = Trader(viewer.id, environment_of(request))
    refused = _refusal(await trading.cancel(trader, [CancelSpec(inst_id, ord_id=wanted)]))
    if refused is None:
        return _back(request, inst, "order-canceled")
    return await _mine_refused(request, console, inst, viewer, refused)


@router.post("/markets/{inst_id}/orders/{ord_id}/amend")
async def amend(
    request: Request, form: Form, inst_id: str, ord_id: str, console: Console, viewer: Signed
) -> Response:
    ready = _ready(console, inst_id)
    wanted = int(ord_id) if ord_id.isdigit() else None
    if ready is None or wanted is None:
        return not_found(request, viewer=viewer)
    trading, inst = ready
    trader = Trader(viewer.id, environment_of(request))
    new_px, new_sz = parse_decimal(form.text("new_px")), parse_decimal(form.text("new_sz"))
    if (form.text("new_px") and new_px is None) or (form.text("new_sz") and new_sz is None):
        typo = "Enter the new price and size as numbers, like 100 or 0.5."
        return await _mine_refused(request, console, inst, viewer, typo)
    item = AmendSpec(inst_id, ord_id=wanted, new_px=new_px, new_sz=new_sz)
    refused = _refusal(await trading.amend(trader, [item]))
    if refused is None:
        return _back(request, inst, "order-amended")
    return await _mine_refused(request, console, inst, viewer, refused)


async def _mine_refused(
    request: Request, console: ConsoleContext, inst: Instrument, viewer: Viewer, refused: Rejected | str
) -> Response:
    problem = refused if isinstance(refused, str) else next(iter(order_errors(inst, refused).values()))

    def panel(trading: TradingService, trader: Trader, inst: Instrument) -> TradePanel:
        return trade_panel(trading, trader, inst, problem=problem)

    return await market_response(request, console, inst.inst_id, viewer, panel=panel, status=400)


@router.get("/markets/{inst_id}/mine")
def mine(request: Request, inst_id: str, console: Console, viewer: Watching) -> Response:
    """The trader's own orders and fills in this market. Like the balance, it reads the session
    without counting as activity (an open page does not keep the session alive)."""
    ready = _ready(console, inst_id)
    if ready is None or viewer is None:
        return secure(HTMLResponse("", status_code=404), request)
    trading, inst = ready
    env = environment_of(request)
    return fragment(
        request,
        "market_mine.html",
        mine=my_orders(trading, Trader(viewer.id, env), inst_id),
        inst=inst,
        env=env.value,
        fmt=plain,
        csrf_token=csrf_token(request, console.csrf_key),
    )


@router.get("/markets/{inst_id}/available")
def balance(request: Request, inst_id: str, console: Console, viewer: Watching) -> Response:
    """The order form's available balance, re-fetched as fills and transfers change it."""
    ready = _ready(console, inst_id)
    if ready is None or viewer is None:
        return secure(HTMLResponse("", status_code=404), request)
    trading, inst = ready
    avail = available(trading, Trader(viewer.id, environment_of(request)), inst)
    return fragment(request, "market_available.html", avail=avail, inst=inst, fmt=plain)


def _refusal(acks: list[OrderAck] | Rejected) -> Rejected | None:
    if isinstance(acks, Rejected):
        return acks
    return acks[0].rejected


def _outcome(order: OrderView | Rejected) -> str:
    """Which fixed notice says what became of a just-placed order."""
    if isinstance(order, Rejected):
        return "order-placed"
    if order.state is OrdState.FILLED:
        return "order-filled"
    if order.state is OrdState.CANCELED:
        if order.cancel_cause is CancelCause.POST_ONLY_TAKES:
            return "order-post-only-canceled"
        return "order-rest-canceled" if order.acc_fill_sz > 0 else "order-unfilled-canceled"
    return "order-partly-filled" if order.state is OrdState.PARTIALLY_FILLED else "order-resting"
