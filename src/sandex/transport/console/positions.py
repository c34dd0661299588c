"""The Positions page (live or demo): open swap positions with their mark-based numbers, leverage
and margin mode per instrument (set here), closed positions (a liquidation shown as one), and
funding fees; and the account-mode choice (Spot / Futures), which OKX takes on its web site only.

Every change goes through `SwapControls`, the same swap commands the OKX API and the control API
submit, so the console refuses what they refuse (59000 with open positions or orders…).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.ledger.amounts import from_amount
from sandex.services.console.swaps import HISTORY_ROWS, close_type_text, is_liquidation
from sandex.services.exchange.swap_records import PositionRecord
from sandex.transport.console.context import Console, ConsoleContext
from sandex.transport.console.forms import Form
from sandex.transport.console.headers import ConsoleRoute
from sandex.transport.console.markets import environment_of
from sandex.transport.console.messages import errors_of
from sandex.transport.console.numbers import plain
from sandex.transport.console.render import redirect, render
from sandex.transport.console.responses import not_found
from sandex.transport.console.session import Signed, Viewer

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
MARGIN_MODES = ("cross", "isolated")


@router.get("/positions")
def positions(request: Request, console: Console, viewer: Signed) -> Response:
    return _page(request, console, viewer, environment_of(request), errors={}, status=200)


@router.post("/positions/leverage")
async def set_leverage(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    if console.swaps is None or console.swap_reads is None:
        return not_found(request, viewer=viewer)
    env = _posted_environment(form.text("env"))
    inst_id, mgn_mode, lever = form.text("inst_id"), form.text("mgn_mode"), form.text("lever")
    refused = await console.swaps.set_leverage(
        viewer.id, env, inst_id, mgn_mode, lever, form.text("pos_side")
    )
    if refused is not None:
        return _page(request, console, viewer, env, errors=errors_of(refused), status=400)
    return redirect(request, f"/positions?env={env.value}", notice="leverage-set")


@router.get("/account/mode")
def mode_page(request: Request, console: Console, viewer: Signed) -> Response:
    if console.swaps is None:
        return not_found(request, viewer=viewer)
    return _mode(request, console, viewer, environment_of(request), errors={}, status=200)


@router.post("/account/mode")
async def set_mode(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    """Spot (acctLv 1) or Futures (acctLv 2) for the live or demo trading account."""
    if console.swaps is None:
        return not_found(request, viewer=viewer)
    env = _posted_environment(form.text("env"))
    chosen = await console.swaps.set_account_mode(viewer.id, env, form.text("mode"))
    if isinstance(chosen, Rejected):
        return _mode(request, console, viewer, env, errors=errors_of(chosen), status=400)
    return redirect(request, f"/account/mode?env={env.value}", notice="account-mode-set")


@router.post("/account/position-mode")
async def set_position_mode(request: Request, form: Form, console: Console, viewer: Signed) -> Response:
    if console.swaps is None:
        return not_found(request, viewer=viewer)
    env = _posted_environment(form.text("env"))
    chosen = await console.swaps.set_position_mode(viewer.id, env, form.text("mode"))
    if isinstance(chosen, Rejected):
        return _mode(request, console, viewer, env, errors=errors_of(chosen), status=400)
    return redirect(request, f"/account/mode?env={env.value}", notice="position-mode-set")


def _realized(record: PositionRecord) -> str:
    """Realised PnL (closing PnL, fees, funding, liquidation penalty) in the settlement currency."""
    return plain(from_amount(record.realized_pnl))


def _posted_environment(word: str) -> Environment:
    return Environment.DEMO if word == "demo" else Environment.LIVE


def _mode(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    env: Environment,
    *,
    errors: dict[str, str],
    status: int,
) -> Response:
    assert console.swaps is not None
    settings = console.swaps.settings(viewer.id, env)
    context = {"env": env.value, "settings": settings, "errors": errors}
    return render(request, "account_mode.html", status=status, viewer=viewer, **context)


def _page(
    request: Request,
    console: ConsoleContext,
    viewer: Viewer,
    env: Environment,
    *,
    errors: dict[str, str],
    status: int,
) -> Response:
    reads, swaps = console.swap_reads, console.swaps
    if reads is None or swaps is None:
        return not_found(request, viewer=viewer)
    return render(
        request,
        "positions.html",
        status=status,
        viewer=viewer,
        env=env.value,
        settings=swaps.settings(viewer.id, env),
        positions=reads.positions(viewer.id, env),
        closed=reads.closed_positions(viewer.id, env, HISTORY_ROWS),
        leverages=reads.leverages(viewer.id, env),
        funding=reads.funding_fees(viewer.id, env, HISTORY_ROWS),
        margin_modes=MARGIN_MODES,
        close_type=close_type_text,
        liquidated=is_liquidation,
        fmt=plain,
        realized=_realized,
        errors=errors,
    )
