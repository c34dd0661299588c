"""What an OKX path sandex does not serve answers: OKX's codes, never a web framework's 404.

A client that calls an endpoint sandex lacks must learn why in a code its library maps, and one
that tells a bot whether to retry. So an unknown `/api/v5/` path is handled like a served one:

* a private path is authenticated first, exactly as a served route (headers 50103-50107, key 50111/
  50119, signature, passphrase, then the permission: read for GET, trade for anything else, 50120);
* then it is refused. Margin and derivatives requests a Spot-mode OKX account makes (leverage,
  position mode, positions history, closing a position, borrowing...) answer 51010 "Request
  unsupported under current account mode", as OKX answers such an account; a public derivatives
  read sandex does not serve yet naming an instrument answers 51001 (no futures or options are
  listed; swaps' marks, tiers and open interest are served by `rest/reference.py`); anything
  else answers 50062 "This feature is currently unavailable" naming the method and path. Both are
  HTTP 200 and ccxt maps them to AccountNotEnabled / ExchangeError: a bot stops instead of retrying
  (50005, HTTP 410, would be ExchangeNotAvailable, which freqtrade retries forever).
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import Permission
from sandex.transport.okx.auth import authenticate_request
from sandex.transport.okx.context import OkxContext
from sandex.transport.okx.envelope import OkxRejection, fail
from sandex.transport.okx.rate_checks import check_request

API_PREFIX = "/api/v5/"
# Unauthenticated families: OKX serves these without a key (a path segment starting "public" is one
# too: `copytrading/public-lead-traders`, `tradingBot/public/...`).
PUBLIC_FAMILIES = ("public/", "market/", "system/", "rubik/", "support/")
# Documented public endpoints outside those families (OKX's pages give them no permission).
PUBLIC_PATHS = frozenset(
    {
        "asset/exchange-list",
        "finance/savings/lending-rate-summary",
        "finance/savings/lending-rate-history",
        "finance/staking-defi/eth/apy-history",
        "finance/staking-defi/sol/apy-history",
        "sprd/spreads",
        "sprd/books",
        "sprd/ticker",
    }
)

# Private endpoints OKX refuses to a Spot-mode account (trading_account.md, order_book_trading.md)
# that sandex does not serve at all (the swap ones it serves answer 51010 themselves: `rest/swaps.py`).
ACCOUNT_MODE_PATHS = frozenset(
    {
        "account/adjust-leverage-info",
        "account/position-tiers",
        "account/max-loan",
        "account/interest-accrued",
        "account/interest-rate",
        "account/interest-limits",
        "account/borrow-repay",
        "account/borrow-repay-history",
        "account/spot-manual-borrow-repay",
        "account/spot-borrow-repay-history",
        "account/set-auto-repay",
        "account/set-isolated-mode",
        "account/set-greeks",
        "account/greeks",
        "account/account-position-risk",
        "account/risk-state",
        "account/mmp-config",
        "account/mmp-reset",
        "account/set-riskOffset-type",
        "account/activate-option",
        "account/set-auto-loan",
        "account/quick-margin-borrow-repay",
        "account/quick-margin-borrow-repay-history",
        "trade/mass-cancel",
    }
)
# Public derivatives reads not served (yet): naming an instrument answers 51001.
DERIVATIVES_READS = frozenset(
    {
        "public/funding-rate",
        "public/funding-rate-history",
        "public/estimated-price",
        "public/delivery-exercise-history",
        "public/opt-summary",
        "public/underlying",
        "public/insurance-fund",
        "public/liquidation-orders",
        "public/settlement-history",
    }
)


def is_okx_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def is_public(tail: str) -> bool:
    """`tail`: the path after `/api/v5/`."""
    if tail in PUBLIC_PATHS or tail.startswith(PUBLIC_FAMILIES):
        return True
    return any(part.startswith("public") for part in tail.split("/"))


def refusal(method: str, tail: str, inst_id: str | None) -> Rejected:
    """Why sandex refuses `method /api/v5/<tail>` (after authentication, for a private path)."""
    what = f"{method} {API_PREFIX}{tail}"
    if tail in ACCOUNT_MODE_PATHS:
        return Rejected.of(Reason.ACCOUNT_MODE_UNSUPPORTED, what=what)
    if tail in DERIVATIVES_READS and inst_id:
        return Rejected(Reason.INSTRUMENT_NOT_FOUND)
    return Rejected.of(Reason.ENDPOINT_UNSUPPORTED, what=what)


def permission_for(method: str) -> Permission:
    """OKX's rule: reads need the read permission, every write the trade permission."""
    return Permission.READ_ONLY if method in ("GET", "HEAD") else Permission.TRADE


async def answer_unserved(request: Request) -> Response:
    """The answer to a request for an `/api/v5/` path no route serves."""
    ctx: OkxContext = request.app.state.okx
    tail = request.url.path[len(API_PREFIX) :].rstrip("/")
    try:
        if is_public(tail):
            refused = await check_request(request, ctx, uid=None)
            if refused is not None:
                return fail(refused)
        else:
            await authenticate_request(request, permission_for(request.method))
    except OkxRejection as exc:
        return fail(exc.rejected)
    return fail(refusal(request.method, tail, request.query_params.get("instId")))
