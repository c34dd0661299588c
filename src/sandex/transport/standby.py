"""`/sandex/health`, and the gate of a standby process: until it holds the sequencer lease it
serves nothing else (no state of its own is loaded yet, and a write would have no writer).

The health answer is what a load balancer or supervisor reads: 200 while the process serves,
503 with why otherwise (`standby`, `starting`, `stepped-down`, `failed`), and which process
answered (its `--role` and pid).
"""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

HEALTH_PATH = "/sandex/health"
SERVING = "serving"
STANDBY_REFUSAL = {
    "code": "50001",
    "msg": "Service temporarily unavailable: this sandex process is a standby and serves once it "
    "holds the database's sequencer lease (GET /sandex/health says when).",
    "data": [],
}
TRY_AGAIN_LATER = 1013  # WebSocket close code: the service is not available yet


class Standing:
    """Where this process is: starting, standby, serving, stepped-down (lease lost) or failed."""

    def __init__(self, status: str = "starting") -> None:
        self.status = status

    @property
    def serving(self) -> bool:
        return self.status == SERVING


def health_endpoint(standing: Standing, role: str) -> object:
    """The answer names the process (role, pid): which of several on one port answered."""

    async def health(_request: Request) -> Response:
        answer = {"status": standing.status, "role": role, "pid": os.getpid()}
        return JSONResponse(answer, status_code=200 if standing.serving else 503)

    return health


class StandbyGate:
    """Passes everything once the process serves; before that only the lifespan and the health check."""

    def __init__(self, app: ASGIApp, standing: Standing) -> None:
        self.app = app
        self.standing = standing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.standing.serving or scope["type"] == "lifespan" or scope.get("path") == HEALTH_PATH:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": "standby"})
        else:
            await JSONResponse(STANDBY_REFUSAL, status_code=503)(scope, receive, send)
