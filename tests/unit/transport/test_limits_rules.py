"""OKX budgets: which route draws on which bucket, scaling, and the refusals' wire form."""

from __future__ import annotations

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.runtime.ratelimit import MemoryLimiter
from sandex.testing.clock import ManualClock
from sandex.transport.okx.envelope import fail
from sandex.transport.okx.ratelimits.budgets import RateLimits, parse_scale
from sandex.transport.okx.ratelimits.rules import (
    DEFAULT_RULE,
    RULES,
    Per,
    Rule,
    Who,
    route_for_ws_op,
    rule_for,
)

TIME = "GET /api/v5/public/time"
PLACE = "POST /api/v5/trade/order"
BATCH = "POST /api/v5/trade/batch-orders"
LIMITED = Rejected.of(Reason.RATE_LIMITED)


def limits(mode: str = "okx") -> tuple[RateLimits, ManualClock]:
    clock = ManualClock()
    return RateLimits.from_mode(mode, MemoryLimiter(), clock), clock


async def allowed(
    rl: RateLimits,
    route: str,
    n: int,
    *,
    ip: str = "1.2.3.4",
    uid: int | None = None,
    inst_id: str | None = None,
    inst_type: str | None = None,
    ccy: str | None = None,
    conn_id: str | None = None,
    cost: int = 1,
) -> int:
    """How many of n identical checks passed (every refusal must be 50011)."""
    who = {"inst_id": inst_id, "inst_type": inst_type, "ccy": ccy, "conn_id": conn_id}
    user = str(uid) if uid is not None else None
    results = [await rl.check(route, ip=ip, uid=user, cost=cost, **who) for _ in range(n)]
    assert all(r == LIMITED for r in results if r is not None)
    return results.count(None)


async def test_public_time_is_10_per_2s_per_ip() -> None:
    rl, clock = limits()
    assert await allowed(rl, TIME, 11) == 10
    assert await allowed(rl, TIME, 10, ip="5.6.7.8") == 10
    clock.advance(ms=1999)
    assert await allowed(rl, TIME, 1) == 0
    clock.advance(ms=1)
    assert await allowed(rl, TIME, 11) == 10


def test_a_breach_is_a_bare_429_with_code_50011() -> None:
    response = fail(LIMITED)
    assert response.status_code == 429
    assert response.body == b'{"msg":"Too Many Requests","code":"50011"}'


async def test_scaling_multiplies_every_limit() -> None:
    assert await allowed(limits("x2")[0], TIME, 30) == 20
    assert await allowed(limits("x0.5")[0], TIME, 30) == 5
    assert await allowed(limits("x0.01")[0], TIME, 30) == 1  # never below one request


class _Untouchable:
    async def try_acquire(self, key: str, cost: int, limit: int, window_ms: int, now_ms: int) -> bool:
        raise AssertionError("off must not consult the limiter")

    async def ready(self) -> None:
        raise AssertionError("off must not need the limiter's store")

    async def aclose(self) -> None:
        return None


async def test_off_never_limits_and_never_touches_the_limiter() -> None:
    rl = RateLimits.from_mode("off", _Untouchable(), ManualClock())
    await rl.start()
    assert not rl.enabled
    assert await allowed(rl, TIME, 100) == 100
    assert await rl.check_subaccount_orders("1", 5000) is None
    assert await rl.check_orders(BATCH, ip="1.2.3.4", uid="1", inst_ids=["BTC-USDT"] * 20) is None


@pytest.mark.parametrize("mode", ["", "x", "x0", "x-1", "xabc", "OKX", "on"])
def test_bad_modes_are_refused(mode: str) -> None:
    with pytest.raises(ValueError, match="off, okx or xN"):
        parse_scale(mode)


def test_modes() -> None:
    assert parse_scale("off") is None
    assert parse_scale("okx") == 1.0
    assert parse_scale("x10") == 10.0


async def test_instruments_are_limited_per_ip_and_inst_type() -> None:
    rl, _ = limits()
    route = "GET /api/v5/public/instruments"
    assert await allowed(rl, route, 21, inst_type="SPOT") == 20
    assert await allowed(rl, route, 20, inst_type="SWAP") == 20


async def test_trading_is_per_uid_and_instrument_with_separate_place_amend_cancel() -> None:
    rl, _ = limits()
    assert await allowed(rl, PLACE, 61, uid=7, inst_id="BTC-USDT") == 60
    assert await allowed(rl, PLACE, 60, uid=7, inst_id="ETH-USDT") == 60
    assert await allowed(rl, PLACE, 60, uid=8, inst_id="BTC-USDT") == 60
    assert await allowed(rl, PLACE, 1, uid=7, inst_id="BTC-USDT", ip="9.9.9.9") == 0  # UID, not IP
    assert await allowed(rl, "POST /api/v5/trade/amend-order", 60, uid=7, inst_id="BTC-USDT") == 60
    assert await allowed(rl, "POST /api/v5/trade/cancel-order", 60, uid=7, inst_id="BTC-USDT") == 60


async def test_ws_ops_share_the_rest_budget() -> None:
    rl, _ = limits()
    assert route_for_ws_op("order") == PLACE
    assert route_for_ws_op("batch-cancel-orders") == "POST /api/v5/trade/cancel-batch-orders"
    assert await allowed(rl, PLACE, 30, uid=7, inst_id="BTC-USDT") == 30
    assert await allowed(rl, route_for_ws_op("order"), 31, uid=7, inst_id="BTC-USDT") == 30


async def test_batches_count_orders_and_a_single_order_batch_uses_the_single_budget() -> None:
    rl, _ = limits()
    assert await allowed(rl, BATCH, 16, uid=7, inst_id="BTC-USDT", cost=20) == 15  # 300 orders / 2 s
    assert await allowed(rl, BATCH, 60, uid=7, inst_id="ETH-USDT", cost=1) == 60
    assert await allowed(rl, PLACE, 1, uid=7, inst_id="ETH-USDT") == 0  # those 60 were single orders


async def test_check_orders_groups_a_batch_by_instrument() -> None:
    rl, _ = limits()
    batch = ["BTC-USDT"] * 15 + ["ETH-USDT"] * 5
    for _ in range(20):  # 20 x 15 = 300 BTC orders
        assert await rl.check_orders(BATCH, ip="1.2.3.4", uid="7", inst_ids=batch) is None
    assert await rl.check_orders(BATCH, ip="1.2.3.4", uid="7", inst_ids=batch) == LIMITED
    assert await rl.check_orders(BATCH, ip="1.2.3.4", uid="7", inst_ids=["ETH-USDT"] * 10) is None
    assert await rl.check_orders(PLACE, ip="1.2.3.4", uid="7", inst_ids=["BTC-USDT"]) is None  # own budget


async def test_private_checks_without_a_uid_fall_back_to_the_ip() -> None:
    rl, _ = limits()
    route = "GET /api/v5/account/config"
    assert await allowed(rl, route, 6) == 5
    assert await allowed(rl, route, 5, uid=7) == 5


async def test_other_dimensions() -> None:
    rl, _ = limits()
    transfer = "POST /api/v5/asset/transfer"
    assert await allowed(rl, transfer, 3, uid=7, ccy="USDT") == 2
    assert await allowed(rl, transfer, 2, uid=7, ccy="BTC") == 2
    assert await allowed(rl, "WS subscribe", 481, conn_id="c1") == 480
    assert await allowed(rl, "WS subscribe", 1, conn_id="c2") == 1


async def test_unknown_routes_get_the_conservative_default() -> None:
    rl, _ = limits()
    assert rule_for("GET /api/v5/not/in/the/table") == DEFAULT_RULE == Rule(10, 2000, Who.UID)
    assert await allowed(rl, "GET /api/v5/not/in/the/table", 11, uid=7) == 10


async def test_subaccount_order_cap_is_1000_per_2s_with_50061() -> None:
    rl, clock = limits()
    for _ in range(50):
        assert await rl.check_subaccount_orders("42", 20) is None
    refused = await rl.check_subaccount_orders("42", 1)
    assert refused == Rejected.of(Reason.SUBACCOUNT_RATE_LIMITED)
    assert fail(refused).body == (
        b'{"code":"50061","msg":"You\'ve reached the maximum order rate limit for this account.","data":[]}'
    )
    assert await rl.check_subaccount_orders("43", 1000) is None
    assert await rl.check_subaccount_orders("42", 0) is None  # e.g. a batch whose orders all failed checks
    clock.advance(ms=2000)
    assert await rl.check_subaccount_orders("42", 1000) is None


async def test_subaccount_cap_scales() -> None:
    rl, _ = limits("x2")
    assert await rl.check_subaccount_orders("42", 2000) is None
    assert await rl.check_subaccount_orders("42", 1) is not None


# Reference §5.3 (and §4.5/§5.1 for cancel-withdrawal and account-rate-limit): limit, window, scope.
_2S, _1S = 2000, 1000
PUBLISHED = {
    "GET /api/v5/public/time": (10, _2S, Who.IP, None),
    "GET /api/v5/public/instruments": (20, _2S, Who.IP, Per.INST_TYPE),
    "GET /api/v5/market/tickers": (20, _2S, Who.IP, None),
    "GET /api/v5/market/ticker": (20, _2S, Who.IP, None),
    "GET /api/v5/market/books": (40, _2S, Who.IP, None),
    "GET /api/v5/market/books-full": (10, _2S, Who.IP, None),
    "GET /api/v5/market/candles": (40, _2S, Who.IP, None),
    "GET /api/v5/market/history-candles": (20, _2S, Who.IP, None),
    "GET /api/v5/market/trades": (100, _2S, Who.IP, None),
    "GET /api/v5/market/index-candles": (20, _2S, Who.IP, None),
    "GET /api/v5/market/history-index-candles": (10, _2S, Who.IP, None),
    "GET /api/v5/market/mark-price-candles": (20, _2S, Who.IP, None),
    "GET /api/v5/market/history-mark-price-candles": (20, _2S, Who.IP, None),
    "GET /api/v5/market/exchange-rate": (1, _2S, Who.IP, None),
    "GET /api/v5/market/platform-24-volume": (2, _2S, Who.IP, None),
    "GET /api/v5/public/mark-price": (10, _2S, Who.IP, Per.INST_ID),
    "GET /api/v5/public/price-limit": (20, _2S, Who.IP, None),
    "GET /api/v5/public/position-tiers": (10, _2S, Who.IP, None),
    "GET /api/v5/public/open-interest": (20, _2S, Who.IP, Per.INST_ID),
    "GET /api/v5/public/funding-rate": (10, _2S, Who.IP, Per.INST_ID),
    "GET /api/v5/public/funding-rate-history": (10, _2S, Who.IP, Per.INST_ID),
    "GET /api/v5/system/status": (1, 5_000, Who.IP, None),
    "GET /api/v5/account/balance": (10, _2S, Who.UID, None),
    "GET /api/v5/account/positions": (10, _2S, Who.UID, None),
    "GET /api/v5/account/config": (5, _2S, Who.UID, None),
    "GET /api/v5/account/bills": (5, _1S, Who.UID, None),
    "GET /api/v5/account/bills-archive": (5, _2S, Who.UID, None),
    "GET /api/v5/account/trade-fee": (5, _2S, Who.UID, None),
    "GET /api/v5/account/max-size": (20, _2S, Who.UID, None),
    "GET /api/v5/account/max-avail-size": (20, _2S, Who.UID, None),
    "GET /api/v5/account/max-withdrawal": (20, _2S, Who.UID, None),
    # trading_account.md / order_book_trading.md, each endpoint's "Rate Limit" line
    "POST /api/v5/account/set-position-mode": (5, _2S, Who.UID, None),
    "POST /api/v5/account/set-account-level": (5, _2S, Who.UID, None),
    "POST /api/v5/account/set-leverage": (20, _2S, Who.UID, None),
    "GET /api/v5/account/leverage-info": (20, _2S, Who.UID, None),
    "GET /api/v5/account/positions-history": (10, _2S, Who.UID, None),
    "POST /api/v5/account/position/margin-balance": (20, _2S, Who.UID, None),
    "POST /api/v5/trade/close-position": (20, _2S, Who.UID, None),
    "GET /api/v5/asset/asset-valuation": (1, _2S, Who.UID, None),
    "GET /api/v5/asset/transfer-state": (10, _1S, Who.UID, None),
    "GET /api/v5/asset/bills": (6, _1S, Who.UID, None),
    "POST /api/v5/trade/order": (60, _2S, Who.UID, Per.INST_ID),
    "POST /api/v5/trade/batch-orders": (300, _2S, Who.UID, Per.INST_ID),
    "POST /api/v5/trade/cancel-order": (60, _2S, Who.UID, Per.INST_ID),
    "POST /api/v5/trade/cancel-batch-orders": (300, _2S, Who.UID, Per.INST_ID),
    "POST /api/v5/trade/amend-order": (60, _2S, Who.UID, Per.INST_ID),
    "POST /api/v5/trade/amend-batch-orders": (300, _2S, Who.UID, Per.INST_ID),
    "GET /api/v5/trade/order": (60, _2S, Who.UID, Per.INST_ID),
    "GET /api/v5/trade/orders-pending": (60, _2S, Who.UID, None),
    "GET /api/v5/trade/orders-history": (40, _2S, Who.UID, None),
    "GET /api/v5/trade/orders-history-archive": (20, _2S, Who.UID, None),
    "GET /api/v5/trade/fills": (60, _2S, Who.UID, None),
    "GET /api/v5/trade/fills-history": (10, _2S, Who.UID, None),
    "POST /api/v5/trade/order-algo": (20, _2S, Who.UID, Per.INST_ID),
    "POST /api/v5/trade/cancel-algos": (20, _2S, Who.UID, Per.INST_ID),
    "POST /api/v5/trade/amend-algos": (20, _2S, Who.UID, Per.INST_ID),
    "POST /api/v5/trade/cancel-advance-algos": (20, _2S, Who.UID, None),
    "GET /api/v5/trade/order-algo": (20, _2S, Who.UID, None),
    "GET /api/v5/trade/orders-algo-pending": (20, _2S, Who.UID, None),
    "GET /api/v5/trade/orders-algo-history": (20, _2S, Who.UID, None),
    "POST /api/v5/trade/mass-cancel": (5, _2S, Who.UID, None),
    "POST /api/v5/trade/cancel-all-after": (1, _1S, Who.UID, Per.TAG),
    "GET /api/v5/trade/account-rate-limit": (1, _1S, Who.UID, None),
    "GET /api/v5/asset/currencies": (6, _1S, Who.UID, None),
    "GET /api/v5/asset/balances": (6, _1S, Who.UID, None),
    "POST /api/v5/asset/transfer": (2, _1S, Who.UID, Per.CCY),
    "POST /api/v5/asset/withdrawal": (6, _1S, Who.UID, None),
    "POST /api/v5/asset/cancel-withdrawal": (6, _1S, Who.UID, None),
    "GET /api/v5/asset/deposit-address": (6, _1S, Who.UID, None),
    "GET /api/v5/asset/deposit-history": (6, _1S, Who.UID, None),
    "GET /api/v5/asset/withdrawal-history": (6, _1S, Who.UID, None),
    # funding_account.md, Convert: 1 per 5 s per instrument (quotes) and per side (trades) on top
    "GET /api/v5/asset/convert/currencies": (6, _1S, Who.UID, None),
    "GET /api/v5/asset/convert/currency-pair": (6, _1S, Who.UID, None),
    "POST /api/v5/asset/convert/estimate-quote": (10, _1S, Who.UID, None),
    "POST /api/v5/asset/convert/estimate-quote per instrument": (1, 5000, Who.UID, Per.INST_ID),
    "POST /api/v5/asset/convert/trade": (10, _1S, Who.UID, None),
    "POST /api/v5/asset/convert/trade per side": (1, 5000, Who.UID, Per.INST_ID),
    "GET /api/v5/asset/convert/history": (6, _1S, Who.UID, None),
    "GET /api/v5/users/subaccount/list": (20, _2S, Who.UID, None),
    "POST /api/v5/users/subaccount/apikey": (1, _1S, Who.UID, None),
    "GET /api/v5/users/subaccount/apikey": (20, _2S, Who.UID, None),
    "POST /api/v5/users/subaccount/modify-apikey": (1, _1S, Who.UID, None),
    "POST /api/v5/users/subaccount/delete-apikey": (1, _1S, Who.UID, None),
    "WS connect": (3, _1S, Who.IP, None),
    "WS subscribe": (480, 3_600_000, Who.CONNECTION, None),
}


def test_the_table_is_okx_published_table() -> None:
    table = {route: (r.limit, r.window_ms, r.who, r.per) for route, r in RULES.items()}
    assert table == PUBLISHED
