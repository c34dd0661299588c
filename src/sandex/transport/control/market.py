"""`/sandex/v1/market`: script the simulated market (prices, freeze, halts, liquidity).

The same controls as `sandex market …` (`sandex.services.exchange.market_words`), applied by the
exchange's writer and answered at once:

    POST /sandex/v1/market {"command": "set", "inst_id": "BTC-USDT", "value": "95000"}
    POST /sandex/v1/market {"command": "shift", "inst_id": "BTC-USDT", "value": "-5", "over_ms": 60000}
    POST /sandex/v1/market {"command": "freeze"}          GET /sandex/v1/market (every instrument)
    POST /sandex/v1/market {"command": "set-mark", "inst_id": "BTC-USDT-SWAP", "value": "90000"}
    POST /sandex/v1/market {"command": "shift-mark", "inst_id": "BTC-USDT-SWAP", "value": "-5"}
    POST /sandex/v1/market {"command": "unfreeze-mark", "inst_id": "BTC-USDT-SWAP"}

Prices and halts hold with the market maker on or off; quotes and trades need it on.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from sandex.domain.clock import DAY_MS
from sandex.services.simulation.board import InstrumentMarket
from sandex.services.simulation.views import markets_json
from sandex.transport.control.accounts import require
from sandex.transport.control.context import ControlCtx
from sandex.transport.control.errors import ControlJSON
from sandex.transport.control.schemas import MAX_STEP_DAYS, StrictBody

router = APIRouter(prefix="/market", tags=["market"])

Command = Literal[
    "set",
    "shift",
    "widen",
    "drain",
    "halt",
    "resume",
    "freeze",
    "unfreeze",
    "show",
    "import",
    "set-mark",
    "shift-mark",
    "freeze-mark",
    "unfreeze-mark",
]


Offset = Annotated[int, Field(ge=0, le=MAX_STEP_DAYS * DAY_MS)]  # ms from now


class MarketBody(StrictBody):
    command: Command
    inst_id: str = ""
    value: str | int | None = Field(default=None, description="price, percent or factor (exact: a string)")
    over_ms: int = 0
    side: str = ""
    points: list[tuple[Offset, str | int]] | None = Field(
        default=None, description="[[ms from now, price], ...]"
    )


def _answer(markets: list[InstrumentMarket]) -> Response:
    return ControlJSON(markets_json(markets))


@router.get("")
async def show(ctx: ControlCtx) -> Response:
    return _answer(require(await ctx.service.market_command({"command": "show"})))


@router.post("")
async def command(ctx: ControlCtx, body: MarketBody) -> Response:
    args: dict[str, Any] = body.model_dump(exclude_none=True)
    if body.value is not None:
        args["value"] = str(body.value)
    if body.points is not None:
        args["points"] = [[ms, str(px)] for ms, px in body.points]
    return _answer(require(await ctx.service.market_command(args)))
