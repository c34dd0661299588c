"""How long the control API's reset takes between two tests: the pytest plugin's per-test cost.

    python bench/bench_reset.py [--rounds N] [--users U] [--orders O] [--database-url URL] [--market]

Starts a real server in a thread (as the `sandex_server` fixture does), then per round: builds the
state a typical test leaves behind (U users, each with a sub-account, two keys, three deposits and O
resting orders, one injected fault, a moved clock), and times `POST /sandex/v1/reset` as the client
sees it (HTTP round trip included) and as the server reports it (`took_ms`). Target: under 50 ms.
As under the plugin, the built-in market maker is off unless `--market` (its trades add rows to
delete and its state must be reloaded).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sandex.client import ControlClient, OkxClient
from sandex.config import Settings
from sandex.testing.server import serve_in_thread


def _leave_state(control: ControlClient, base_url: str, users: int, orders: int) -> None:
    for n in range(users):
        user = control.create_user(f"user{n}@bench.test")
        control.create_subaccount(user.uid, f"bench{n:05d}")
        key = control.create_key(user.uid, perm="read_only,trade", ip="127.0.0.1")
        control.create_key(user.uid, perm="read_only")
        for ccy, amount in (("USDT", "100000"), ("BTC", "10"), ("ETH", "100")):
            control.deposit(user.uid, ccy, amount)
        with OkxClient(base_url, key.credentials) as okx:
            for i in range(orders):
                okx.place_order("BTC-USDT", "buy", "limit", "0.001", px=str(20_000 + n * 100 + i))
    control.inject_error("50001", route="/api/v5/market/*")
    control.advance_clock(days=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--users", type=int, default=2)
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--market", action="store_true", help="run the built-in market maker")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data", database_url=args.database_url, rate_limits="off", market=args.market
        )
        with (
            serve_in_thread(settings) as server,
            ControlClient(server.base_url, server.runtime.admin_token) as c,
        ):
            c.reset()  # the first reset also reflects the schema: not what a test pays
            client_ms, server_ms = [], []
            for _ in range(args.rounds):
                _leave_state(c, server.base_url, args.users, args.orders)
                started = time.perf_counter()
                server_ms.append(c.reset())
                client_ms.append((time.perf_counter() - started) * 1000)
                assert not [user for user in c.list_users() if user.email]  # the market's own users stay
    backend = "PostgreSQL" if args.database_url else "SQLite"
    maker = "market maker on" if args.market else "market maker off"
    print(f"reset after {args.users} users x {args.orders} orders, {args.rounds} rounds, {backend}, {maker}:")
    for name, values in (("client (HTTP round trip)", client_ms), ("server (took_ms)", server_ms)):
        ordered = sorted(values)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        median = statistics.median(values)
        print(f"  {name:26} median {median:6.1f} ms   p95 {p95:6.1f} ms   max {max(values):6.1f} ms")


if __name__ == "__main__":
    main()
