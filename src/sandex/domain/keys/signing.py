"""OKX v5 request signatures, shared by the server's auth check and sandex's own Python client.

    sign = Base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath[?query] + body))

Everything is signed exactly as sent: the server passes the raw request target (path plus `?` plus
the query exactly as received, never decoded or re-sorted; best as the bytes from the ASGI scope's
`raw_path` and `query_string`) and the raw body bytes (empty when absent), so python-okx's
unencoded queries and spaced JSON verify as well as ccxt's. Text arguments are taken as UTF-8.
"""

from __future__ import annotations

import base64
import binascii
import hmac

WS_LOGIN_METHOD = "GET"
WS_LOGIN_PATH = "/users/self/verify"


def prehash(timestamp: str, method: str, request_path: bytes | str, body: bytes | str = b"") -> bytes:
    """The signed message. `method` is used as given (HTTP methods are upper case on the wire)."""
    return _text_bytes(timestamp + method) + _as_bytes(request_path) + _as_bytes(body)


def ws_login_prehash(timestamp: str) -> bytes:
    """WebSocket login signs `timestamp + "GET" + "/users/self/verify"` (timestamp in seconds)."""
    return prehash(timestamp, WS_LOGIN_METHOD, WS_LOGIN_PATH)


def sign(secret: bytes | str, message: bytes) -> str:
    """Base64 of the raw HMAC-SHA256 digest (not hex). `secret` is the secret key *text*."""
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.digest(key, message, "sha256")).decode("ascii")  # one-shot: fastest


def verify(secret: bytes | str, message: bytes, signature: str) -> bool:
    """Constant-time check of a received `OK-ACCESS-SIGN` value (what `sign` gives, kept as bytes:
    every request of every private route passes here)."""
    key = secret.encode() if isinstance(secret, str) else secret
    expected = binascii.b2a_base64(hmac.digest(key, message, "sha256"), newline=False)
    return hmac.compare_digest(expected, _text_bytes(signature))


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else _text_bytes(value)


def _text_bytes(text: str) -> bytes:
    # Header values can hold anything a client sends; surrogatepass makes every str encodable,
    # so a hostile value is simply a mismatch, never an exception.
    return text.encode("utf-8", "surrogatepass")
