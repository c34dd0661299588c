"""Trading over the WebSocket (`/ws/v5/private`): order, batch-orders, cancel-order,
batch-cancel-orders, amend-order, batch-amend-orders (reference §6.6).

The request items are REST's, parsed, run and rendered by the very code that serves
`/api/v5/trade/*` (`rest/trade.py` commands), so every field, check and `sCode` is the same; only the
envelope differs: `{"id","op","code","msg","data","inTime","outTime"}`. The rate budgets are
REST's too (`route_for_ws_op`), per instrument and per UID, shared with REST calls. `id` is required.
OKX's newer docs let an item name its instrument by `instIdCode` (ccxt.pro sends that), so both
`instId` and `instIdCode` are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.domain.keys.model import Permission
from sandex.services.keys.auth import Principal
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import batch_too_large
from sandex.transport.okx.errors import wire_error
from sandex.transport.okx.orders_wire import echo_of, expiry_refusal, inst_id_of, parsed
from sandex.transport.okx.params import int64_or_none
from sandex.transport.okx.ratelimits.budgets import RateLimits
from sandex.transport.okx.ratelimits.rules import route_for_ws_op
from sandex.transport.okx.rest.trade import AMEND, CANCEL, PLACE, Command, checked, trader_of
from sandex.transport.okx.trade_wire import batch_envelope
from sandex.transport.okx.ws.protocol import WsCode, WsError, WsRequest, op_error, op_reply

# op -> (command, whether it is a batch op)
TRADING_OPS: Mapping[str, tuple[Command, bool]] = {
    "order": (PLACE, False),
    "batch-orders": (PLACE, True),
    "cancel-order": (CANCEL, False),
    "batch-cancel-orders": (CANCEL, True),
    "amend-order": (AMEND, False),
    "batch-amend-orders": (AMEND, True),
}


class TradingOps:
    def __init__(
        self, trading: TradingService, catalogue: Catalogue, rate_limits: RateLimits | None, clock: Clock
    ) -> None:
        self._trading = trading
        self._limits = rate_limits
        self._clock = clock
        self._catalogue = catalogue
        self._by_code = {inst.inst_id_code: inst.inst_id for inst in catalogue.instruments.values()}

    async def run(self, request: WsRequest, principal: Principal, ip: str) -> str:
        """The op's reply frame (every refusal included: an op always gets an answer with its id)."""
        assert request.id is not None
        in_us = self._micros()
        command, batch = TRADING_OPS[request.op]
        items = [self._with_inst_id(item) for item in request.args if isinstance(item, dict)]
        refusal = _refusal(request, principal, batch) or await self._charge(
            request.op, principal, ip, items, command
        )
        outcome = refusal or await self._execute(command, principal, items, request.body)
        if isinstance(outcome, dict):
            return op_reply(request.id, request.op, {**outcome, **_times(in_us, self._micros())})
        code, message = _code_and_message(outcome)
        return op_error(request.id, request.op, code, message, in_us, self._micros())

    def _with_inst_id(self, item: dict[str, Any]) -> dict[str, Any]:
        """`instIdCode` (an integer) stands for `instId` when `instId` is absent."""
        code = item.get("instIdCode")
        if item.get("instId") or code is None or code == "" or isinstance(code, bool):
            return item
        number = int64_or_none(str(code)) if isinstance(code, str | int) else None
        inst_id = None if number is None else self._by_code.get(number)
        return {**item, "instId": inst_id or f"?{code}"}  # an unknown code: 51001, as an unknown instId

    async def _charge(
        self, op: str, principal: Principal, ip: str, items: Sequence[Any], command: Command
    ) -> Rejected | None:
        limits = self._limits
        if limits is None or not limits.enabled:
            return None
        inst_ids = [inst_id_of(item) or "" for item in items]
        refused = await limits.check_orders(route_for_ws_op(op), ip=ip, uid=principal.uid, inst_ids=inst_ids)
        if refused is None and command.new_orders and principal.is_sub_account:
            refused = await limits.check_subaccount_orders(principal.uid, len(items))
        return refused

    async def _execute(
        self, command: Command, principal: Principal, items: list[Any], body: Mapping[str, Any]
    ) -> dict[str, Any] | Rejected:
        parsed_items = checked(command, [parsed(command.parse, item) for item in items], self._catalogue)
        expired = self._expired(body) if command.new_orders else None
        if expired is not None:
            parsed_items = [expired] * len(items)
        valid = [item for item in parsed_items if not isinstance(item, Rejected)]
        acks = await command.run(self._trading, trader_of(principal), valid) if valid else []
        if isinstance(acks, Rejected):
            return acks
        now = self._clock.now_ms()
        results = iter(acks)
        data = [
            command.render(item if isinstance(item, Rejected) else next(results), echo_of(raw), now)
            for item, raw in zip(parsed_items, items, strict=True)
        ]
        envelope = batch_envelope(data, 0, 0)
        return {"code": envelope["code"], "msg": envelope["msg"], "data": envelope["data"]}

    def _expired(self, body: Mapping[str, Any]) -> Rejected | None:
        """`expTime` (Unix ms, in the request object) already past: no item is processed."""
        return expiry_refusal(body.get("expTime"), self._clock.now_ms())

    def _micros(self) -> int:
        return self._clock.now_ms() * 1000


def _refusal(request: WsRequest, principal: Principal, batch: bool) -> Rejected | WsError | None:
    """Request-level refusals: trade permission, args shape (60013), batch size (51111)."""
    if Permission.TRADE not in principal.perms:
        return Rejected.of(Reason.PERMISSION_DENIED, perm=Permission.TRADE.value)
    args = request.args
    if not args or not all(isinstance(item, dict) for item in args) or (not batch and len(args) != 1):
        return WsError(WsCode.INVALID_ARGS)
    return batch_too_large(len(args))


def _code_and_message(refusal: Rejected | WsError) -> tuple[str, str]:
    if isinstance(refusal, WsError):
        return refusal.code.value, refusal.message
    entry, message = wire_error(refusal)
    return entry.code, message


def _times(in_us: int, out_us: int) -> dict[str, str]:
    return {"inTime": str(in_us), "outTime": str(out_us)}
