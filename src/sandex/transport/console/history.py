"""Orders and fills (live or demo): open orders, order history (7 days) and fills (3 days), newest first,
100 per page with an "Older" link (the OKX id cursors)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.services.trading.views import MAX_PAGE, Trader
from sandex.transport.console.context import Console
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.markets import environment_of
from sandex.transport.console.numbers import plain
from sandex.transport.console.render import render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Signed

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

TABS = (
    ("open", "Open orders", "/orders"),
    ("history", "Order history", "/orders/history"),
    ("fills", "Fills", "/fills"),
)


def _cursor(request: Request) -> str | None:
    after = request.query_params.get("after", "")
    return after if after.isdigit() else None


@router.get("/orders")
def open_orders(request: Request, console: Console, viewer: Signed) -> Response:
    return _orders(request, console, viewer, "open")


@router.get("/orders/history")
def order_history(request: Request, console: Console, viewer: Signed) -> Response:
    return _orders(request, console, viewer, "history")


def _orders(request: Request, console: Console, viewer: Signed, tab: str) -> Response:
    if console.trading is None:
        return not_found(request, viewer=viewer)
    env = environment_of(request)
    trader, after = Trader(viewer.id, env), _cursor(request)
    if tab == "open":
        rows = console.trading.pending_orders(trader, after=after, limit=MAX_PAGE)
    else:
        rows = console.trading.order_history(trader, after=after, limit=MAX_PAGE)
    older = rows[-1].ord_id if len(rows) == MAX_PAGE else None
    return render(
        request,
        "orders.html",
        viewer=viewer,
        env=env.value,
        tab=tab,
        tabs=TABS,
        orders=rows,
        fills=None,
        older=older,
        fmt=plain,
    )


@router.get("/fills")
def fills(request: Request, console: Console, viewer: Signed) -> Response:
    if console.trading is None:
        return not_found(request, viewer=viewer)
    env = environment_of(request)
    rows = console.trading.fills(Trader(viewer.id, env), after=_cursor(request), limit=MAX_PAGE)
    older = rows[-1].bill_id if len(rows) == MAX_PAGE else None
    return render(
        request,
        "orders.html",
        viewer=viewer,
        env=env.value,
        tab="fills",
        tabs=TABS,
        orders=None,
        fills=rows,
        older=older,
        fmt=plain,
    )
