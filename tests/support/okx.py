"""OKX on the wire: credentials, the OK-ACCESS-* signature of REST requests, the WebSocket login, and
order bodies as clients send them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.keys import signing
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.services.keys.views import CreatedKey

DEMO_HEADERS = {"x-simulated-trading": "1"}


@dataclass(frozen=True)
class Creds:
    """What a client is configured with (and, for WebSocket tests, whose uid the key is)."""

    api_key: str
    secret: str
    passphrase: str
    uid: str = ""

    @classmethod
    def of(cls, created: CreatedKey, uid: str = "") -> Creds:
        return cls(created.info.api_key, created.secret, created.passphrase, uid)


def headers_for(
    created: CreatedKey,
    method: str,
    target: str,
    body: str | bytes = b"",
    *,
    now_ms: int,
    timestamp: str | None = None,
    passphrase: str | None = None,
    secret: str | None = None,
    demo: bool | None = None,
) -> dict[str, str]:
    """OK-ACCESS-* headers signing exactly `method`, `target` (path + raw query) and `body`."""
    ts = timestamp if timestamp is not None else format_rest_timestamp(now_ms)
    sign = signing.sign(secret or created.secret, signing.prehash(ts, method, target, body))
    headers = {
        "OK-ACCESS-KEY": created.info.api_key,
        "OK-ACCESS-SIGN": sign,
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": passphrase if passphrase is not None else created.passphrase,
    }
    is_demo = created.info.environment is Environment.DEMO if demo is None else demo
    if is_demo:
        headers.update(DEMO_HEADERS)
    return headers


def login_args(creds: Creds, timestamp: str | int | None = None, **override: Any) -> dict[str, Any]:
    """The `args` entry of a WebSocket `login` op, signed now (or at `timestamp`)."""
    stamp = str(int(time.time())) if timestamp is None else timestamp
    arg = {
        "apiKey": creds.api_key,
        "passphrase": creds.passphrase,
        "timestamp": stamp,
        "sign": signing.sign(creds.secret, signing.ws_login_prehash(str(stamp))),
    }
    arg.update(override)
    return arg


def limit(side: str, px: str, sz: str, inst_id: str = "BTC-USDT", **extra: str) -> dict[str, str]:
    """A cash limit order as clients send it."""
    return {
        "instId": inst_id,
        "tdMode": "cash",
        "side": side,
        "ordType": "limit",
        "px": px,
        "sz": sz,
        **extra,
    }


# Every field python-okx `TradeAPI.place_algo_order(...)` sends, `""` when the caller left it unset.
PYTHON_OKX_ALGO_FIELDS = [
    "instId",
    "tdMode",
    "side",
    "ordType",
    "sz",
    "ccy",
    "posSide",
    "reduceOnly",
    "tpTriggerPx",
    "tpOrdPx",
    "slTriggerPx",
    "slOrdPx",
    "triggerPx",
    "orderPx",
    "tgtCcy",
    "pxVar",
    "szLimit",
    "pxLimit",
    "timeInterval",
    "pxSpread",
    "tpTriggerPxType",
    "slTriggerPxType",
    "callbackRatio",
    "callbackSpread",
    "activePx",
    "tag",
    "triggerPxType",
    "closeFraction",
    "quickMgnType",
    "algoClOrdId",
    "tpOrdKind",
    "cxlOnClosePos",
    "chaseType",
    "chaseVal",
    "maxChaseType",
    "maxChaseVal",
]


def python_okx_algo(**sent: Any) -> dict[str, Any]:
    """An `order-algo` body as python-okx sends it: every field, `""` when unset, `attachAlgoOrds` []."""
    body: dict[str, Any] = dict.fromkeys(PYTHON_OKX_ALGO_FIELDS, "")
    body["attachAlgoOrds"] = []
    body.update(sent)
    return body
