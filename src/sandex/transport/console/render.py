"""Pages: Jinja2 templates (autoescaped), the navigation, and the response helpers every route uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandex import __version__
from sandex.transport.console.context import console_of
from sandex.transport.console.cookies import SESSION_COOKIE, clear_cookie, set_cookie
from sandex.transport.console.csrf import attach_seed, csrf_token
from sandex.transport.console.headers import secure
from sandex.transport.console.session import Viewer

BRAND = "sandex"


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    prefixes: tuple[str, ...] = ()  # the pages under this entry besides `href` itself

    def covers(self, path: str) -> bool:
        return path == self.href or path.startswith(self.prefixes)


# The main navigation lists only pages that exist; later features (assets, markets, orders) add
# their entry here when their pages land.
NAV: tuple[NavItem, ...] = (
    NavItem("Overview", "/account"),
    NavItem("Markets", "/markets", ("/markets/",)),
    NavItem("Assets", "/assets", ("/assets/",)),
    NavItem("Orders", "/orders", ("/orders/", "/fills")),
    NavItem("Positions", "/positions", ("/positions/",)),
    NavItem("API Management", "/account/api", ("/account/api/",)),
    NavItem("Sub-accounts", "/account/subaccounts", ("/account/subaccounts/",)),
    NavItem("Security", "/account/security", ("/account/2fa/", "/reauth")),
)

# Fixed texts shown after a redirect (`?notice=`): a query parameter can pick one, never write one.
NOTICES = {
    "sub-transfer-out-on": "The sub-account's API keys may now transfer money out.",
    "sub-transfer-out-off": "The sub-account's API keys may no longer transfer money out.",
    "withdrawal-canceled": "The withdrawal is canceled; the amount and fee are back in your funding account.",
    "welcome": "Welcome to sandex. Turn on two-factor authentication before you create API keys.",
    "signed-out": "You are signed out.",
    "leverage-set": "The leverage is set.",
    "account-mode-set": "The account mode is set.",
    "position-mode-set": "The position mode is set.",
    "code-sent": "We emailed you a verification code.",
    "reauthenticated": "Password confirmed.",
    "2fa-enabled": "Two-factor authentication is on.",
    "2fa-disabled": "Two-factor authentication is off.",
    "key-activated": "The API key is active.",
    "key-updated": "The API key was updated.",
    "key-revoked": "The API key was revoked: it stops working at once.",
    "key-deleted": "The API key was deleted.",
    "sub-created": "The sub-account was created.",
    "sub-frozen": "The sub-account is frozen: its keys stop working.",
    "sub-unfrozen": "The sub-account is active again.",
    "faucet-credited": "Demo funds credited to your demo trading account.",
    "transfer-done": "The transfer is done.",
    "convert-done": "Converted: the new balance is in your trading account.",
    "address-added": "The address is on your withdrawal allow-list.",
    "address-removed": "The address was removed from your withdrawal allow-list.",
    "order-placed": "Your order was placed.",
    "order-resting": "Your order is in the book.",
    "order-partly-filled": "Your order partly filled; the rest is in the book.",
    "order-filled": "Your order filled.",
    "order-rest-canceled": "Your order partly filled; the rest was canceled, as its type asks.",
    "order-unfilled-canceled": "Nothing could fill at once at your price, so the order was canceled.",
    "order-post-only-canceled": "Your post-only order would have taken liquidity, so it was canceled.",
    "order-canceled": "The order was canceled.",
    "order-amended": "The order was amended.",
}


def when(ms: int | None) -> str:
    if ms is None:
        return "—"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


_env = Environment(
    loader=PackageLoader("sandex.transport.console", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["when"] = when
_env.globals.update(brand=BRAND, version=__version__)


def _active_nav(path: str) -> str | None:
    return next((item.href for item in NAV if item.covers(path)), None)


def render(
    request: Request, template: str, *, viewer: Viewer | None = None, status: int = 200, **context: Any
) -> Response:
    """A full page: the template with the shared context (viewer, navigation, CSRF token, notice)."""
    console = console_of(request)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    page = _env.get_template(template).render(
        request_path=request.url.path,
        viewer=viewer,
        nav=NAV if viewer is not None else (),
        active_nav=_active_nav(request.url.path),
        csrf_token=csrf_token(request, console.csrf_key),
        dev_mail=console.dev_mail,
        notice=notice,
        **context,
    )
    response = HTMLResponse(page, status_code=status)
    attach_seed(request, response)
    return secure(response, request)


def fragment(request: Request, template: str, **context: Any) -> Response:
    """Part of a page (no layout, no session, no form) that the page script swaps in to refresh."""
    response = HTMLResponse(_env.get_template(template).render(**context))
    return secure(response, request)


def redirect(
    request: Request,
    target: str,
    *,
    notice: str | None = None,
    session_token: str | None = None,
    end_session: bool = False,
) -> Response:
    """303 See Other to a local path (after a POST the browser GETs the target)."""
    if notice is not None:
        target += ("&" if "?" in target else "?") + "notice=" + quote(notice)
    response = RedirectResponse(target, status_code=303)
    if session_token is not None:
        set_cookie(response, request, SESSION_COOKIE, session_token)
    if end_session:
        clear_cookie(response, request, SESSION_COOKIE)
    return secure(response, request)


# Pages on the way to signing in: sending a signed-in user "back" to one would start over, or loop.
SIGN_IN_PAGES = frozenset({"/login", "/login/2fa", "/signup"})


def safe_next(target: str, default: str = "/account") -> str:
    """Where to go after signing in: a local path only (never `//host` or a URL) and not a sign-in
    page, else `default`."""
    if (
        not target.startswith("/")
        or urlsplit(target).path.rstrip("/") in SIGN_IN_PAGES
        or target.startswith("//")
        or "\\" in target
        or any(ch.isspace() or not ch.isprintable() for ch in target)
    ):
        return default
    return target
