"""An async OKX v5 REST client for sandex (and OKX itself), signing with sandex's own signing code.

    async with AsyncOkxClient(base_url, creds) as okx:
        ack = await okx.place_order("BTC-USDT", "buy", "limit", "0.01", px="30000")
        order = await okx.wait_for_order("BTC-USDT", ack.ord_id, state="filled", timeout=5)

Requests are signed exactly as sent: the query string and the compact JSON body are built once,
signed (`sandex.domain.keys.signing`) and sent byte for byte. A non-zero `code` raises `OkxError`;
an answer that is not JSON raises `HttpError`. Timestamps are this machine's clock plus
`time_offset_ms`; after moving sandex's clock, `await sync_time()` signs with sandex time again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from sandex.client.errors import HttpError, OkxError
from sandex.client.models import AccountBalance, AccountConfig, Balance, Credentials, Order, OrderAck, dec
from sandex.domain.keys.signing import prehash, sign
from sandex.domain.keys.timestamps import format_rest_timestamp

Params = Mapping[str, str | int | Decimal | None]
FINAL_STATES = frozenset({"filled", "canceled", "mmp_canceled"})


class AsyncOkxClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        *,
        demo: bool | None = None,
        timeout: float = 10.0,
        time_offset_ms: int = 0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`demo` (default: the credentials' own) sends `x-simulated-trading: 1`."""
        self.credentials = credentials
        self.demo = credentials.demo if demo is None and credentials is not None else bool(demo)
        self.time_offset_ms = time_offset_ms
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    async def __aenter__(self) -> AsyncOkxClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- the wire ------------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        body: Any = None,
        *,
        signed: bool = True,
    ) -> list[Any]:
        """`data` of a successful answer; raises `OkxError` (code != "0") or `HttpError` (not JSON)."""
        envelope, status = await self._send(method, path, params, body, signed)
        code = str(envelope.get("code", ""))
        if code != "0":
            raise OkxError(code, str(envelope.get("msg", "")), _data(envelope), http_status=status)
        return _data(envelope)

    async def _send(
        self, method: str, path: str, params: Params | None, body: Any, signed: bool
    ) -> tuple[Mapping[str, Any], int]:
        query = urlencode({k: _wire(v) for k, v in (params or {}).items() if v is not None})
        target = f"{path}?{query}" if query else path
        content = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = self._headers(method.upper(), target, content, signed)
        response = await self._http.request(method.upper(), target, content=content or None, headers=headers)
        try:
            envelope = response.json()
        except ValueError:
            raise HttpError(response.status_code, response.text) from None
        if not isinstance(envelope, dict):
            raise HttpError(response.status_code, response.text)
        return envelope, response.status_code

    def _headers(self, method: str, target: str, content: bytes, signed: bool) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.demo:
            headers["x-simulated-trading"] = "1"
        if signed:
            creds = self.credentials
            if creds is None:
                raise ValueError("this request needs credentials")
            timestamp = format_rest_timestamp(self.now_ms())
            signature = sign(creds.secret_key, prehash(timestamp, method, target, content))
            headers.update(
                {
                    "OK-ACCESS-KEY": creds.api_key,
                    "OK-ACCESS-SIGN": signature,
                    "OK-ACCESS-TIMESTAMP": timestamp,
                    "OK-ACCESS-PASSPHRASE": creds.passphrase,
                }
            )
        return headers

    def now_ms(self) -> int:
        """The time this client signs with: the local clock plus `time_offset_ms`."""
        return time.time_ns() // 1_000_000 + self.time_offset_ms

    async def _item(self, path: str, body: Mapping[str, Any]) -> OrderAck:
        """A single-order command: a refused order raises `OkxError` with the item's sCode."""
        envelope, status = await self._send("POST", path, None, body, True)
        code, data = str(envelope.get("code", "")), _data(envelope)
        first = data[0] if data and isinstance(data[0], dict) else None
        if code != "0":
            if first is not None and str(first.get("sCode", "0")) != "0":
                raise OkxError(
                    str(first["sCode"]), str(first.get("sMsg", "")), data, http_status=status, top_code=code
                )
            raise OkxError(code, str(envelope.get("msg", "")), data, http_status=status)
        if first is None:
            raise HttpError(status, "an order answer without data")
        return OrderAck.of(first)

    # --- public --------------------------------------------------------------------------------
    async def server_time(self) -> int:
        data = await self.request("GET", "/api/v5/public/time", signed=False)
        return int(data[0]["ts"])

    async def sync_time(self) -> int:
        """Sign with the server's time from now on (e.g. after the control API moved sandex's clock)."""
        before = time.time_ns() // 1_000_000
        server = await self.server_time()
        after = time.time_ns() // 1_000_000
        self.time_offset_ms = server - (before + after) // 2
        return self.time_offset_ms

    # --- account ---------------------------------------------------------------------------------
    async def account_config(self) -> AccountConfig:
        data = await self.request("GET", "/api/v5/account/config")
        return AccountConfig.of(data[0])

    async def balance(self, ccy: str | Sequence[str] | None = None) -> AccountBalance:
        ccys = ccy if isinstance(ccy, str) or ccy is None else ",".join(ccy)
        data = await self.request("GET", "/api/v5/account/balance", {"ccy": ccys})
        first = data[0] if data else {}
        details = tuple(Balance.of(row) for row in first.get("details", ()))
        return AccountBalance(dec(first.get("totalEq")), details)

    # --- trading ---------------------------------------------------------------------------------
    async def place_order(
        self,
        inst_id: str,
        side: str,
        ord_type: str,
        sz: str | Decimal | int,
        *,
        px: str | Decimal | int | None = None,
        cl_ord_id: str | None = None,
        td_mode: str = "cash",
        **extra: Any,
    ) -> OrderAck:
        body: dict[str, Any] = {
            "instId": inst_id,
            "tdMode": td_mode,
            "side": side,
            "ordType": ord_type,
            "sz": _wire(sz),
        }
        if px is not None:
            body["px"] = _wire(px)
        if cl_ord_id is not None:
            body["clOrdId"] = cl_ord_id
        body.update(extra)
        return await self._item("/api/v5/trade/order", body)

    async def cancel_order(
        self, inst_id: str, ord_id: str | None = None, *, cl_ord_id: str | None = None
    ) -> OrderAck:
        return await self._item("/api/v5/trade/cancel-order", _order_ref(inst_id, ord_id, cl_ord_id))

    async def amend_order(
        self,
        inst_id: str,
        ord_id: str | None = None,
        *,
        cl_ord_id: str | None = None,
        new_sz: str | Decimal | None = None,
        new_px: str | Decimal | None = None,
    ) -> OrderAck:
        body = _order_ref(inst_id, ord_id, cl_ord_id)
        if new_sz is not None:
            body["newSz"] = _wire(new_sz)
        if new_px is not None:
            body["newPx"] = _wire(new_px)
        return await self._item("/api/v5/trade/amend-order", body)

    async def get_order(
        self, inst_id: str, ord_id: str | None = None, *, cl_ord_id: str | None = None
    ) -> Order:
        data = await self.request("GET", "/api/v5/trade/order", _order_ref(inst_id, ord_id, cl_ord_id))
        return Order.of(data[0])

    async def pending_orders(self, inst_id: str | None = None) -> list[Order]:
        data = await self.request("GET", "/api/v5/trade/orders-pending", {"instId": inst_id})
        return [Order.of(row) for row in data]

    async def wait_for_order(
        self,
        inst_id: str,
        ord_id: str,
        *,
        state: str | Collection[str] = FINAL_STATES,
        timeout: float = 5.0,
        interval: float = 0.05,
    ) -> Order:
        """Poll the order until its state is `state` (one or several); `TimeoutError` if it never is.

        A final state other than the one awaited ends the wait early with `TimeoutError` too: a
        canceled order never fills."""
        wanted = {state} if isinstance(state, str) else set(state)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            order = await self.get_order(inst_id, ord_id)
            if order.state in wanted:
                return order
            if order.state in FINAL_STATES or asyncio.get_running_loop().time() >= deadline:
                raise TimeoutError(f"order {ord_id} is {order.state}, not {'/'.join(sorted(wanted))}")
            await asyncio.sleep(interval)


def _order_ref(inst_id: str, ord_id: str | None, cl_ord_id: str | None) -> dict[str, Any]:
    if ord_id is None and cl_ord_id is None:
        raise ValueError("give ord_id or cl_ord_id")
    ref: dict[str, Any] = {"instId": inst_id}
    if ord_id is not None:
        ref["ordId"] = ord_id
    if cl_ord_id is not None:
        ref["clOrdId"] = cl_ord_id
    return ref


def _wire(value: str | int | Decimal | None) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else str(value)


def _data(envelope: Mapping[str, Any]) -> list[Any]:
    data = envelope.get("data")
    return list(data) if isinstance(data, list) else []
