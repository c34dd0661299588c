"""OKX rate limits (reference §5): which route draws on which budget, and the checks transports call.

Route ids are `"<METHOD> <path>"` as served, e.g. `"GET /api/v5/public/time"`. Every endpoint of the
reference table is listed, served or not, so a later issue only has to serve the route. Rules:

* Public routes are limited per caller IP (`client_ip`), private ones per UID, some per UID + instId
  (trading), UID + ccy (transfer) or UID + tag (cancel-all-after); a private check made without a UID
  falls back to the IP.
* REST and WS trading share budgets: WS ops map to their REST route (`route_for_ws_op`).
* Batch routes count orders (cost = number of orders); a batch carrying one order uses the
  single-order budget, as on OKX.
* A route missing from the table gets `DEFAULT_RULE`: 10 per 2 s per UID (per IP when anonymous),
  as strict as OKX's common read budgets, so forgetting a row never makes sandex looser than OKX.
* Sub-accounts have a cap of 1000 new + amended orders per 2 s over all routes (50061).

Who calls what: public routers carry `PublicRateLimit`; auth calls `check_request(request, ctx, uid)`
after authenticating; order handlers call `check_orders` (instIds from the body) and
`check_subaccount_orders`; the WS gateway calls `check(route_for_ws_op(op), ...)`.

`Settings.rate_limits`: `okx` = published numbers, `xN` multiplies every limit by N (at least 1),
`off` = no checks at all (CI load tests). A breach is HTTP 429 `{"msg":"Too Many Requests","code":"50011"}`
and the handler never runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Depends, Request

from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.services.ports import RateLimiter
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxRejection


class Who(StrEnum):
    IP = "ip"
    UID = "uid"
    CONNECTION = "conn"


class Per(StrEnum):
    """The second dimension of a budget, when there is one."""

    INST_TYPE = "instType"
    INST_ID = "instId"
    CCY = "ccy"
    TAG = "tag"


@dataclass(frozen=True, slots=True)
class Rule:
    limit: int
    window_ms: int
    who: Who
    per: Per | None = None


_2S = 2000
_1S = 1000
_HOUR = 3_600_000
_TRADE = (Who.UID, Per.INST_ID)


def _ip(limit: int, window_ms: int = _2S, per: Per | None = None) -> Rule:
    return Rule(limit, window_ms, Who.IP, per)


def _uid(limit: int, window_ms: int = _2S, per: Per | None = None) -> Rule:
    return Rule(limit, window_ms, Who.UID, per)


RULES: Mapping[str, Rule] = {
    # public (reference §4.1, §4.2)
    "GET /api/v5/public/time": _ip(10),
    "GET /api/v5/public/instruments": _ip(20, per=Per.INST_TYPE),
    "GET /api/v5/market/tickers": _ip(20),
    "GET /api/v5/market/ticker": _ip(20),
    "GET /api/v5/market/books": _ip(40),
    "GET /api/v5/market/books-full": _ip(10),
    "GET /api/v5/market/candles": _ip(40),
    "GET /api/v5/market/history-candles": _ip(20),
    "GET /api/v5/market/trades": _ip(100),
    # account
    "GET /api/v5/account/balance": _uid(10),
    "GET /api/v5/account/positions": _uid(10),
    "GET /api/v5/account/config": _uid(5),
    # Not in the reference's table; OKX's endpoint pages give these.
    "GET /api/v5/account/bills": _uid(5, _1S),
    "GET /api/v5/account/bills-archive": _uid(5),
    "GET /api/v5/account/trade-fee": _uid(5),
    "GET /api/v5/account/max-size": _uid(20),
    "GET /api/v5/account/max-avail-size": _uid(20),
    # trade: place, amend and cancel have separate budgets, per instrument; batches count orders
    "POST /api/v5/trade/order": _uid(60, per=Per.INST_ID),
    "POST /api/v5/trade/batch-orders": _uid(300, per=Per.INST_ID),
    "POST /api/v5/trade/cancel-order": _uid(60, per=Per.INST_ID),
    "POST /api/v5/trade/cancel-batch-orders": _uid(300, per=Per.INST_ID),
    "POST /api/v5/trade/amend-order": _uid(60, per=Per.INST_ID),
    "POST /api/v5/trade/amend-batch-orders": _uid(300, per=Per.INST_ID),
    "GET /api/v5/trade/order": _uid(60, per=Per.INST_ID),
    "GET /api/v5/trade/orders-pending": _uid(60),
    "GET /api/v5/trade/orders-history": _uid(40),
    "GET /api/v5/trade/orders-history-archive": _uid(20),
    "GET /api/v5/trade/fills": _uid(60),
    "GET /api/v5/trade/fills-history": _uid(10),
    "POST /api/v5/trade/mass-cancel": _uid(5),
    "POST /api/v5/trade/cancel-all-after": _uid(1, _1S, per=Per.TAG),
    "GET /api/v5/trade/account-rate-limit": _uid(1, _1S),
    # funding
    "GET /api/v5/asset/currencies": _uid(6, _1S),
    "GET /api/v5/asset/balances": _uid(6, _1S),
    "POST /api/v5/asset/transfer": _uid(2, _1S, per=Per.CCY),
    "POST /api/v5/asset/withdrawal": _uid(6, _1S),
    "POST /api/v5/asset/cancel-withdrawal": _uid(6, _1S),
    "GET /api/v5/asset/deposit-address": _uid(6, _1S),
    "GET /api/v5/asset/deposit-history": _uid(6, _1S),
    "GET /api/v5/asset/withdrawal-history": _uid(6, _1S),
    # Not in the reference's table; OKX's endpoint pages give these.
    "GET /api/v5/asset/asset-valuation": _uid(1),
    "GET /api/v5/asset/transfer-state": _uid(10, _1S),
    "GET /api/v5/asset/bills": _uid(6, _1S),
    # sub-accounts
    "GET /api/v5/users/subaccount/list": _uid(20),
    "POST /api/v5/users/subaccount/apikey": _uid(1, _1S),
    "GET /api/v5/users/subaccount/apikey": _uid(20),
    "POST /api/v5/users/subaccount/modify-apikey": _uid(1, _1S),
    "POST /api/v5/users/subaccount/delete-apikey": _uid(1, _1S),
    # WebSocket: new connections per IP; login + subscribe + unsubscribe per connection
    "WS connect": _ip(3, _1S),
    "WS subscribe": Rule(480, _HOUR, Who.CONNECTION),
}

DEFAULT_RULE = _uid(10)

# A batch request carrying a single order draws on the single-order budget.
_SINGLE_OF_BATCH: Mapping[str, str] = {
    "POST /api/v5/trade/batch-orders": "POST /api/v5/trade/order",
    "POST /api/v5/trade/cancel-batch-orders": "POST /api/v5/trade/cancel-order",
    "POST /api/v5/trade/amend-batch-orders": "POST /api/v5/trade/amend-order",
}

# WS trading ops share the budget of their REST counterpart (reference §5.1, §6.6).
WS_OP_ROUTES: Mapping[str, str] = {
    "order": "POST /api/v5/trade/order",
    "batch-orders": "POST /api/v5/trade/batch-orders",
    "cancel-order": "POST /api/v5/trade/cancel-order",
    "batch-cancel-orders": "POST /api/v5/trade/cancel-batch-orders",
    "amend-order": "POST /api/v5/trade/amend-order",
    "batch-amend-orders": "POST /api/v5/trade/amend-batch-orders",
    "mass-cancel": "POST /api/v5/trade/mass-cancel",
    "login": "WS subscribe",
    "subscribe": "WS subscribe",
    "unsubscribe": "WS subscribe",
}

SUBACCOUNT_ORDERS = _uid(1000)  # new + amended orders per sub-account, REST and WS, single and batch


def rule_for(route_id: str) -> Rule:
    return RULES.get(route_id, DEFAULT_RULE)


def route_for_ws_op(op: str) -> str:
    """The budget a WS op draws on (its REST counterpart); unknown ops get a route id of their own."""
    return WS_OP_ROUTES.get(op, f"WS {op}")


def parse_scale(mode: str) -> float | None:
    """`off` -> None (no limits), `okx` -> 1, `xN` -> N."""
    if mode == "off":
        return None
    if mode == "okx":
        return 1.0
    if mode.startswith("x"):
        try:
            scale = float(mode[1:])
        except ValueError:
            scale = 0.0
        if scale > 0:
            return scale
    raise ValueError(f"rate limits must be off, okx or xN with N > 0, got {mode!r}")


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is asking and about what: the values a rule's key may be built from."""

    ip: str
    uid: str | None = None
    inst_id: str | None = None
    inst_type: str | None = None
    ccy: str | None = None
    tag: str | None = None
    conn_id: str | None = None

    def who(self, who: Who) -> str:
        if who is Who.UID and self.uid:
            return f"uid:{self.uid}"
        if who is Who.CONNECTION and self.conn_id:
            return f"conn:{self.conn_id}"
        return f"ip:{self.ip}"

    def per(self, per: Per | None) -> str:
        if per is None:
            return ""
        values = {
            Per.INST_TYPE: self.inst_type,
            Per.INST_ID: self.inst_id,
            Per.CCY: self.ccy,
            Per.TAG: self.tag,
        }
        return f"|{per.value}:{values[per] or ''}"


def bucket_key(route_id: str, rule: Rule, subject: Subject) -> str:
    return f"{route_id}|{subject.who(rule.who)}{subject.per(rule.per)}"


_RATE_LIMITED = Rejected.of(Reason.RATE_LIMITED)
_SUBACCOUNT_LIMITED = Rejected.of(Reason.SUBACCOUNT_RATE_LIMITED)


class RateLimits:
    """The OKX budgets over a limiter (memory or Redis); `scale=None` turns every check off."""

    def __init__(self, limiter: RateLimiter, clock: Clock, scale: float | None = 1.0) -> None:
        self._limiter = limiter
        self._clock = clock
        self._scale = scale

    @classmethod
    def from_mode(cls, mode: str, limiter: RateLimiter, clock: Clock) -> RateLimits:
        return cls(limiter, clock, parse_scale(mode))

    @property
    def enabled(self) -> bool:
        return self._scale is not None

    def limit_of(self, rule: Rule) -> int:
        scale = self._scale or 1.0
        return max(1, int(rule.limit * scale))

    async def check(
        self,
        route_id: str,
        *,
        ip: str,
        uid: str | None,
        inst_id: str | None = None,
        inst_type: str | None = None,
        ccy: str | None = None,
        tag: str | None = None,
        conn_id: str | None = None,
        cost: int = 1,
    ) -> Rejected | None:
        """None when allowed; 50011 (RATE_LIMITED) when the route's budget is spent."""
        if self._scale is None:
            return None
        if cost == 1:
            route_id = _SINGLE_OF_BATCH.get(route_id, route_id)
        subject = Subject(ip, uid, inst_id, inst_type, ccy, tag, conn_id)
        return await self._take(route_id, rule_for(route_id), subject, cost, _RATE_LIMITED)

    async def check_orders(
        self, route_id: str, *, ip: str, uid: str | None, inst_ids: Sequence[str]
    ) -> Rejected | None:
        """A single or batch order request: one unit per order, on each instrument's own budget."""
        if self._scale is None or not inst_ids:
            return None
        if len(inst_ids) == 1:
            return await self.check(route_id, ip=ip, uid=uid, inst_id=inst_ids[0])
        for inst_id, count in Counter(inst_ids).items():
            refused = await self.check(route_id, ip=ip, uid=uid, inst_id=inst_id, cost=count)
            if refused is not None:
                return refused
        return None

    async def check_subaccount_orders(self, uid: str, n_orders: int) -> Rejected | None:
        """The per-(sub-)account cap on new + amended orders: 50061 when exceeded."""
        if self._scale is None or n_orders < 1:
            return None
        subject = Subject(ip="", uid=uid)
        return await self._take("orders", SUBACCOUNT_ORDERS, subject, n_orders, _SUBACCOUNT_LIMITED)

    async def _take(
        self, route_id: str, rule: Rule, subject: Subject, cost: int, refusal: Rejected
    ) -> Rejected | None:
        key = bucket_key(route_id, rule, subject)
        now_ms = self._clock.now_ms()
        allowed = await self._limiter.try_acquire(key, cost, self.limit_of(rule), rule.window_ms, now_ms)
        return None if allowed else refusal

    async def start(self) -> None:
        if self._scale is not None:
            await self._limiter.ready()

    async def reset(self) -> None:
        """Every budget back to full (the control API's reset)."""
        await self._limiter.clear()

    async def close(self) -> None:
        await self._limiter.aclose()


def route_id_of(request: Request) -> str:
    """`"GET /api/v5/public/time"`: the method and the path template of the matched route."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return f"{request.method} {path}"


def checked_by_handler(route_id: str) -> bool:
    """POST routes budgeted per instId/ccy/tag: only the handler knows those values (JSON body), so
    it makes the check (`check_orders` for orders) and request-level checks skip the route."""
    return route_id.startswith("POST ") and rule_for(route_id).per is not None


async def check_request(
    request: Request, ctx: OkxContext, uid: str | None, ip: str | None = None
) -> Rejected | None:
    """The route's budget for one REST request: per IP when `uid` is None, else per UID.

    Auth calls this right after authenticating (`uid=principal.uid`, with the `ip` it already
    worked out); dimensions come from the query.
    """
    limits = ctx.rate_limits
    if limits is None or not limits.enabled:
        return None
    route_id = route_id_of(request)
    if uid is not None and checked_by_handler(route_id):
        return None
    query = request.query_params
    return await limits.check(
        route_id,
        ip=client_ip(request, ctx.trusted_proxies) if ip is None else ip,
        uid=uid,
        inst_id=query.get("instId"),
        inst_type=query.get("instType"),
        ccy=query.get("ccy"),
    )


async def _public_rate_limit(request: Request, ctx: Ctx) -> None:
    refused = await check_request(request, ctx, uid=None)
    if refused is not None:
        raise OkxRejection(refused)


# Router-level dependency for unauthenticated routers: `APIRouter(..., dependencies=[PublicRateLimit])`.
PublicRateLimit = Depends(_public_rate_limit)
