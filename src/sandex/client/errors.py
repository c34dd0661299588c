"""What the sandex client raises: an OKX refusal, a control-API refusal, or an answer that is no JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SandexClientError(Exception):
    """Base class of every error `sandex.client` raises on purpose."""


class OkxError(SandexClientError):
    """OKX answered with a non-zero `code`.

    For a single order (place, cancel, amend) `code` is the item's `sCode` (e.g. "51008") and
    `top_code` the envelope's ("1"); elsewhere both are the envelope's code. `http_status` is the
    HTTP status it came with (OKX sends some codes with 401, 429 or 503)."""

    def __init__(
        self,
        code: str,
        msg: str,
        data: Sequence[Any] = (),
        *,
        http_status: int = 200,
        top_code: str | None = None,
    ) -> None:
        super().__init__(f"OKX error {code}: {msg}" if msg else f"OKX error {code}")
        self.code = code
        self.msg = msg
        self.data = list(data)
        self.http_status = http_status
        self.top_code = top_code if top_code is not None else code


class ControlError(SandexClientError):
    """The control API refused: `reason` (e.g. "user_not_found"), the OKX `code` of the same refusal
    when there is one, and the request `field` at fault when known."""

    def __init__(
        self, status: int, reason: str, message: str, code: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.code = code
        self.field = field


class HttpError(SandexClientError):
    """An answer that is not the JSON expected (e.g. a 502 page from a proxy or an injected fault)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:200]}")
        self.status = status
        self.body = body
