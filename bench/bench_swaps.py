"""Swap order cost in the pure exchange, beside the same flow on a spot pair.

    PYTHONPATH=src python bench/bench_swaps.py [--orders N] [--accounts A] [--repeat R] [--seed S]

One seeded stream of limit orders around a fixed price, replayed on a fresh `Exchange` per run:
each order either rests or crosses resting ones, so positions open, grow, shrink, close and flip
(net mode, cross margin at 10x) with margin, PnL and fees booked on every fill. The same stream
runs on `BTC-USDT` (spot, sizes scaled to coins) as the yardstick. Measured: CPU time of this
process per placed order (median of the runs), and untimed checks after each swap run: per
currency the ledger sums to the deposits (clearing, insurance and fee accounts included), frozen
funds equal what resting orders need, longs equal shorts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.derivatives.contracts import AcctLv, ContractSpec, CtType, PosMode, Tier
from sandex.domain.derivatives.positions import AccountSettings
from sandex.domain.ids import SequentialIds
from sandex.domain.instruments import Instrument
from sandex.domain.ledger.amounts import to_amount
from sandex.domain.ledger.balances import Ledger
from sandex.domain.ledger.fees import FeeSchedule, FeeTier
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading import Exchange, OrderSpec

D = Decimal
PX = 50_000
FEE_ACCOUNT, CLEARING, INSURANCE = 0, 1, 2
TIERS = (Tier(1, D(0), D(1_000_000), D("0.004"), D("0.01"), D(100)),)
CONTRACT = ContractSpec("BTC-USDT", D("0.01"), D(1), "BTC", "USDT", CtType.LINEAR, D(100), TIERS, "BTC-USDT")
LOT = D("0.01")  # contracts
SWAP = Instrument("BTC-USDT-SWAP", "BTC", "USDT", D("0.1"), LOT, LOT, D(PX), 1, 0, contract=CONTRACT)
SPOT = Instrument("BTC-USDT", "BTC", "USDT", D("0.1"), D("0.0001"), D("0.0001"), D(PX), 2, 0)


@dataclass(frozen=True, slots=True)
class Step:
    account: int
    side: Side
    contracts: int  # hundredths of a contract (lots)
    px: Decimal


def stream(orders: int, accounts: int, seed: int) -> list[Step]:
    rng = random.Random(seed)
    out = []
    for _ in range(orders):
        side = rng.choice((Side.BUY, Side.SELL))
        offset = rng.randint(-20, 20) * D("0.1")  # within 2 USDT of the price: many cross
        out.append(Step(rng.randrange(accounts) + 10, side, rng.randint(1, 200), D(PX) + offset))
    return out


def exchange(inst: Instrument, accounts: int) -> Exchange:
    swap = inst.contract is not None
    x = Exchange(
        [inst],
        Ledger(fee_account=FEE_ACCOUNT, overdraft=frozenset({CLEARING, INSURANCE}) if swap else frozenset()),
        order_ids=SequentialIds(1000),
        trade_ids=SequentialIds(1),
        fees=FeeSchedule(FeeTier(D("0.0002"), D("0.0005"))),
        clearing_account=CLEARING,
        insurance_account=INSURANCE,
    )
    for account in range(10, 10 + accounts):
        for ccy, amount in (("USDT", "100000000"), ("BTC", "1000")):
            units = to_amount(D(amount))
            assert units is not None
            x.ledger.deposit(account, ccy, units, ref=account)
        if swap:
            x.swaps.book.settings[account] = AccountSettings(AcctLv.FUTURES, PosMode.NET)
    return x


def spec_of(step: Step, swap: bool) -> OrderSpec:
    size = D(step.contracts) / 100  # contracts (swap) or 0.01-contract-sized coins (spot)
    sz = size if swap else size * D("0.01")
    td_mode = "cross" if swap else "cash"
    return OrderSpec(
        SWAP.inst_id if swap else SPOT.inst_id, step.side, OrdType.LIMIT, sz, step.px, td_mode=td_mode
    )


def run(inst: Instrument, steps: list[Step], accounts: int) -> tuple[float, Exchange]:
    swap = inst.contract is not None
    x = exchange(inst, accounts)
    specs = [(s.account, spec_of(s, swap)) for s in steps]
    start = time.process_time()
    for ts, (account, spec) in enumerate(specs):
        x.place(account, spec, ts)
    return time.process_time() - start, x


def check(x: Exchange) -> None:
    for ccy in x.ledger.currencies():
        assert x.ledger.total(ccy) == x.ledger.net_external(ccy), f"{ccy} is not conserved"
    frozen = {(a, c): v.frozen for a in range(10, 400) for c, v in x.ledger.balances(a).items() if v.frozen}
    assert frozen == x.reserved(), "frozen funds differ from what resting orders need"
    net = sum(p.pos for p in x.swaps.book.positions.values())
    assert net == 0, f"longs and shorts differ by {net} lots"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    steps = stream(args.orders, args.accounts, args.seed)
    for inst in (SPOT, SWAP):
        times = []
        for _ in range(args.repeat):
            seconds, x = run(inst, steps, args.accounts)
            times.append(seconds)
            if inst.contract is not None:
                check(x)
        per = statistics.median(times) / args.orders * 1e6
        print(f"{inst.inst_id:14} {per:7.1f} µs CPU per order (median of {args.repeat})")
        if inst.contract is not None:
            live = sum(1 for p in x.swaps.book.positions.values() if p.pos)
            print(f"{'':14} {live} positions open at the end; conservation and reservations checked")


if __name__ == "__main__":
    main()
