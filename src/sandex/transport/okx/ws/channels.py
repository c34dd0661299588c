"""The channels sandex serves, where each one lives, and how a subscription arg becomes a `Topic`.

Routing follows OKX (reference §6.1, §6.5, §6.7): market data on `/public`, account data on
`/private` after login, candlesticks on `/business`, algo orders (`orders-algo`, `algo-advance`) on
`/business` after login. A channel on the wrong URL is refused with the
code OKX uses: 64001 (a `/business` channel elsewhere), 64002 (another channel on `/business`),
60008 (public vs private mixed up). Unknown channels and instruments are 60018, a private channel
before login 60011, a malformed arg 60012 quoting the request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandex.domain.instruments import Catalogue
from sandex.domain.marketdata.bars import BARS
from sandex.transport.okx.ws.protocol import Kind, WsCode, WsError

CANDLE_PREFIX = "candle"
MARK_CANDLE_PREFIX, INDEX_CANDLE_PREFIX = "mark-price-candle", "index-candle"
MARK_PRICE, PRICE_LIMIT, OPEN_INTEREST = "mark-price", "price-limit", "open-interest"
SWAP_CHANNELS = frozenset({MARK_PRICE, PRICE_LIMIT, OPEN_INTEREST})  # instId must name a swap
INST_TYPES = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION", "ANY"})
# Arg fields echoed back in acks and pushes, in the order the client sent them.
ECHOED = frozenset({"channel", "instType", "instFamily", "instId", "ccy", "algoId"})

TICKERS, BOOKS, BOOKS5, BBO, TRADES = "tickers", "books", "books5", "bbo-tbt", "trades"
ORDERS, ACCOUNT, BALANCE_AND_POSITION = "orders", "account", "balance_and_position"
POSITIONS = "positions"
ORDERS_ALGO, ALGO_ADVANCE = "orders-algo", "algo-advance"
FUNDING_RATE, LIQUIDATION_ORDERS = "funding-rate", "liquidation-orders"  # swaps (swap-funding-liq)
LIQUIDATION_WARNING = "liquidation-warning"
BOOK_CHANNELS = frozenset({BOOKS, BOOKS5, BBO})
# Private channels whose connections per account OKX counts (`channel-conn-count`) and caps.
COUNTED_CHANNELS = frozenset({ORDERS, ACCOUNT, BALANCE_AND_POSITION, POSITIONS})
PERIODIC_CHANNELS = frozenset({ACCOUNT, POSITIONS})  # snapshots every `extraParams` updateInterval


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    home: Kind  # the URL that serves it
    private: bool  # needs login
    needs_inst_id: bool = False
    needs_inst_type: bool = False


_PUBLIC_MARKET = ChannelSpec(Kind.PUBLIC, private=False, needs_inst_id=True)
_CANDLES = ChannelSpec(Kind.BUSINESS, private=False, needs_inst_id=True)
_ALGOS = ChannelSpec(Kind.BUSINESS, private=True, needs_inst_type=True)
CHANNELS: Mapping[str, ChannelSpec] = {
    TICKERS: _PUBLIC_MARKET,
    BOOKS: _PUBLIC_MARKET,
    BOOKS5: _PUBLIC_MARKET,
    BBO: _PUBLIC_MARKET,
    TRADES: _PUBLIC_MARKET,
    ORDERS: ChannelSpec(Kind.PRIVATE, private=True, needs_inst_type=True),
    ACCOUNT: ChannelSpec(Kind.PRIVATE, private=True),
    BALANCE_AND_POSITION: ChannelSpec(Kind.PRIVATE, private=True),
    POSITIONS: ChannelSpec(Kind.PRIVATE, private=True, needs_inst_type=True),
    ORDERS_ALGO: _ALGOS,
    ALGO_ADVANCE: _ALGOS,
    FUNDING_RATE: _PUBLIC_MARKET,
    LIQUIDATION_ORDERS: ChannelSpec(Kind.PUBLIC, private=False, needs_inst_type=True),
    LIQUIDATION_WARNING: ChannelSpec(Kind.PRIVATE, private=True, needs_inst_type=True),
    MARK_PRICE: _PUBLIC_MARKET,
    PRICE_LIMIT: _PUBLIC_MARKET,
    OPEN_INTEREST: _PUBLIC_MARKET,
}


@dataclass(frozen=True, slots=True)
class Topic:
    """One subscription: what a session receives and how it names it back (`arg`)."""

    channel: str
    inst_id: str = ""
    inst_type: str = ""
    inst_family: str = ""
    ccy: str = ""
    arg: tuple[tuple[str, str], ...] = ()  # the echoed arg, in the client's key order
    snapshot_ms: int = 0  # `account`, `positions`: a full snapshot this often besides events (0: never)
    algo_id: str = ""  # `algo-advance`: one algo order only

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        """Identity for subscribe/unsubscribe: the same channel and filters, whatever the key order."""
        return (self.channel, self.inst_id, self.inst_type, self.inst_family, self.ccy, self.algo_id)

    @property
    def echo(self) -> dict[str, str]:
        return dict(self.arg)

    @property
    def bar(self) -> str:
        """The bar of a candlestick channel (`candle1m` -> `1m`)."""
        return self.channel.removeprefix(CANDLE_PREFIX)


def spec_of(channel: str) -> ChannelSpec | None:
    for prefix in (CANDLE_PREFIX, MARK_CANDLE_PREFIX, INDEX_CANDLE_PREFIX):
        if channel.startswith(prefix):
            bar = channel.removeprefix(prefix)
            return _CANDLES if bar in BARS and (prefix == CANDLE_PREFIX or bar != "1s") else None
    return CHANNELS.get(channel)


def resolve(arg: Any, kind: Kind, logged_in: bool, catalogue: Catalogue, raw: str) -> Topic | WsError:
    """The topic an arg subscribes to, or why it cannot be served on this connection."""
    invalid = WsError.of(WsCode.INVALID_REQUEST, request=raw[:2000])
    fields = _string_fields(arg)
    if fields is None or not fields.get("channel"):
        return invalid
    if "uly" in fields:
        return WsError(WsCode.ULY_GONE)
    channel = fields["channel"]
    spec = spec_of(channel)
    if spec is None:
        return _not_found(fields)
    refused = _wrong_url(spec, kind, channel) or _missing(spec, fields, invalid)
    if refused is not None:
        return refused
    if spec.private and not logged_in:
        return WsError(WsCode.LOGIN_REQUIRED)
    if not _known(fields, catalogue) or not _fits(channel, fields.get("instId", ""), catalogue):
        return _not_found(fields)
    snapshot_ms = snapshot_interval(fields.get("extraParams")) if channel in PERIODIC_CHANNELS else 0
    if snapshot_ms is None:
        return WsError.of(WsCode.INVALID_ARGS, detail="extraParams: updateInterval is 0, 2000, 3000 or 4000")
    echo = tuple((name, value) for name, value in fields.items() if name in ECHOED)
    return Topic(
        channel,
        fields.get("instId", ""),
        fields.get("instType", ""),
        fields.get("instFamily", ""),
        fields.get("ccy", ""),
        echo,
        snapshot_ms,
        fields.get("algoId", "") if channel == ALGO_ADVANCE else "",
    )


DEFAULT_SNAPSHOT_MS = 5_000  # `account` without `updateInterval`: events plus a snapshot every ~5 s
SNAPSHOT_INTERVALS = frozenset({"0", "2000", "3000", "4000"})


def snapshot_interval(extra_params: str | None) -> int | None:
    """The `account` and `positions` channels' periodic snapshot interval from `extraParams`, a
    JSON-encoded string such as "{\"updateInterval\": \"0\"}" ("0": event pushes only); None when
    it is malformed."""
    if extra_params is None:
        return DEFAULT_SNAPSHOT_MS
    try:
        params = json.loads(extra_params)
    except ValueError:
        return None
    if not isinstance(params, dict):
        return None
    interval = params.get("updateInterval")
    if interval is None:
        return DEFAULT_SNAPSHOT_MS
    text = str(interval) if isinstance(interval, str | int) and not isinstance(interval, bool) else ""
    return int(text) if text in SNAPSHOT_INTERVALS else None


def _known(fields: Mapping[str, str], catalogue: Catalogue) -> bool:
    """The instrument, instrument type and currency named, if any, exist."""
    inst_id, inst_type, ccy = fields.get("instId"), fields.get("instType"), fields.get("ccy")
    if inst_id and catalogue.instrument(inst_id) is None:
        return False
    if inst_type and inst_type not in INST_TYPES:
        return False
    return not (ccy and catalogue.currency(ccy) is None)


def _fits(channel: str, inst_id: str, catalogue: Catalogue) -> bool:
    """Swap channels name a swap; index candles an index (a spot pair)."""
    inst = catalogue.instrument(inst_id) if inst_id else None
    if channel in SWAP_CHANNELS or channel.startswith(MARK_CANDLE_PREFIX):
        return inst is not None and inst.contract is not None
    if channel.startswith(INDEX_CANDLE_PREFIX):
        return inst is not None and inst.contract is None
    return True


def _string_fields(arg: Any) -> dict[str, str] | None:
    """The arg's fields when it is an object of strings (empty values dropped), else None."""
    if not isinstance(arg, dict):
        return None
    fields: dict[str, str] = {}
    for name, value in arg.items():
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            return None
        fields[name] = value
    return fields


def _wrong_url(spec: ChannelSpec, kind: Kind, channel: str) -> WsError | None:
    if spec.home is kind:
        return None
    if spec.home is Kind.BUSINESS:
        return WsError(WsCode.MOVED_TO_BUSINESS)
    if kind is Kind.BUSINESS:
        return WsError(WsCode.NOT_ON_BUSINESS)
    return WsError.of(WsCode.WRONG_ENDPOINT, channel=channel)


def _missing(spec: ChannelSpec, fields: Mapping[str, str], invalid: WsError) -> WsError | None:
    if spec.needs_inst_id and not fields.get("instId"):
        return invalid
    if spec.needs_inst_type and not fields.get("instType"):
        return invalid
    return None


def _not_found(fields: Mapping[str, str]) -> WsError:
    """60018 naming what was asked for, as OKX does: `tickers,instId:BTC-INEXISTANT`."""
    parts = [fields.get("channel", "")]
    parts += [f"{name}:{value}" for name, value in fields.items() if name != "channel" and name in ECHOED]
    return WsError.of(WsCode.NOT_FOUND, what=",".join(parts))
