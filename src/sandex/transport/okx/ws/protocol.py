"""OKX WebSocket frames: requests in, events and replies out (reference §6).

Every frame sandex sends is built here, so key order is OKX's everywhere: some clients match raw
substrings (`"event":"login","msg":"","code":"0"`), so events put `event, msg, code, connId` in
that order, as the live service does. Requests are JSON objects with an `op`; the bare text `ping`
is answered with the bare text `pong`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

import orjson

from sandex.domain.errors import Reason, Rejected
from sandex.transport.okx import exact_json
from sandex.transport.okx.errors import wire_error

PING = "ping"
PONG = "pong"
MAX_FRAME = 64 * 1024  # OKX: a request is at most 64 KB
ID_MAX = 32  # `id`: up to 32 letters and digits, echoed back


class Kind(StrEnum):
    """Which OKX WebSocket URL a connection came in on."""

    PUBLIC = "public"
    PRIVATE = "private"
    BUSINESS = "business"


class Close(IntEnum):
    """Close codes OKX uses (reference §6.7), with the reason text sent alongside."""

    LOGIN_FAILED = 4001
    NO_DATA = 4004
    BUFFER_FULL = 4005
    ABNORMAL = 4006
    KEY_CHANGED = 4007
    TOO_MANY_CHANNELS = 4008


CLOSE_REASONS: Mapping[Close, str] = {
    Close.LOGIN_FAILED: "Login failed.",
    Close.NO_DATA: "No data received in 30s.",
    Close.BUFFER_FULL: "Buffer is full, cannot write data.",
    Close.ABNORMAL: "Abnormal disconnection.",
    Close.KEY_CHANGED: "API key has been updated or deleted. Please reconnect.",
    Close.TOO_MANY_CHANNELS: "The number of subscribed channels exceeds the maximum limit.",
}

_MIGRATION_NOTE = (
    " More details can refer to: "
    "https://www.okx.com/help-center/changes-to-v5-api-websocket-subscription-parameter-and-url"
)


class WsCode(StrEnum):
    """WebSocket error codes (reference §6.7); the message templates are in `MESSAGES`."""

    KEY_EMPTY = "60001"
    SIGN_EMPTY = "60002"
    PASSPHRASE_EMPTY = "60003"  # noqa: S105 - an error code
    TIMESTAMP_INVALID = "60004"
    KEY_INVALID = "60005"
    TIMESTAMP_EXPIRED = "60006"
    SIGN_INVALID = "60007"
    WRONG_ENDPOINT = "60008"
    LOGIN_FAILED = "60009"
    LOGIN_REQUIRED = "60011"
    INVALID_REQUEST = "60012"
    INVALID_ARGS = "60013"
    TOO_FREQUENT = "60014"
    NOT_FOUND = "60018"
    INVALID_OP = "60019"
    PASSPHRASE_WRONG = "60024"  # noqa: S105 - an error code
    PARAM_EMPTY = "60027"
    OP_NOT_ON_URL = "60028"
    MULTIPLE_LOGIN = "60031"
    KEY_NOT_FOUND = "60032"
    ULY_GONE = "64000"
    MOVED_TO_BUSINESS = "64001"
    NOT_ON_BUSINESS = "64002"
    INTERNAL = "64007"


MESSAGES: Mapping[WsCode, str] = {
    WsCode.KEY_EMPTY: '"OK_ACCESS_KEY" can not be empty',
    WsCode.SIGN_EMPTY: '"OK_ACCESS_SIGN" can not be empty',
    WsCode.PASSPHRASE_EMPTY: '"OK_ACCESS_PASSPHRASE" can not be empty',
    WsCode.TIMESTAMP_INVALID: "Invalid timestamp",
    WsCode.KEY_INVALID: "Invalid apiKey",
    WsCode.TIMESTAMP_EXPIRED: "Timestamp request expired",
    WsCode.SIGN_INVALID: "Invalid sign",
    WsCode.WRONG_ENDPOINT: (
        "The current WebSocket endpoint does not support subscribing to {channel} channels. "
        "Please check the WebSocket URL"
    ),
    WsCode.LOGIN_FAILED: "Login failed.",
    WsCode.LOGIN_REQUIRED: "Please log in",
    WsCode.INVALID_REQUEST: "Invalid request: {request}",
    WsCode.INVALID_ARGS: "Invalid args",
    WsCode.TOO_FREQUENT: "Requests too frequent.",
    WsCode.NOT_FOUND: (
        "Wrong URL or channel:{what} doesn't exist. "
        "Please use the correct URL, channel and parameters referring to API document."
    ),
    WsCode.INVALID_OP: "Invalid op: {op}",
    WsCode.PASSPHRASE_WRONG: "Wrong passphrase",
    WsCode.PARAM_EMPTY: "Parameter {field} can not be empty.",
    WsCode.OP_NOT_ON_URL: "The current operation is not supported by this URL. Please use the correct URL.",
    WsCode.MULTIPLE_LOGIN: "The WebSocket endpoint does not support multiple account batch login.",
    WsCode.KEY_NOT_FOUND: "API key doesn't exist.",
    WsCode.ULY_GONE: (
        "Subscription parameter uly is unavailable anymore, please replace uly with instFamily."
        + _MIGRATION_NOTE
    ),
    WsCode.MOVED_TO_BUSINESS: (
        "This channel has been migrated to the '/business' URL. Please subscribe using the new URL."
        + _MIGRATION_NOTE
    ),
    WsCode.NOT_ON_BUSINESS: (
        'This channel is not supported by business URL. Please use "/private" URL(for private channels), '
        'or "/public" URL(for public channels).' + _MIGRATION_NOTE
    ),
    WsCode.INTERNAL: "Internal error, please try again later.",
}


@dataclass(frozen=True, slots=True)
class WsError:
    """A refusal on the WebSocket: an `error` event with this code and message."""

    code: WsCode
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, code: WsCode, **params: str) -> WsError:
        return cls(code, params)

    @property
    def message(self) -> str:
        text = MESSAGES[self.code].format_map(_Lenient(self.params))
        detail = self.params.get("detail")
        return f"{text} {detail}" if detail else text


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# Login refusals: the REST auth pipeline's reasons in WebSocket codes. A reason without a code of its
# own (frozen key, IP allow-list, environment, blocked owner) is 60009 with REST's explanation.
_LOGIN_CODES: Mapping[Reason, WsCode] = {
    Reason.KEY_HEADER_MISSING: WsCode.KEY_EMPTY,
    Reason.SIGN_HEADER_MISSING: WsCode.SIGN_EMPTY,
    Reason.PASSPHRASE_HEADER_MISSING: WsCode.PASSPHRASE_EMPTY,
    Reason.TIMESTAMP_HEADER_MISSING: WsCode.TIMESTAMP_INVALID,
    Reason.TIMESTAMP_INVALID: WsCode.TIMESTAMP_INVALID,
    Reason.TIMESTAMP_EXPIRED: WsCode.TIMESTAMP_EXPIRED,
    Reason.KEY_INVALID: WsCode.KEY_INVALID,
    Reason.KEY_NOT_FOUND: WsCode.KEY_NOT_FOUND,
    Reason.SIGNATURE_INVALID: WsCode.SIGN_INVALID,
    Reason.PASSPHRASE_INCORRECT: WsCode.PASSPHRASE_WRONG,
    Reason.RATE_LIMITED: WsCode.TOO_FREQUENT,  # the passphrase check's argon2 budget for the key is spent
}


def login_error(rejected: Rejected) -> WsError:
    code = _LOGIN_CODES.get(rejected.reason)
    if code is not None:
        return WsError(code)
    _, detail = wire_error(rejected)
    return WsError(WsCode.LOGIN_FAILED, {"detail": detail})


# --- requests ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WsRequest:
    op: str
    args: list[Any]
    id: str | None  # echoed back when given
    raw: str  # the frame as received (quoted back in 60012)
    body: Mapping[str, Any]  # the whole request object (e.g. `expTime` of trading ops)


def parse_request(text: str) -> WsRequest | WsError:
    """One text frame as a request; 60012 quoting the frame when it is not a well-formed one."""
    invalid = WsError.of(WsCode.INVALID_REQUEST, request=text[:2000])
    if len(text) > MAX_FRAME:
        return invalid
    try:
        body = exact_json.loads(text)
    except exact_json.JsonSyntaxError:
        return invalid
    if not isinstance(body, dict):
        return invalid
    op, args = body.get("op"), body.get("args")
    well_formed, request_id = _request_id(body.get("id"))
    if not isinstance(op, str) or not op or not well_formed:
        return invalid
    if args is None:
        args = []
    if not isinstance(args, list):
        return invalid
    return WsRequest(op, args, request_id, text, body)


def _request_id(value: Any) -> tuple[bool, str | None]:
    """(well formed, the request's `id` as text or None when absent)."""
    if value is None or value == "":
        return True, None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return False, None
    text = str(value)
    return len(text) <= ID_MAX and text.isascii() and text.isalnum(), text


# --- events and replies --------------------------------------------------------------------------
def dumps(payload: Mapping[str, Any]) -> str:
    return orjson.dumps(payload, default=exact_json.default).decode()


def error_event(error: WsError, conn_id: str, request_id: str | None = None) -> str:
    event: dict[str, Any] = {} if request_id is None else {"id": request_id}
    event.update({"event": "error", "msg": error.message, "code": error.code.value, "connId": conn_id})
    return dumps(event)


def login_ok(conn_id: str, request_id: str | None = None) -> str:
    reply: dict[str, Any] = {} if request_id is None else {"id": request_id}
    reply.update({"event": "login", "msg": "", "code": "0", "connId": conn_id})
    return dumps(reply)


def ack(event: str, arg: Mapping[str, Any], conn_id: str, request_id: str | None) -> str:
    """`subscribe`/`unsubscribe` acknowledgement: one per arg."""
    reply: dict[str, Any] = {} if request_id is None else {"id": request_id}
    reply.update({"event": event, "arg": dict(arg), "connId": conn_id})
    return dumps(reply)


def conn_count(channel: str, count: int, conn_id: str) -> str:
    """How many connections of this account are subscribed to a private channel (reference §6.3)."""
    return dumps(
        {"event": "channel-conn-count", "channel": channel, "connCount": str(count), "connId": conn_id}
    )


def conn_count_error(channel: str, count: int, conn_id: str) -> str:
    """Refusal of one more connection on a private channel past the per-account cap (reference §6.3)."""
    return dumps(
        {"event": "channel-conn-count-error", "channel": channel, "connCount": str(count), "connId": conn_id}
    )


def op_reply(request_id: str, op: str, envelope: Mapping[str, Any]) -> str:
    """A trading op's answer: `id, op` then the REST envelope (`code, msg, data, inTime, outTime`)."""
    return dumps({"id": request_id, "op": op, **envelope})


def op_error(request_id: str, op: str, code: str, msg: str, in_us: int, out_us: int) -> str:
    return dumps(
        {
            "id": request_id,
            "op": op,
            "code": code,
            "msg": msg,
            "data": [],
            "inTime": str(in_us),
            "outTime": str(out_us),
        }
    )


def push(arg: Mapping[str, Any], data: list[Any], **extra: Any) -> str:
    """A data push: `{"arg":…, ["action"|"eventType"…], "data":[…]}` with extras before `data`."""
    return dumps({"arg": arg, **extra, "data": data})
