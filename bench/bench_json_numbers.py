"""What reading request bodies with exact numbers costs, beside orjson alone.

    python bench/bench_json_numbers.py [--rounds N]

`exact_json.loads` is orjson plus a walk over the parsed values looking for a float; only a body
that holds a JSON number with a fraction or an exponent is read a second time (stdlib json, every
fraction a Decimal). Timed: a python-okx/ccxt single order and a 20-item batch (strings: the common
path), and the same single order with JSON numbers (the rare path). Also `parse_decimal` on a
typical price, with the magnitude bounds, beside a bare `Decimal(text)`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from decimal import Decimal

import orjson

from sandex.domain.money import parse_decimal
from sandex.transport.okx import exact_json

ORDER = {
    "instId": "BTC-USDT",
    "tdMode": "cash",
    "side": "buy",
    "ordType": "limit",
    "sz": "0.01",
    "px": "20000",
    "clOrdId": "bot123",
    "tag": "",
    "posSide": "",
    "reduceOnly": "",
    "tgtCcy": "",
    "stpMode": "",
    "attachAlgoOrds": None,
}
SINGLE = json.dumps(ORDER).encode()
BATCH = json.dumps([ORDER] * 20).encode()
NUMBERS = json.dumps({**ORDER, "sz": 0.01, "px": 20000.5}).encode()


def per_call_us(fn: Callable[[], object], rounds: int) -> float:
    fn()
    best = float("inf")
    for _ in range(5):  # the best of five runs: the least disturbed by the rest of the machine
        start = time.perf_counter()
        for _ in range(rounds):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20_000)
    rounds = parser.parse_args().rounds
    rows = [
        ("single order, strings", SINGLE),
        ("batch of 20, strings", BATCH),
        ("single order, JSON numbers", NUMBERS),
    ]
    print(f"{'body':32} {'orjson.loads':>14} {'exact_json.loads':>18}")
    for name, body in rows:
        plain = per_call_us(lambda body=body: orjson.loads(body), rounds)  # type: ignore[misc]
        exact = per_call_us(lambda body=body: exact_json.loads(body), rounds)  # type: ignore[misc]
        print(f"{name:32} {plain:11.2f} µs {exact:15.2f} µs")
    bare = per_call_us(lambda: Decimal("20000.5"), rounds)
    ruled = per_call_us(lambda: parse_decimal("20000.5"), rounds)
    print(f"{'Decimal(text) / parse_decimal':32} {bare:11.2f} µs {ruled:15.2f} µs")


if __name__ == "__main__":
    main()
