"""The built-in market maker and taker flow: a living market on every instrument, live and demo.

Every step (`tick_ms`, default 1 s, or at once after a control change) the reference prices move
(`MarketBoard.step`) and, per environment and instrument, the maker brings its quotes to the
ladder around the reference (`plan_quotes`: usually nothing, else one amend per side) and the
flow may send a taker IOC. Everything goes through `TradingService` like any user's orders, from
sandex's own users (`market-maker`, `market-flow`: no email, no password, frozen, so nobody can
log in as them or hold keys for them), so every fill obeys the same rules, moves real balances
and conservation holds; they are funded by ordinary deposits, topped up when they run low.

Swaps are quoted and taken like spot pairs, by the same accounts in Futures mode (`acctLv` 2, set
once per environment) with cross margin at the default leverage, funded in USDT far beyond what
their positions need, so the market's own accounts are never liquidated in practice. Sizes come
from the same notionals (a contract is worth `ct_val` of the coin).

All books' commands of a step are submitted together, so the sequencer commits them in a few
group commits. Given a seed, a run without other traders produces the same trades every time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Protocol, TypeVar

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import Clock
from sandex.domain.derivatives.contracts import AcctLv, MgnMode
from sandex.domain.errors import Reason, Rejected
from sandex.domain.instruments import Catalogue, Instrument
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.simulation.flow import FlowParams, Taker, next_taker
from sandex.domain.simulation.quoting import (
    Grid,
    Ladder,
    QuoteParams,
    QuotePlan,
    ladder,
    make_grid,
    plan_quotes,
    unit_value,
)
from sandex.domain.trading.commands import AmendSpec, CancelSpec, OrderSpec
from sandex.runtime.marks import MarkFeed
from sandex.services.exchange.commands import CommandBus, OrderAck
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.swap_commands import SetAccountLevel
from sandex.services.marketdata.ports import MarketStore
from sandex.services.marketdata.venue import CoreVenue
from sandex.services.simulation.board import MarketBoard
from sandex.services.trading.service import TradingService
from sandex.services.trading.views import MAX_BATCH, Trader

log = logging.getLogger("sandex.marketmaker")

T = TypeVar("T")
MAKER, FLOW = "market-maker", "market-flow"
REGRID_MOVE = Decimal("0.25")  # rebuild an instrument's grid once the price moved 25 % from its anchor
MAKER_RESERVE = 6  # the maker holds this many times its quoted size in each currency
FLOW_RESERVE = 200  # the flow holds this many median taker sizes per instrument


@dataclass(frozen=True, slots=True)
class MakerSettings:
    tick_ms: int = 1000
    quotes: QuoteParams = field(default_factory=QuoteParams)
    flow: FlowParams = field(default_factory=FlowParams)
    environments: tuple[Environment, ...] = (Environment.LIVE, Environment.DEMO)
    top_up_every: int = 30  # steps between balance checks
    trade_swaps: bool = True  # quote and take swaps too (Futures mode, cross margin)


@dataclass(slots=True)
class _Desk:
    """The maker's and the flow's accounts in one environment."""

    maker: Trader
    flow: Trader
    maker_account: int
    flow_account: int


@dataclass(slots=True)
class _GridState:
    version: int
    anchor: Decimal
    grid: Grid


class MarketMaker:
    def __init__(
        self,
        board: MarketBoard,
        trading: TradingService,
        venue: CoreVenue,
        store: MarketStore,
        accounts: AccountIds,
        catalogue: Catalogue,
        clock: Clock,
        settings: MakerSettings | None = None,
        marks: MarkFeed | None = None,
        bus: CommandBus | None = None,
    ) -> None:
        self._board = board
        self._marks = marks
        self._bus = bus  # account settings (Futures mode for swaps); None: no swaps traded
        self._trading = trading
        self._venue = venue
        self._store = store
        self._accounts = accounts
        self._catalogue = catalogue
        self._clock = clock
        self.settings = settings or MakerSettings()
        self._desks: dict[Environment, _Desk] = {}
        self._grids: dict[str, _GridState] = {}
        self._steps = 0
        self._short: set[Environment] = set()  # environments where an order lacked funds: top up now
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    # --- life cycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="sandex-marketmaker")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    def wake(self) -> None:
        """Step now (a control changed the market)."""
        self._wake.set()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """No step runs inside; afterwards accounts and grids are looked up again (state was reset)."""
        async with self._lock:
            try:
                yield
            finally:
                self.forget()

    def forget(self) -> None:
        self._desks.clear()
        self._grids.clear()
        self._short.clear()
        self._steps = 0

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            started = loop.time()
            try:
                await self.step()
            except Exception:  # the market must keep living: log, and try again next step
                log.exception("market maker step failed")
            timeout = max(0.0, self.settings.tick_ms / 1000 - (loop.time() - started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()

    # --- one step --------------------------------------------------------------------------------
    async def step(self) -> None:
        """Move the reference prices, then re-quote every book and send this step's takers."""
        async with self._lock:
            self._board.step(self.settings.tick_ms, self._clock.now_ms())
            envs = self.settings.environments
            desks = {env: desk for env in envs if (desk := await self._desk(env)) is not None}
            books = [
                self._book(desk, env, inst_id) for env, desk in desks.items() for inst_id in self._traded()
            ]
            await asyncio.gather(*books)
            if self._marks is not None:  # after the books moved: the mids are this step's
                await self._marks.publish()
            self._steps += 1
            due = self._steps % self.settings.top_up_every == 0
            short, self._short = self._short, set()
            await asyncio.gather(*(self._top_up(d, env) for env, d in desks.items() if due or env in short))

    def _traded(self) -> list[str]:
        """The instruments the maker quotes: every spot pair, and the swaps when it trades them."""
        board = self._board
        return [i for i in board.inst_ids if self._swaps_on or board.contract(i) is None]

    @property
    def _swaps_on(self) -> bool:
        return self.settings.trade_swaps and self._bus is not None

    async def _book(self, desk: _Desk, env: Environment, inst_id: str) -> None:
        inst = self._catalogue.instruments[inst_id]
        board = self._board
        controls, path = board.controls(inst_id), board.path(inst_id)
        grid = self._grid(inst)
        halted = inst_id in board.halted
        if halted:
            want = Ladder()
        else:
            drained = controls.drained
            want = ladder(grid, path.exact_ticks, bids=Side.BUY not in drained, asks=Side.SELL not in drained)
        own = self._venue.own_orders(env, desk.maker_account, inst_id)
        plan = plan_quotes(want, own, self.settings.quotes.refresh_below)
        taker = None
        if not (halted or board.frozen):
            stream = board.stream(f"flow:{env.value}:{inst_id}")
            taker = next_taker(stream, self.settings.flow, inst, grid, path.ticks, self.settings.tick_ms)
        await self._run_plan(desk, inst, plan, taker)

    def _grid(self, inst: Instrument) -> Grid:
        """The instrument's grid, rebuilt after a control change or a large move of the price."""
        inst_id = inst.inst_id
        version, px = self._board.version(inst_id), self._board.path(inst_id).px
        state = self._grids.get(inst_id)
        if state is None or state.version != version or abs(px / state.anchor - 1) > REGRID_MOVE:
            widen = self._board.controls(inst_id).widen
            state = self._grids[inst_id] = _GridState(
                version, px, make_grid(inst, px, self.settings.quotes, widen)
            )
        return state.grid

    # --- accounts and money ----------------------------------------------------------------------
    async def _desk(self, env: Environment) -> _Desk | None:
        """The environment's accounts, funded; None while they cannot be (no sequencer yet)."""
        desk = self._desks.get(env)
        if desk is not None:
            return desk
        now = self._clock.now_ms()
        maker = await asyncio.to_thread(self._store.system_user, MAKER, now)
        flow = await asyncio.to_thread(self._store.system_user, FLOW, now)
        maker_account = await asyncio.to_thread(self._accounts.ensure_account, maker, env, _TRADING, now)
        flow_account = await asyncio.to_thread(self._accounts.ensure_account, flow, env, _TRADING, now)
        desk = _Desk(Trader(maker, env), Trader(flow, env), maker_account, flow_account)
        if self._swaps_on:
            await self._futures_mode(env, (maker_account, flow_account))
        if not await self._top_up(desk, env):  # funded before its first quote, or tried again next step
            return None
        self._desks[env] = desk
        return desk

    async def _futures_mode(self, env: Environment, accounts: Sequence[int]) -> None:
        """Both accounts in Futures mode (swaps need it; spot trades as before; a restart finds
        them there already). Refused (a store from before swaps, with open orders): the swaps'
        orders are refused and the spot pairs trade on."""
        assert self._bus is not None
        for account in accounts:
            done = await self._bus.submit(SetAccountLevel(env, account, AcctLv.FUTURES))
            if isinstance(done, Rejected):
                log.warning("market maker account %d not in Futures mode: %s", account, done.reason.value)

    async def _top_up(self, desk: _Desk, env: Environment) -> bool:
        """Deposit what the maker and the flow need to keep quoting and taking (never below half)."""
        maker: dict[str, Decimal] = {}
        flow: dict[str, Decimal] = {}
        flow_quote = self.settings.flow.notional * FLOW_RESERVE
        for inst_id in self._traded():
            inst = self._catalogue.instruments[inst_id]
            px = self._board.path(inst_id).px
            quoted = sum(self._grid(inst).lots) * inst.lot_sz * MAKER_RESERVE * unit_value(inst)
            if inst.contract is not None:  # margin only, in the settlement currency, at 1x
                _add(maker, inst.quote_ccy, 2 * quoted * px)
                _add(flow, inst.quote_ccy, 2 * flow_quote)
                continue
            _add(maker, inst.base_ccy, quoted)
            _add(maker, inst.quote_ccy, quoted * px)
            _add(flow, inst.base_ccy, flow_quote / px)
            _add(flow, inst.quote_ccy, flow_quote)
        deposits: list[Awaitable[object]] = []
        for trader, account, needs in (
            (desk.maker, desk.maker_account, maker),
            (desk.flow, desk.flow_account, flow),
        ):
            for ccy, target in sorted(needs.items()):
                have = self._venue.available(env, account, ccy)
                if have < target / 2:
                    amount = self._deposit_amount(ccy, target - have)
                    deposits.append(self._trading.deposit(trader.user_id, env, ccy, amount))
        refused = [o for o in await asyncio.gather(*deposits) if isinstance(o, Rejected)]
        if refused:
            log.warning("%d market maker deposits refused (%s)", len(refused), refused[0].reason.value)
        return not refused

    def _deposit_amount(self, ccy: str, amount: Decimal) -> Decimal:
        """`amount` rounded up to what a deposit of `ccy` accepts (its smallest unit)."""
        currency = self._catalogue.currency(ccy)
        decimals = max((c.wd_tick_sz for c in currency.chains), default=8) if currency else 8
        return amount.quantize(Decimal(1).scaleb(-min(decimals, 8)), rounding=ROUND_CEILING)

    # --- commands --------------------------------------------------------------------------------
    def _note(self, desk: _Desk, outcome: object) -> None:
        """Refusals are normal here (an order filled just before its amend): the next step fixes the
        book. One for lack of funds (users bought the maker's inventory) tops the account up."""
        for refused in _refusals(outcome):
            log.debug("market maker command refused: %s", refused.reason.value)
            if refused.reason is Reason.INSUFFICIENT_BALANCE:
                self._short.add(desk.maker.environment)

    async def _run_plan(self, desk: _Desk, inst: Instrument, plan: QuotePlan, taker: Taker | None) -> None:
        tick, lot, inst_id = inst.tick_sz, inst.lot_sz, inst.inst_id
        mode = "cash" if inst.contract is None else MgnMode.CROSS.value
        for chunk in _chunks(plan.cancels):
            self._note(desk, await self._trading.cancel(desk.maker, [CancelSpec(inst_id, i) for i in chunk]))
        for amends in _chunks(plan.amends):
            requests = [
                AmendSpec(inst_id, a.ord_id, new_sz=a.sz * lot, new_px=None if a.px is None else a.px * tick)
                for a in amends
            ]
            self._note(desk, await self._trading.amend(desk.maker, requests))
        for places in _chunks(plan.places):
            orders = [
                OrderSpec(inst_id, p.side, OrdType.LIMIT, p.lots * lot, p.px * tick, td_mode=mode)
                for p in places
            ]
            self._note(desk, await self._trading.place(desk.maker, orders))
        if taker is not None:
            order = OrderSpec(
                inst_id, taker.side, OrdType.IOC, taker.lots * lot, taker.px * tick, td_mode=mode
            )
            self._note(desk, await self._trading.place(desk.flow, [order]))


class AccountIds(Protocol):
    """Ledger accounts by owner (`ExchangeStore` has this)."""

    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int: ...


_TRADING = LedgerAccountKind.TRADING


def _add(needs: dict[str, Decimal], ccy: str, amount: Decimal) -> None:
    needs[ccy] = needs.get(ccy, Decimal(0)) + amount


def _chunks(items: Sequence[T]) -> list[Sequence[T]]:
    return [items[i : i + MAX_BATCH] for i in range(0, len(items), MAX_BATCH)]


def _refusals(outcome: object) -> list[Rejected]:
    if isinstance(outcome, Rejected):
        return [outcome]
    if isinstance(outcome, list):
        return [ack.rejected for ack in outcome if isinstance(ack, OrderAck) and ack.rejected is not None]
    return []
