"""The OKX answer shapes and the request signature, as OpenAPI components."""

from __future__ import annotations

from typing import Any

_TEXT = {"type": "string"}
ENVELOPE = "OkxEnvelope"
ORDER_RESULTS = "OkxOrderResults"
ERROR = "OkxError"

SCHEMAS: dict[str, Any] = {
    ENVELOPE: {
        "type": "object",
        "description": 'code "0" and msg "" on success; data is always a list',
        "required": ["code", "msg", "data"],
        "properties": {"code": _TEXT, "msg": _TEXT, "data": {"type": "array"}},
    },
    ORDER_RESULTS: {
        "type": "object",
        "description": "order writes: one result per item; code 0 all placed, 1 all failed, 2 some failed",
        "required": ["code", "msg", "data", "inTime", "outTime"],
        "properties": {
            "code": {"type": "string", "enum": ["0", "1", "2"]},
            "msg": _TEXT,
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["sCode", "sMsg"],
                    "properties": {
                        "ordId": _TEXT,
                        "clOrdId": _TEXT,
                        "ts": _TEXT,
                        "sCode": _TEXT,
                        "sMsg": _TEXT,
                    },
                },
            },
            "inTime": {**_TEXT, "description": "µs"},
            "outTime": {**_TEXT, "description": "µs"},
        },
    },
    ERROR: {
        "type": "object",
        "description": "a refusal: the envelope with data [], or {msg, code} for auth failures and 429",
        "required": ["code", "msg"],
        "properties": {"code": _TEXT, "msg": _TEXT, "data": {"type": "array", "maxItems": 0}},
    },
}

# The four OK-ACCESS-* headers; a request needs all of them (one security requirement).
_SIGNING = {
    "OkAccessKey": ("OK-ACCESS-KEY", "the API key"),
    "OkAccessSign": (
        "OK-ACCESS-SIGN",
        "Base64(HMAC-SHA256(secret, timestamp + METHOD + path?query + body)), over the bytes as sent",
    ),
    "OkAccessTimestamp": (
        "OK-ACCESS-TIMESTAMP",
        "ISO 8601 UTC with milliseconds, within 30 s of sandex time",
    ),
    "OkAccessPassphrase": ("OK-ACCESS-PASSPHRASE", "the key's passphrase"),
}
SECURITY_SCHEMES: dict[str, Any] = {
    scheme: {"type": "apiKey", "in": "header", "name": header, "description": text}
    for scheme, (header, text) in _SIGNING.items()
}
SIGNED: dict[str, list[str]] = {scheme: [] for scheme in _SIGNING}


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ok_response(*, order_results: bool) -> dict[str, Any]:
    if order_results:  # or a refusal of the whole request that OKX answers with 200 (51111, 50061)
        return _json({"anyOf": [_ref(ORDER_RESULTS), _ref(ERROR)]}, "one result per order, or a refusal")
    return _json(_ref(ENVELOPE), "the OKX envelope (also for some refusals)")


ERROR_RESPONSES: dict[str, Any] = {
    "4XX": _json(_ref(ERROR), "refused: 400 parameters, 401 authentication, 403, 429 rate limits"),
    "503": _json(_ref(ERROR), "service temporarily unavailable (50001)"),
}
