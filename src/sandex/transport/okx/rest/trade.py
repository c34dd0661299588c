"""`/api/v5/trade/*` (private): place, cancel and amend orders (single and batch), read orders and fills.

Reference §2.2 and §4.4. Writes answer per item (`sCode`/`sMsg`, top-level code 0/1/2 and
`inTime`/`outTime` in µs), HTTP 200 even when every item failed; single-order endpoints use the same
form with one item. Only request-level problems (body not JSON, more than 20 items, rate limits) are
top-level errors. Reads answer with order/fill objects, newest first, with OKX's id cursors.

Rate limits: every item counts once on its instrument's budget (`check_orders`, before anything is
parsed, as OKX counts requests); new and amended orders of a sub-account also count on its 1000/2 s
cap. An `expTime` header already in the past refuses every item with 50037 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.routing import Route

from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue
from sandex.domain.keys.model import Permission
from sandex.domain.matching.order import OrdState, OrdType
from sandex.services.exchange.commands import OrderAck
from sandex.services.keys.auth import Principal
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import OrderView, Trader
from sandex.transport.okx.auth import ReadAuth, authenticate_request, requires_permission
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxJSON, OkxRejection, fail, ok
from sandex.transport.okx.fastlane import OkxApp, Wrap
from sandex.transport.okx.orders_wire import (
    Echo,
    batch_items,
    echo_of,
    expiry_refusal,
    inst_id_of,
    parse_all,
    parse_amend,
    parse_cancel,
    parse_place,
    single_item,
    spot_refusal,
)
from sandex.transport.okx.params import (
    bad,
    in_wire_words,
    json_body,
    missing,
    query_int,
    query_limit,
)
from sandex.transport.okx.rate_checks import route_id_of
from sandex.transport.okx.trade_wire import (
    amend_ack,
    batch_envelope,
    cancel_ack,
    fill_wire,
    order_wire,
    place_ack,
)

PREFIX = "/api/v5/trade"
router = APIRouter(prefix=PREFIX, tags=["trade"])

SPOT = "SPOT"
INST_TYPES = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"})
SERVED_INST_TYPES = frozenset({"SPOT", "SWAP"})
PENDING_STATES = frozenset({OrdState.LIVE.value, OrdState.PARTIALLY_FILLED.value})
MMP_CANCELED = "mmp_canceled"  # valid OKX states and order types no sandex order ever has
FINISHED_STATES = frozenset({OrdState.FILLED.value, OrdState.CANCELED.value, MMP_CANCELED})
# Valid on OKX, never a sandex order's type (optimal_limit_ioc is one once swaps list it).
UNSERVED_ORD_TYPES = frozenset(
    {"optimal_limit_ioc", "mmp", "mmp_and_post_only", "op_fok", "elp"}
) - frozenset(t.value for t in OrdType)
OKX_ORD_TYPES = frozenset(t.value for t in OrdType) | UNSERVED_ORD_TYPES


def trading_of(ctx: OkxContext) -> TradingService:
    if ctx.trading is None:
        raise RuntimeError("trade routes served without the trading service")
    return ctx.trading


def trader_of(principal: Principal) -> Trader:
    """Orders from a demo key go to the demo exchange: the environment is part of who trades."""
    return Trader(principal.user_id, principal.environment)


# --- writes --------------------------------------------------------------------------------------
Render = Callable[[OrderAck | Rejected, Echo, int], dict[str, Any]]
Run = Callable[[TradingService, Trader, list[Any]], Awaitable[list[OrderAck] | Rejected]]


@dataclass(frozen=True, slots=True)
class Command:
    parse: Callable[[Mapping[str, Any]], Any]
    run: Run
    render: Render
    new_orders: bool  # place and amend: count on the sub-account cap, honour expTime
    check: Callable[[Any, Catalogue], Rejected | None] | None = None  # rules that need the instrument


def checked(command: Command, items: list[Any], catalogue: Catalogue) -> list[Any]:
    """Parsed items with the command's instrument rules applied (refusals stay per item)."""
    check = command.check
    if check is None:
        return items
    return [item if isinstance(item, Rejected) else check(item, catalogue) or item for item in items]


PLACE = Command(parse_place, lambda svc, who, items: svc.place(who, items), place_ack, True, spot_refusal)
CANCEL = Command(parse_cancel, lambda svc, who, items: svc.cancel(who, items), cancel_ack, False)
AMEND = Command(parse_amend, lambda svc, who, items: svc.amend(who, items), amend_ack, True)


def _write_endpoint(command: Command, *, batch: bool) -> Callable[[Request], Awaitable[Response]]:
    @requires_permission(Permission.TRADE)
    async def endpoint(request: Request) -> Response:
        ctx: OkxContext = request.app.state.okx
        ip = client_ip(request, ctx.trusted_proxies)  # once: auth and the order budgets both need it
        principal = await authenticate_request(request, Permission.TRADE, ip=ip)
        return await _write(request, ctx, principal, ip, command, batch=batch)

    return endpoint


# The order writes are the hot path: plain Starlette endpoints served by the app's fast lane
# (`install_write_routes`), so a request skips FastAPI's middleware stack, the walk over every
# included router and dependency solving (together more CPU than the exchange core spends on an order).
WRITE_ROUTES = [
    Route(f"{PREFIX}{path}", _write_endpoint(command, batch=batch), methods=["POST"], name=name)
    for path, command, batch, name in (
        ("/order", PLACE, False, "place_order"),
        ("/batch-orders", PLACE, True, "place_batch"),
        ("/cancel-order", CANCEL, False, "cancel_order"),
        ("/cancel-batch-orders", CANCEL, True, "cancel_batch"),
        ("/amend-order", AMEND, False, "amend_order"),
        ("/amend-batch-orders", AMEND, True, "amend_batch"),
    )
]


def install_write_routes(app: OkxApp, wrap: Wrap) -> None:
    """Serve the order writes by `app`'s fast lane (inside `wrap`), and put their routes first in
    its routing too (their paths are served by nothing else)."""
    app.router.routes[0:0] = WRITE_ROUTES
    for route in WRITE_ROUTES:
        app.add_fast_lane(route.path, route.endpoint, wrap)


async def _write(
    request: Request, ctx: OkxContext, principal: Principal, ip: str, command: Command, *, batch: bool
) -> Response:
    in_time = _micros(ctx)
    service = trading_of(ctx)
    body = await json_body(request)
    items = batch_items(body) if batch else [single_item(body)]
    await _charge(request, ctx, principal, ip, items, command)
    parsed = checked(command, parse_all(command.parse, items), ctx.catalogue.catalogue)
    expired = _expired(request, ctx) if command.new_orders else None
    if expired is not None:
        parsed = [expired] * len(items)
    valid = [item for item in parsed if not isinstance(item, Rejected)]
    acks = await command.run(service, trader_of(principal), valid) if valid else []
    if isinstance(acks, Rejected):
        return fail(acks)
    now = ctx.clock.now_ms()
    results = iter(acks)
    data = [
        command.render(item if isinstance(item, Rejected) else next(results), echo_of(raw), now)
        for item, raw in zip(parsed, items, strict=True)
    ]
    return OkxJSON(batch_envelope(data, in_time, _micros(ctx)))


async def _charge(
    request: Request, ctx: OkxContext, principal: Principal, ip: str, items: Sequence[Any], command: Command
) -> None:
    """The route's per-instrument budget, one unit per item; the sub-account cap for new orders."""
    limits = ctx.rate_limits
    if limits is None or not limits.enabled:
        return
    inst_ids = [inst_id_of(item) or "" for item in items]
    refused = await limits.check_orders(route_id_of(request), ip=ip, uid=principal.uid, inst_ids=inst_ids)
    if refused is None and command.new_orders and principal.is_sub_account:
        refused = await limits.check_subaccount_orders(principal.uid, len(items))
    if refused is not None:
        raise OkxRejection(refused)


def _expired(request: Request, ctx: OkxContext) -> Rejected | None:
    """`expTime` (Unix ms) already past: the request is not processed (reference §1.2)."""
    # a scan of the raw headers: cheaper than building `request.headers` for a header rarely sent
    sent = next((value for name, value in request.scope["headers"] if name == b"exptime"), b"")
    return expiry_refusal(sent.decode("latin-1").strip(), ctx.clock.now_ms()) if sent else None


def _micros(ctx: OkxContext) -> int:
    return ctx.clock.now_ms() * 1000


# --- reads ---------------------------------------------------------------------------------------
@router.get("/order")
async def get_order(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    query = request.query_params
    inst_id, ord_id, cl_ord_id = query.get("instId"), query.get("ordId") or None, query.get("clOrdId") or None
    if not inst_id:
        raise missing("instId")
    if ord_id is None and cl_ord_id is None:
        raise OkxRejection(Rejected.of(Reason.EITHER_PARAM_REQUIRED, field="ordId", other="clOrdId"))
    service, trader = trading_of(ctx), trader_of(principal)
    found = await run_in_threadpool(service.get_order, trader, inst_id, ord_id=ord_id, cl_ord_id=cl_ord_id)
    if isinstance(found, Rejected):
        return fail(in_wire_words(found))
    return ok([order_wire(found)])


@router.get("/orders-pending")
async def orders_pending(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    wanted = order_filters(request.query_params, PENDING_STATES, inst_type_required=False)
    if wanted is None:
        return ok([])
    page = wanted.page
    found = await run_in_threadpool(
        trading_of(ctx).pending_orders,
        trader_of(principal),
        inst_id=wanted.inst_id,
        ord_type=wanted.ord_type,
        state=wanted.state,
        after=page.after,
        before=page.before,
        limit=page.limit,
    )
    return ok([order_wire(view) for view in wanted.of_type(found, ctx)])


@router.get("/orders-history")
async def orders_history(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    return await _history(request, ctx, principal, archive=False)


@router.get("/orders-history-archive")
async def orders_history_archive(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    return await _history(request, ctx, principal, archive=True)


async def _history(request: Request, ctx: OkxContext, principal: Principal, *, archive: bool) -> Response:
    wanted = order_filters(request.query_params, FINISHED_STATES, inst_type_required=True)
    if wanted is None:
        return ok([])
    page = wanted.page
    found = await run_in_threadpool(
        trading_of(ctx).order_history,
        trader_of(principal),
        archive=archive,
        inst_id=wanted.inst_id,
        ord_type=wanted.ord_type,
        state=wanted.state,
        after=page.after,
        before=page.before,
        begin=page.begin,
        end=page.end,
        limit=page.limit,
    )
    return ok([order_wire(view) for view in wanted.of_type(found, ctx)])


@router.get("/fills")
async def fills(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    return await _fills(request, ctx, principal, history=False)


@router.get("/fills-history")
async def fills_history(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    return await _fills(request, ctx, principal, history=True)


async def _fills(request: Request, ctx: OkxContext, principal: Principal, *, history: bool) -> Response:
    query = request.query_params
    inst_type = served_inst_type(query.get("instType"), required=history)  # fills-history needs it
    ord_id = query.get("ordId") or None
    if ord_id is not None and not (ord_id.isascii() and ord_id.isdigit()):
        raise bad("ordId")
    page = page_of(query)
    if inst_type is NOT_SERVED:
        return ok([])
    found = await run_in_threadpool(
        trading_of(ctx).fills,
        trader_of(principal),
        history=history,
        inst_id=query.get("instId") or None,
        ord_id=ord_id,
        after=page.after,
        before=page.before,
        begin=page.begin,
        end=page.end,
        limit=page.limit,
    )
    return ok([fill_wire(view) for view in found if of_inst_type(view.inst_id, inst_type, ctx)])


# --- query values --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Page:
    """OKX list paging: id cursors (`after` = older than, `before` = newer than), a time range, a size."""

    after: str | None
    before: str | None
    begin: int | None
    end: int | None
    limit: int


def page_of(query: Mapping[str, str]) -> Page:
    after, before = query.get("after") or None, query.get("before") or None
    query_int(after, "after")
    query_int(before, "before")
    begin, end = query_int(query.get("begin"), "begin"), query_int(query.get("end"), "end")
    return Page(after, before, begin, end, query_limit(query.get("limit")))


@dataclass(frozen=True, slots=True)
class OrderFilters:
    inst_id: str | None
    ord_type: OrdType | None
    state: OrdState | None
    page: Page
    inst_type: str | None = None  # None: every type

    def of_type(self, views: list[OrderView], ctx: OkxContext) -> list[OrderView]:
        return [view for view in views if of_inst_type(view.inst_id, self.inst_type, ctx)]


def order_filters(
    query: Mapping[str, str], states: frozenset[str], *, inst_type_required: bool
) -> OrderFilters | None:
    """The filters of an order list; None when they are valid on OKX but no sandex order can match
    (another instrument type, an order type or state sandex never has)."""
    inst_type = served_inst_type(query.get("instType"), required=inst_type_required)
    ord_type, state = query.get("ordType") or None, query.get("state") or None
    if ord_type is not None and ord_type not in OKX_ORD_TYPES:
        raise bad("ordType")
    if state is not None and state not in states:
        raise bad("state")
    page = page_of(query)
    if inst_type is NOT_SERVED or ord_type in UNSERVED_ORD_TYPES or state == MMP_CANCELED:
        return None
    return OrderFilters(
        inst_id=query.get("instId") or None,
        ord_type=None if ord_type is None else OrdType(ord_type),
        state=None if state is None else OrdState(state),
        page=page,
        inst_type=inst_type,
    )


NOT_SERVED = "-"  # an instrument type OKX has and sandex lists none of


def served_inst_type(value: str | None, *, required: bool) -> str | None:
    """The `instType` a list asks for: None (every type), SPOT, SWAP, or `NOT_SERVED` (valid on
    OKX, nothing sandex lists: the answer is `[]`)."""
    if not value:
        if required:
            raise missing("instType")
        return None
    if value not in INST_TYPES:
        raise bad("instType")
    return value if value in SERVED_INST_TYPES else NOT_SERVED


def of_inst_type(inst_id: str, inst_type: str | None, ctx: OkxContext) -> bool:
    """Whether an order or fill of `inst_id` is of the asked type (None: any)."""
    if inst_type is None:
        return True
    inst = ctx.catalogue.catalogue.instrument(inst_id)
    return (SPOT if inst is None else inst.inst_type.value) == inst_type
