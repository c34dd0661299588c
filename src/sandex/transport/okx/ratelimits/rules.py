"""OKX rate limits (reference §5): which route draws on which budget, and how big each budget is.

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

Who calls what: public routers carry `rate_checks.PublicRateLimit`; auth calls
`rate_checks.check_request(request, ctx, uid)` after authenticating; order handlers call
`RateLimits.check_orders` (instIds from the body) and `check_subaccount_orders`; the WS gateway calls
`check(route_for_ws_op(op), ...)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


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
    # OKX's endpoint pages: the index, mark prices, price limits, platform figures, system status
    "GET /api/v5/market/index-candles": _ip(20),
    "GET /api/v5/market/history-index-candles": _ip(10),
    "GET /api/v5/market/mark-price-candles": _ip(20),
    "GET /api/v5/market/history-mark-price-candles": _ip(20),
    "GET /api/v5/market/exchange-rate": _ip(1),
    "GET /api/v5/market/platform-24-volume": _ip(2),
    "GET /api/v5/public/mark-price": _ip(10, per=Per.INST_ID),
    "GET /api/v5/public/price-limit": _ip(20),
    "GET /api/v5/public/position-tiers": _ip(10),
    "GET /api/v5/public/open-interest": _ip(20, per=Per.INST_ID),
    "GET /api/v5/public/funding-rate": _ip(10, per=Per.INST_ID),
    "GET /api/v5/public/funding-rate-history": _ip(10, per=Per.INST_ID),
    "GET /api/v5/system/status": _ip(1, 5 * _1S),
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
    "GET /api/v5/account/max-withdrawal": _uid(20),
    # swaps (trading_account.md, order_book_trading.md): settings, leverage, positions, margin
    "POST /api/v5/account/set-position-mode": _uid(5),
    "POST /api/v5/account/set-account-level": _uid(5),
    "POST /api/v5/account/set-leverage": _uid(20),
    "GET /api/v5/account/leverage-info": _uid(20),
    "GET /api/v5/account/positions-history": _uid(10),
    "POST /api/v5/account/position/margin-balance": _uid(20),
    "POST /api/v5/trade/close-position": _uid(20),
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
    # algo orders: 20 requests per 2 s each; writes per UID + instId (a request counts once per
    # instrument it names), cancel-advance-algos and the reads per UID
    "POST /api/v5/trade/order-algo": _uid(20, per=Per.INST_ID),
    "POST /api/v5/trade/cancel-algos": _uid(20, per=Per.INST_ID),
    "POST /api/v5/trade/amend-algos": _uid(20, per=Per.INST_ID),
    "POST /api/v5/trade/cancel-advance-algos": _uid(20),
    "GET /api/v5/trade/order-algo": _uid(20),
    "GET /api/v5/trade/orders-algo-pending": _uid(20),
    "GET /api/v5/trade/orders-algo-history": _uid(20),
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
    # convert (funding_account.md); the "per ..." budgets are charged by the handlers, keyed by the
    # instrument (quotes) or the side (trades)
    "GET /api/v5/asset/convert/currencies": _uid(6, _1S),
    "GET /api/v5/asset/convert/currency-pair": _uid(6, _1S),
    "POST /api/v5/asset/convert/estimate-quote": _uid(10, _1S),
    "POST /api/v5/asset/convert/estimate-quote per instrument": _uid(1, 5_000, per=Per.INST_ID),
    "POST /api/v5/asset/convert/trade": _uid(10, _1S),
    "POST /api/v5/asset/convert/trade per side": _uid(1, 5_000, per=Per.INST_ID),
    "GET /api/v5/asset/convert/history": _uid(6, _1S),
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
SINGLE_OF_BATCH: Mapping[str, str] = {
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
