"""OKX v5 WebSocket API: `/ws/v5/{public,private,business}` (and `/demo/ws/v5/...` for demo trading)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from starlette.websockets import WebSocket

from sandex.transport.okx.ws.context import EventSource, WsContext
from sandex.transport.okx.ws.gateway import WsGateway
from sandex.transport.okx.ws.protocol import Kind

__all__ = ["EventSource", "WsContext", "WsGateway", "install_ws"]

PREFIXES = {"/ws/v5": False, "/demo/ws/v5": True}  # path prefix -> demo trading


def install_ws(app: FastAPI, context: WsContext) -> WsGateway:
    """Serve the three OKX WebSocket URLs; the caller starts and stops the returned gateway."""
    gateway = WsGateway(context)
    app.state.ws = gateway
    for prefix, demo in PREFIXES.items():
        for kind in Kind:
            app.add_api_websocket_route(f"{prefix}/{kind.value}", _endpoint(gateway, kind, demo))
    return gateway


def _endpoint(gateway: WsGateway, kind: Kind, demo: bool) -> Callable[[WebSocket], Awaitable[None]]:
    async def endpoint(websocket: WebSocket) -> None:
        await gateway.serve(websocket, kind, demo)

    endpoint.__name__ = f"ws_{'demo_' if demo else ''}{kind.value}"
    return endpoint
