"""The OKX WebSocket gateway: `/ws/v5/public`, `/ws/v5/private`, `/ws/v5/business` (reference §6).

One connection = one `Session`: a reader (this module: frames in, ops run in order) and a writer
task (frames out, in order). Rules:

* Text `ping` is answered with `pong`. A connection with no frame in either direction for
  `idle_timeout_s` (30 s) is closed with 4004, as OKX does.
* `login`, `subscribe`, `unsubscribe` draw on the per-connection budget (480/hour); new connections
  on the per-IP one (3/s); trading ops on REST's trading budgets.
* Demo trading: a connection is in the demo environment when it comes in under `/demo/ws/v5/...`,
  sends `x-simulated-trading: 1`, or carries OKX's demo URL suffix `?brokerId=9999` (what ccxt.pro
  appends in sandbox mode). Other query strings are ignored. Public data then comes from the demo
  exchange, and only demo keys log in (the REST key checks, environment included).
* A key that is edited, revoked, deleted or expires closes every session logged in with it (4007).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.policy import ws_login_request
from sandex.services.exchange.events import (
    AlgosChanged,
    BalancesChanged,
    LiquidationsHappened,
    OrdersChanged,
    PositionsChanged,
    TradesHappened,
)
from sandex.services.keys.auth import Principal
from sandex.services.keys.events import KeyChanged
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.demo import DEMO_HEADER, asks_for_demo
from sandex.transport.okx.envelope import fail
from sandex.transport.okx.ratelimits.rules import route_for_ws_op
from sandex.transport.okx.ws.algo_feed import AlgoFeed
from sandex.transport.okx.ws.channels import COUNTED_CHANNELS, ORDERS, Topic, resolve
from sandex.transport.okx.ws.context import WsContext
from sandex.transport.okx.ws.derivatives_feed import DerivativesFeed
from sandex.transport.okx.ws.funding_feed import FundingRateFeed, LiquidationFeed
from sandex.transport.okx.ws.key_watch import KeyWatch
from sandex.transport.okx.ws.market_feed import MarketFeed
from sandex.transport.okx.ws.ops import TRADING_OPS, TradingOps
from sandex.transport.okx.ws.positions_feed import PositionsFeed
from sandex.transport.okx.ws.private_feed import PrivateFeed
from sandex.transport.okx.ws.protocol import (
    PING,
    PONG,
    Close,
    Kind,
    WsCode,
    WsError,
    WsRequest,
    ack,
    conn_count_error,
    error_event,
    login_error,
    login_ok,
    parse_request,
)
from sandex.transport.okx.ws.pushes import Pusher
from sandex.transport.okx.ws.quotes_feed import CandleFeed, TickerFeed
from sandex.transport.okx.ws.sessions import DirectWrite, Flusher, Session, SessionRegistry
from sandex.transport.okx.ws.warning_feed import WarningFeed

log = logging.getLogger("sandex.ws")

IDLE_TIMEOUT_S = 30.0
HOUSEKEEPING_S = 0.05
MAX_PRIVATE_CONNS = 30  # connections per account subscribed to one private channel (OKX's cap)
SLOTS_REFRESH_S = 15.0  # shared slots lapse after a minute unrefreshed (`conn_slots.TTL_MS`)
DEMO_BROKER_ID = "9999"
CLOSING_CHANGES = frozenset({"edited", "revoked", "deleted", "expired"})
BUDGETED_OPS = frozenset({"login", "subscribe", "unsubscribe"})


class WsGateway:
    def __init__(self, ctx: WsContext) -> None:
        self.ctx = ctx
        self.registry = SessionRegistry()
        self.pusher = Pusher(ctx.faults)
        self.market = MarketFeed(self.registry, self.pusher, ctx.catalogue, ctx.books, ctx.clock, ctx.settled)
        self.private = PrivateFeed(self.registry, self.pusher, ctx.catalogue, ctx.trading, ctx.swaps)
        self.algos = AlgoFeed(self.registry, self.pusher, ctx.clock)
        self.positions = (
            None
            if ctx.positions is None
            else PositionsFeed(self.registry, self.pusher, ctx.catalogue, ctx.positions)
        )
        self.tickers = TickerFeed(self.registry, self.pusher, ctx.market)
        self.candles = CandleFeed(self.registry, self.pusher, ctx.market)
        self.funding_rates = FundingRateFeed(self.registry, self.pusher, ctx.funding_rates)
        self.liquidations = LiquidationFeed(self.registry, self.pusher, ctx.catalogue)
        self.warnings = WarningFeed(self.registry, self.pusher, ctx.warnings)
        self.derivatives = DerivativesFeed(self.registry, self.pusher, ctx.market)
        self.ops = TradingOps(ctx.trading, ctx.catalogue, ctx.rate_limits, ctx.clock)
        self.key_watch = KeyWatch(ctx.auth, ctx.keys, ctx.accounts)
        self.idle_timeout_s = IDLE_TIMEOUT_S
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribers: list[Callable[[], None]] = []
        self._housekeeping: asyncio.Task[None] | None = None
        self._slots_refresh_at = 0.0  # monotonic time of the next shared-slot refresh
        self._checks: set[asyncio.Task[None]] = set()
        self._flusher = Flusher()

    # --- life cycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        events = self.ctx.events
        self._unsubscribers = [
            events.subscribe(KeyChanged, self._on_key_changed),
            events.subscribe(TradesHappened, self._on_trades),
            events.subscribe(OrdersChanged, self._on_orders),
            events.demand(OrdersChanged, lambda: self.registry.has_channel(ORDERS)),  # every step
            events.subscribe(BalancesChanged, self.private.on_balances),
            events.subscribe(AlgosChanged, self.algos.on_algos),
            events.subscribe(LiquidationsHappened, self.liquidations.on_liquidations),
        ]
        if self.positions is not None:
            self._unsubscribers.append(events.subscribe(PositionsChanged, self.positions.on_positions))
        self._housekeeping = asyncio.create_task(self._housekeep(), name="sandex-ws-housekeeping")

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers = []
        task, self._housekeeping = self._housekeeping, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- after each commit (hub handlers, on the sequencer's task) ----------------------------
    def _on_trades(self, event: TradesHappened) -> None:
        self.market.on_trades(event)
        self._flusher.flush()  # trades and books out now, not after the sequencer's next batch
        inst_ids = {t.inst_id for t in event.trades}
        self.tickers.touched(event.environment, inst_ids)
        self.candles.touched(event.environment, inst_ids)

    def _on_orders(self, event: OrdersChanged) -> None:
        self.private.on_orders(event)
        self.market.on_orders(event)
        self._flusher.flush()
        self.tickers.touched(event.environment, {u.order.inst_id for u in event.updates})

    def _on_key_changed(self, event: KeyChanged) -> None:
        """Hub subscriber (any thread): sessions on a changed key are closed with 4007."""
        if event.change in CLOSING_CHANGES and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.close_key_sessions, event.api_key)

    def close_key_sessions(self, api_key: str) -> None:
        for session in tuple(self.registry.of_key(api_key)):
            session.close(Close.KEY_CHANGED)

    async def _housekeep(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_S)
            try:
                self.market.tick()
                self.tickers.flush()
                self.candles.flush()
                self.funding_rates.flush()
                self.warnings.tick()
                self.derivatives.tick()
                now = time.monotonic()
                self.private.tick(now)
                if self.positions is not None:
                    self.positions.tick(now)
                if self.ctx.slots is not None and now >= self._slots_refresh_at:
                    self._slots_refresh_at = now + SLOTS_REFRESH_S
                    self._checks.add(task := asyncio.create_task(self._refresh_slots()))
                    task.add_done_callback(self._checks.discard)
                if self.key_watch.due(now):
                    check = self.key_watch.check(self.registry.principals(), self.close_key_sessions, now)
                    self._checks.add(task := asyncio.create_task(check))
                    task.add_done_callback(self._checks.discard)
            except Exception:
                log.exception("WebSocket housekeeping failed")

    # --- one connection --------------------------------------------------------------------------
    async def serve(self, websocket: WebSocket, kind: Kind, demo_path: bool) -> None:
        ip = client_ip(websocket, self.ctx.trusted_proxies)
        if await self._too_many_connections(ip):
            await _deny(websocket)
            return
        await websocket.accept()
        environment = (
            Environment.DEMO if demo_path or _connection_asks_for_demo(websocket) else Environment.LIVE
        )
        session = Session(secrets.token_hex(4), kind, environment, ip)
        direct = DirectWrite.offered(websocket.scope)
        if direct is not None:
            session.write_directly(direct, self._flusher)
        self.registry.add(session)
        writer = asyncio.create_task(session.write(websocket), name=f"sandex-ws-{session.conn_id}")
        try:
            await self._read(websocket, session)
            if session.closing is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(writer), 5.0)
        finally:
            self.registry.remove(session)
            self.market.unsubscribed(session.environment)
            for channel in list(session.slots):
                await self._give_back(session, channel)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)  # the peer may be gone mid-frame

    async def _read(self, websocket: WebSocket, session: Session) -> None:
        while session.closing is None:
            remaining = session.last_activity + self.idle_timeout_s - time.monotonic()
            if remaining <= 0:
                session.close(Close.NO_DATA)
                return
            try:
                message = await asyncio.wait_for(websocket.receive(), remaining)
            except TimeoutError:
                continue
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            session.last_activity = time.monotonic()
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", "replace")
            await self.handle(session, text)

    async def handle(self, session: Session, text: str) -> None:
        """One frame from the client."""
        if text == PING:
            session.send(PONG)
            return
        request = parse_request(text)
        if isinstance(request, WsError):
            session.send(error_event(request, session.conn_id))
            return
        try:
            await self._dispatch(session, request)
        except Exception:  # a bug must not kill the connection silently: say so, keep serving
            log.exception("WebSocket op %s failed", request.op)
            session.send(error_event(WsError(WsCode.INTERNAL), session.conn_id, request.id))

    async def _dispatch(self, session: Session, request: WsRequest) -> None:
        op = request.op
        if op in BUDGETED_OPS and await self._over_budget(session):
            session.send(error_event(WsError(WsCode.TOO_FREQUENT), session.conn_id, request.id))
            return
        if op == "login":
            await self._login(session, request)
        elif op in ("subscribe", "unsubscribe"):
            await self._subscription(session, request, op == "subscribe")
        elif op in TRADING_OPS:
            await self._trade(session, request)
        else:
            session.send(error_event(WsError.of(WsCode.INVALID_OP, op=op), session.conn_id, request.id))

    # --- login -----------------------------------------------------------------------------------
    async def _login(self, session: Session, request: WsRequest) -> None:
        args = request.args
        if len(args) > 1:
            refused = WsError(WsCode.MULTIPLE_LOGIN)
        elif not args or not isinstance(args[0], dict):
            refused = WsError.of(WsCode.INVALID_REQUEST, request=request.raw[:2000])
        else:
            result = await self._authenticate(session, args[0])
            if isinstance(result, Principal):
                self._logged_in(session, result, request)
                return
            refused = result
        session.send(error_event(refused, session.conn_id, request.id))

    async def _authenticate(self, session: Session, arg: dict[str, Any]) -> Principal | WsError:
        signed = ws_login_request(
            _text(arg.get("apiKey")),
            _text(arg.get("sign")),
            _text(arg.get("timestamp")),
            _text(arg.get("passphrase")),
            session.ip,
            session.environment is Environment.DEMO,
        )
        auth = self.ctx.auth
        if auth.is_warm(signed.api_key):
            result = auth.authenticate(signed)
        else:  # the database and/or argon2: off the event loop
            result = await asyncio.to_thread(auth.authenticate, signed)
        return login_error(result) if isinstance(result, Rejected) else result

    def _logged_in(self, session: Session, principal: Principal, request: WsRequest) -> None:
        current = session.principal
        if current is not None and current.api_key != principal.api_key:  # one account per connection
            session.send(error_event(WsError(WsCode.MULTIPLE_LOGIN), session.conn_id, request.id))
            return
        if current is None:
            self.registry.logged_in(session, principal)
        else:
            session.principal = principal
        session.send(login_ok(session.conn_id, request.id))

    # --- subscriptions ---------------------------------------------------------------------------
    async def _subscription(self, session: Session, request: WsRequest, subscribe: bool) -> None:
        if not request.args:
            invalid = WsError.of(WsCode.INVALID_REQUEST, request=request.raw[:2000])
            session.send(error_event(invalid, session.conn_id, request.id))
            return
        event = "subscribe" if subscribe else "unsubscribe"
        for arg in request.args:
            topic = resolve(arg, session.kind, session.principal is not None, self.ctx.catalogue, request.raw)
            if isinstance(topic, WsError):
                session.send(error_event(topic, session.conn_id, request.id))
                continue
            if subscribe:
                if await self._over_private_cap(session, topic):
                    session.send(conn_count_error(topic.channel, MAX_PRIVATE_CONNS, session.conn_id))
                    continue
                self.registry.subscribe(session, topic)
                session.send(ack(event, topic.echo, session.conn_id, request.id))
                self.market.subscribed(session, topic)
                self.tickers.subscribed(session, topic)
                self.funding_rates.subscribed(session, topic)
                await self.candles.subscribed(session, topic)
                self.derivatives.subscribed(session, topic)
                await self.private.subscribed(session, topic)
                if self.positions is not None:
                    await self.positions.subscribed(session, topic)
            else:
                self.registry.unsubscribe(session, topic)
                session.send(ack(event, topic.echo, session.conn_id, request.id))
                self.market.unsubscribed(session.environment)
                if not session.on_channel(topic.channel):
                    await self._give_back(session, topic.channel)

    async def _over_private_cap(self, session: Session, topic: Topic) -> bool:
        """A new connection on a private channel its account already has `MAX_PRIVATE_CONNS` on:
        this process's sessions, or with shared slots (`ctx.slots`) every process's."""
        principal = session.principal
        if principal is None or topic.channel not in COUNTED_CHANNELS:
            return False
        if session.on_channel(topic.channel):
            return False  # this connection is already counted
        slots = self.ctx.slots
        if slots is not None:
            key = f"{session.environment.value}:{principal.user_id}:{topic.channel}"
            try:
                count = await slots.take(key, session.conn_id, MAX_PRIVATE_CONNS)
            except Exception:  # Redis away: the cap falls back to this process's own sessions
                log.warning("shared WebSocket connection slots unreachable", exc_info=True)
            else:
                if count is not None:
                    session.slots[topic.channel] = (key, count)
                return count is None
        on_channel = self.registry.count_on(session.environment, principal.user_id, topic.channel)
        return on_channel >= MAX_PRIVATE_CONNS

    async def _give_back(self, session: Session, channel: str) -> None:
        held = session.slots.pop(channel, None)
        if held is not None and self.ctx.slots is not None:
            try:
                await self.ctx.slots.give_back(held[0], session.conn_id)
            except Exception:  # it lapses on its own (`conn_slots.TTL_MS`)
                log.warning("giving back a WebSocket connection slot failed", exc_info=True)

    async def _refresh_slots(self) -> None:
        slots = self.ctx.slots
        held = [(key, s.conn_id) for s in self.registry.sessions.values() for key, _ in s.slots.values()]
        if slots is not None and held:
            try:
                await slots.refresh(held)
            except Exception:  # the next round tries again, well before the slots lapse
                log.warning("refreshing WebSocket connection slots failed", exc_info=True)

    # --- trading ---------------------------------------------------------------------------------
    async def _trade(self, session: Session, request: WsRequest) -> None:
        if session.kind is not Kind.PRIVATE:
            session.send(error_event(WsError(WsCode.OP_NOT_ON_URL), session.conn_id, request.id))
        elif request.id is None:
            session.send(error_event(WsError.of(WsCode.PARAM_EMPTY, field="id"), session.conn_id))
        elif session.principal is None:
            session.send(error_event(WsError(WsCode.LOGIN_REQUIRED), session.conn_id, request.id))
        else:
            reply = await self.ops.run(request, session.principal, session.ip)
            self.pusher.send(session, request.op, reply)

    # --- budgets ---------------------------------------------------------------------------------
    async def _over_budget(self, session: Session) -> bool:
        limits = self.ctx.rate_limits
        if limits is None or not limits.enabled:
            return False
        route = route_for_ws_op("subscribe")
        refused = await limits.check(route, ip=session.ip, uid=None, conn_id=session.conn_id)
        return refused is not None

    async def _too_many_connections(self, ip: str) -> bool:
        limits = self.ctx.rate_limits
        if limits is None or not limits.enabled:
            return False
        return await limits.check("WS connect", ip=ip, uid=None) is not None


def _connection_asks_for_demo(websocket: WebSocket) -> bool:
    return (
        asks_for_demo(websocket.headers.get(DEMO_HEADER))
        or websocket.query_params.get("brokerId") == DEMO_BROKER_ID
    )


def _text(value: Any) -> str:
    """A login field as text: python-okx sends the timestamp as a JSON integer."""
    if value is None or isinstance(value, bool):
        return ""
    return value if isinstance(value, str) else str(value)


async def _deny(websocket: WebSocket) -> None:
    """Too many new connections from this IP: HTTP 429 with OKX's rate-limit body, before the upgrade."""
    try:
        await websocket.send_denial_response(fail(Rejected.of(Reason.RATE_LIMITED)))
    except RuntimeError:  # the server cannot send an HTTP answer to an upgrade: refuse the handshake
        await websocket.close(1013)
