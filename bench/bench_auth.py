"""Signed-request authentication cost on a cache hit, beside the bare HMAC it cannot avoid.

    python bench/bench_auth.py [--requests N]

Builds a throw-away sandex runtime (SQLite in a temp dir), creates a user and an IP-bound trade key,
warms the cache with one request (argon2 and the database are paid once), then times
`AuthService.authenticate` on a typical signed POST: every check in OKX's order (headers, timestamp
format and window, key format and lookup, state, expiry incl. the 14-day rule, owner, environment,
IP allow-list, passphrase, signature, permission) plus recording the use. Target: under 50 µs.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sandex.config import Settings
from sandex.domain.errors import Rejected
from sandex.domain.keys import signing
from sandex.domain.keys.model import Permission
from sandex.domain.keys.policy import SignedRequest
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.process import open_runtime
from sandex.services.keys.auth import Principal

TARGET = b"/api/v5/trade/order"
BODY = b'{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"65000","sz":"0.01"}'
TARGET_US = 50.0


def per_call_us(fn: Callable[[], object], n: int) -> float:
    gc.disable()
    try:
        started = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - started) / n * 1e6
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    n = parser.parse_args().requests
    with tempfile.TemporaryDirectory() as tmp:
        runtime = open_runtime(Settings(data_dir=Path(tmp), rate_limits="off"))
        user = runtime.accounts.register("bench@example.test", "Correct-Horse-9")
        assert not isinstance(user, Rejected)
        request = CreateKeyRequest("bench", "Sandex#2026", "read_only,trade", "203.0.113.7")
        created = runtime.keys.keys.create(user.id, request)
        assert not isinstance(created, Rejected)
        auth = runtime.keys.auth
        timestamp = format_rest_timestamp(runtime.clock.now_ms())
        signed = SignedRequest(
            api_key=created.info.api_key,
            sign=signing.sign(created.secret, signing.prehash(timestamp, "POST", TARGET, BODY)),
            timestamp=timestamp,
            passphrase=created.passphrase,
            method="POST",
            raw_target=TARGET,
            body=BODY,
            client_ip="203.0.113.7",
            demo=False,
            required_perm=Permission.TRADE,
        )
        started = time.perf_counter()
        assert isinstance(auth.authenticate(signed), Principal)  # cold: database + argon2
        cold_ms = (time.perf_counter() - started) * 1000
        auth.poll_changes()
        full = per_call_us(lambda: auth.authenticate(signed), n)
        assert isinstance(auth.authenticate(signed), Principal)
        secret = created.secret.encode()
        message = signing.prehash(timestamp, "POST", TARGET, BODY)
        bare = per_call_us(lambda: hmac.new(secret, message, hashlib.sha256).digest(), n)
        runtime.engine.dispose()
    print(f"first request (database + argon2): {cold_ms:8.2f} ms")
    print(f"full auth check on a cache hit:    {full:8.2f} µs per request  (target < {TARGET_US:.0f} µs)")
    print(f"bare HMAC-SHA256 of the prehash:   {bare:8.2f} µs per request")
    print(f"overhead over the HMAC:            {full - bare:8.2f} µs")


if __name__ == "__main__":
    main()
