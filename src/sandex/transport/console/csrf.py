"""CSRF tokens for every console form: a signed double-submit token bound to the session cookie.

Each browser gets a random `sandex_csrf` cookie (HttpOnly). A form carries
HMAC(key, cookie | session cookie), which another site can neither read nor compute: it sees
neither cookie and lacks the key. Binding the session cookie means a token from before sign-in (or
from someone else's session) is worthless after it. A POST without the right token is refused with
403 before anything runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from sandex.transport.console.cookies import SESSION_COOKIE, set_cookie

CSRF_COOKIE = "sandex_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SEED_BYTES = 32
_NEW_SEED = "csrf_new_seed"  # request.state attribute: a seed minted for this response


def _seed(request: Request) -> str:
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, _NEW_SEED, None)
    if seed is None:
        seed = secrets.token_urlsafe(_SEED_BYTES)
        setattr(request.state, _NEW_SEED, seed)
    return seed


def _sign(key: bytes, seed: str, session_token: str) -> str:
    mac = hmac.new(key, f"csrf|{seed}|{session_token}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def csrf_token(request: Request, key: bytes) -> str:
    """The token forms on this page must send back (mints the browser's seed on a first visit)."""
    return _sign(key, _seed(request), request.cookies.get(SESSION_COOKIE, ""))


def csrf_valid(request: Request, key: bytes, submitted: str) -> bool:
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not submitted:
        return False
    expected = _sign(key, seed, request.cookies.get(SESSION_COOKIE, ""))
    return hmac.compare_digest(expected.encode(), submitted.encode())


def attach_seed(request: Request, response: Response) -> None:
    """Hand a freshly minted seed to the browser along with the page that used it."""
    seed = getattr(request.state, _NEW_SEED, None)
    if seed is not None:
        set_cookie(response, request, CSRF_COOKIE, seed)
