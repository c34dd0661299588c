"""Matching-engine throughput on exchange-core's published command mix.

    PYTHONPATH=src python bench/bench_engine.py [--commands N] [--seed S] [--repeat R] [--no-gc] [--no-ledger]

The stream is generated first by driving a *shadow* engine (so every cancel/move targets an order
that is really resting), then replayed on a fresh engine and timed: only the replay is measured,
as CPU time of this process (the box may be shared), with the garbage collector on by default.
Mix: 9% GTC limit, 3% IOC, 6% cancel, 82% move (amend price), ~1k resting orders over ~750 price
levels. The same stream is then replayed through the trading façade (rules + ledger + fees).
Untimed checks first: the replay's events must equal the shadow run's (determinism), and the
façade's order events must equal the bare engine's (it makes the same matching decisions).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.ids import SequentialIds
from sandex.domain.instruments import Instrument
from sandex.domain.ledger import Ledger, Posting
from sandex.domain.ledger.amounts import to_amount
from sandex.domain.matching import (
    MatchEvent,
    MatchingEngine,
    NewOrder,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderFilled,
    OrdState,
    OrdType,
    Side,
)
from sandex.domain.trading import AmendSpec, CancelSpec, Event, Exchange, OrderSpec, Trade

CENTER = 1_000_000  # ticks
SPREAD_LEVELS = 1000  # passive orders rest within this many ticks of the centre, on each side
TARGET_RESTING = 1150
ACCOUNTS = 200
PLACE, CANCEL, MOVE = 0, 1, 2

INSTRUMENT = Instrument(
    inst_id="BTC-USDT",
    base_ccy="BTC",
    quote_ccy="USDT",
    tick_sz=Decimal("0.1"),
    lot_sz=Decimal("0.00000001"),
    min_sz=Decimal("0.00000001"),
    ref_px=Decimal(100_000),
    inst_id_code=1,
    list_time_ms=0,
)

Command = tuple[int, int, int, int, int, int, int]  # op, ord_id, account, side(0/1), type(0/1), px, sz


@dataclass
class StreamStats:
    avg_resting: float
    avg_levels: float


class Generator:
    """Builds a valid command stream against a shadow engine (not timed)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.engine = MatchingEngine(INSTRUMENT.inst_id, SequentialIds())
        self.live: list[int] = []
        self.where: dict[int, int] = {}
        self.next_id = 1
        self.events: list[MatchEvent] = []

    def run(self, n: int) -> tuple[list[Command], StreamStats]:
        commands: list[Command] = []
        resting_sum = levels_sum = 0
        for i in range(n):
            cmd = self._next()
            commands.append(cmd)
            events = apply(self.engine, cmd, i)
            self.events.extend(events)
            self._track(events)
            resting_sum += len(self.live)
            levels_sum += len(self.engine.bids) + len(self.engine.asks)
        return commands, StreamStats(resting_sum / n, levels_sum / n)

    def _next(self) -> Command:
        r = self.rng.random()
        if not self.live or r < 0.09:
            return self._place(ioc=False)
        if r < 0.12:
            return self._place(ioc=True)
        ord_id = self.live[self.rng.randrange(len(self.live))]
        order = self.engine.order(ord_id)
        assert order is not None
        if r < 0.18:
            return (CANCEL, ord_id, order.account_id, 0, 0, 0, 0)
        aggressive = self.rng.random() < 0.01
        side = 0 if order.side is Side.BUY else 1
        return (MOVE, ord_id, order.account_id, side, 0, self._price(side, aggressive), 0)

    def _place(self, *, ioc: bool) -> Command:
        side = self.rng.randrange(2)
        # Aggressive when the book is over target, so it stays near ~1k resting orders.
        aggressive = ioc or (len(self.live) > TARGET_RESTING and self.rng.random() < 0.5)
        self.next_id += 1
        account = self.rng.randrange(1, ACCOUNTS + 1)
        sz = self.rng.randint(1, 20) * 1000
        return (PLACE, self.next_id, account, side, 1 if ioc else 0, self._price(side, aggressive), sz)

    def _price(self, side: int, aggressive: bool) -> int:
        offset = self.rng.randrange(8) if aggressive else -self.rng.randrange(1, SPREAD_LEVELS)
        return CENTER + offset if side == 0 else CENTER - offset

    def _track(self, events: list[MatchEvent]) -> None:
        for ev in events:
            if isinstance(ev, OrderAccepted | OrderAmended | OrderFilled | OrderCanceled):
                snap = ev.order
                if snap.state in (OrdState.FILLED, OrdState.CANCELED):
                    self._drop(snap.ord_id)
        for ev in events:
            if isinstance(ev, OrderAccepted) and self.engine.order(ev.order.ord_id) is not None:
                self._add(ev.order.ord_id)

    def _add(self, ord_id: int) -> None:
        self.where[ord_id] = len(self.live)
        self.live.append(ord_id)

    def _drop(self, ord_id: int) -> None:
        pos = self.where.pop(ord_id, None)
        if pos is None:
            return
        last = self.live.pop()
        if last != ord_id:
            self.live[pos] = last
            self.where[last] = pos


def apply(engine: MatchingEngine, cmd: Command, ts: int) -> list[MatchEvent]:
    op, ord_id, account, side, kind, px, sz = cmd
    if op == PLACE:
        req = NewOrder(
            account, Side.SELL if side else Side.BUY, OrdType.IOC if kind else OrdType.LIMIT, sz, px
        )
        return engine.place(ord_id, req, ts)
    if op == CANCEL:
        return engine.cancel(account, ord_id, ts)
    return engine.amend(account, ord_id, None, px, ts)


def replay_engine(commands: list[Command], sink: list[MatchEvent] | None = None) -> float:
    """Replay on a fresh engine; seconds taken. Events are dropped unless a `sink` is given."""
    engine = MatchingEngine(INSTRUMENT.inst_id, SequentialIds())
    place, cancel, amend = engine.place, engine.cancel, engine.amend
    sides = (Side.BUY, Side.SELL)
    kinds = (OrdType.LIMIT, OrdType.IOC)
    keep: Callable[[list[MatchEvent]], None] = (lambda events: None) if sink is None else sink.extend
    start = time.process_time()
    for ts, (op, ord_id, account, side, kind, px, sz) in enumerate(commands):
        if op == MOVE:
            keep(amend(account, ord_id, None, px, ts))
        elif op == PLACE:
            keep(place(ord_id, NewOrder(account, sides[side], kinds[kind], sz, px), ts))
        else:
            keep(cancel(account, ord_id, ts))
    return time.process_time() - start


def exchange_commands(commands: list[Command]) -> list[tuple[int, int, OrderSpec | CancelSpec | AmendSpec]]:
    """The same stream as façade commands (decimal prices/sizes), built before timing."""
    tick, lot = INSTRUMENT.tick_sz, INSTRUMENT.lot_sz
    sides = (Side.BUY, Side.SELL)
    kinds = (OrdType.LIMIT, OrdType.IOC)
    inst = INSTRUMENT.inst_id
    out: list[tuple[int, int, OrderSpec | CancelSpec | AmendSpec]] = []
    for op, ord_id, account, side, kind, px, sz in commands:
        if op == PLACE:
            out.append((op, account, OrderSpec(inst, sides[side], kinds[kind], sz * lot, px * tick)))
        elif op == CANCEL:
            out.append((op, account, CancelSpec(inst, ord_id)))
        else:
            out.append((op, account, AmendSpec(inst, ord_id, new_px=px * tick)))
    return out


def replay_exchange(commands: list[Command], sink: list[Event] | None = None) -> float:
    """Replay through the façade; CPU seconds taken. Events are dropped unless a `sink` is given."""
    ledger = Ledger()
    for account in range(1, ACCOUNTS + 1):
        for ccy, amount in (("BTC", "1000000"), ("USDT", "100000000000")):
            units = to_amount(Decimal(amount))
            assert units is not None
            ledger.deposit(account, ccy, units, ref=account)
    x = Exchange([INSTRUMENT], ledger, order_ids=SequentialIds(2), trade_ids=SequentialIds())
    calls = exchange_commands(commands)
    keep: Callable[[list[Event]], None] = (lambda events: None) if sink is None else sink.extend
    start = time.process_time()
    for ts, (op, account, cmd) in enumerate(calls):
        if op == MOVE:
            keep(x.amend(account, cmd, ts))  # type: ignore[arg-type]
        elif op == PLACE:
            keep(x.place(account, cmd, ts))  # type: ignore[arg-type]
        else:
            keep(x.cancel(account, cmd, ts))  # type: ignore[arg-type]
    elapsed = time.process_time() - start
    assert x.reserved() == {(r.account_id, r.ccy): r.frozen for r in ledger.rows() if r.frozen}
    return elapsed


def measure(run: Callable[[], float], repeat: int, use_gc: bool) -> tuple[float, float]:
    """(best, median) seconds over `repeat` runs."""
    times = []
    for _ in range(repeat):
        gc.collect()
        if not use_gc:
            gc.disable()
        try:
            times.append(run())
        finally:
            gc.enable()
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-gc", action="store_true", help="disable the cyclic GC while timing")
    parser.add_argument("--no-ledger", action="store_true")
    args = parser.parse_args()
    gen = Generator(args.seed)
    commands, stats = gen.run(args.commands)
    replayed: list[MatchEvent] = []
    replay_engine(commands, replayed)
    assert replayed == gen.events, "replay diverged: the engine is not deterministic"
    if not args.no_ledger:  # the façade must make exactly the same matching decisions
        through: list[Event] = []
        replay_exchange(commands, through)
        unsettled = [e.fill if isinstance(e, Trade) else e for e in through if not isinstance(e, Posting)]
        assert unsettled == gen.events, "the façade diverged from the bare engine"
        del through, unsettled
    del replayed, gen
    n = len(commands)
    best, median = measure(lambda: replay_engine(commands), args.repeat, not args.no_gc)
    print(
        f"engine only: {n / best:,.0f} commands/s best, {n / median:,.0f} median of {args.repeat} "
        f"({n:,} commands; avg {stats.avg_resting:,.0f} resting orders on {stats.avg_levels:,.0f} levels; "
        f"gc {'off' if args.no_gc else 'on'})"
    )
    if not args.no_ledger:
        best, median = measure(lambda: replay_exchange(commands), args.repeat, not args.no_gc)
        print(
            f"with ledger: {n / best:,.0f} commands/s best, {n / median:,.0f} median "
            "(Exchange façade: decimal rules, freeze/release, settlement, fees, postings)"
        )


if __name__ == "__main__":
    main()
