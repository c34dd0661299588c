"""REST `market/books*` and `market/ticker(s)` answers rendered once per committed change, served as bytes.

Formatting 400 price levels or 34 tickers costs hundreds of µs (decimal formatting above all), and
nothing in them changes between commits. Market data gives each (environment, instrument) a version
that moves with its tape and book snapshot (`MarketData.versioned_book`, `ticker_stamp`); the first
request after a change renders with the usual wire shapes (`market_wire`) and orjson, later ones get
the same bytes. A ticker's `ts` is the request's time, so a ticker is kept as the bytes before and
after its `ts` value, and a response is one `bytes.join` around the time.

One `MarketRender` per `MarketData` (`render_of`): the cache is derived state of that service, so
isolated apps (tests) never share one and it dies with its service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from starlette.responses import Response

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.services.marketdata.service import BOOK_MAX, MarketData
from sandex.transport.okx.market_wire import book_wire, ticker_wire

HEAD = b'{"code":"0","msg":"","data":['  # the envelope `ok()` renders, around the data items
TAIL = b"]}"
TS_KEY = b',"ts":"'  # a quote inside a value is escaped, so this only starts the `ts` member
PAGES_PER_BOOK = 8  # depths kept per book version (clients ask for a few: 1, 5, 20, 400)

_RENDERS: WeakKeyDictionary[MarketData, MarketRender] = WeakKeyDictionary()


class RenderedJSON(Response):
    """Bytes already rendered by orjson, with the headers `OkxJSON` sends."""

    media_type = "application/json"


def render_of(market: MarketData) -> MarketRender:
    found = _RENDERS.get(market)
    if found is None:
        found = _RENDERS[market] = MarketRender(market)
    return found


@dataclass(slots=True)
class _BookPages:
    version: int
    pages: dict[tuple[int, bool], bytes] = field(default_factory=dict)  # (depth, full) -> body


@dataclass(frozen=True, slots=True)
class _Ticker:
    stamp: Any
    head: bytes  # up to and including `"ts":"`
    tail: bytes  # from the quote closing the `ts` value


@dataclass(frozen=True, slots=True)
class _TickerSet:
    stamp: Any
    segments: list[bytes]  # the body is `ts.join(segments)`


class MarketRender:
    def __init__(self, market: MarketData) -> None:
        self._market = market
        self._books: dict[tuple[Environment, str], _BookPages] = {}
        self._tickers: dict[tuple[Environment, str], _Ticker] = {}
        self._sets: dict[tuple[Environment, str, str | None], _TickerSet] = {}

    # --- books -------------------------------------------------------------------------------------
    def book(self, env: Environment, inst_id: str, depth: int, *, full: bool) -> Response | Rejected:
        """`market/books` (`full`: `books-full`) answer for `depth` levels per side."""
        market = self._market
        found = market.versioned_book(env, inst_id, depth) if depth <= BOOK_MAX or not full else None
        if found is None:  # books-full beyond the snapshots reads the engine: rendered every time
            deep = market.full_book(env, inst_id, depth)
            return deep if isinstance(deep, Rejected) else RenderedJSON(_ok([book_wire(deep, full=True)]))
        if isinstance(found, Rejected):
            return found
        view, version = found
        if version is None:
            return RenderedJSON(_ok([book_wire(view, full=full)]))
        key = (env, inst_id)
        book = self._books.get(key)
        if book is None or book.version != version:
            book = self._books[key] = _BookPages(version)
        body = book.pages.get((depth, full))
        if body is None:
            if len(book.pages) >= PAGES_PER_BOOK:
                book.pages.clear()
            body = book.pages[(depth, full)] = _ok([book_wire(view, full=full)])
        return RenderedJSON(body)

    # --- tickers -----------------------------------------------------------------------------------
    def ticker(self, env: Environment, inst_id: str, now: int) -> Response | Rejected:
        found = self._ticker(env, inst_id, now)
        if isinstance(found, Rejected):
            return found
        return RenderedJSON(b"".join((HEAD, found.head, str(now).encode(), found.tail, TAIL)))

    def tickers(
        self, env: Environment, now: int, inst_type: str = "SPOT", family: str | None = None
    ) -> Response:
        """Every instrument's ticker of `inst_type` (and family), in the order `MarketData.tickers`
        lists them."""
        market = self._market
        stamp = market.tickers_stamp(env, now)
        set_key = (env, inst_type, family)
        known = self._sets.get(set_key)
        if known is None or stamp is None or known.stamp != stamp:
            parts = [self._ticker(env, inst_id, now) for inst_id in market.ticker_ids(inst_type, family)]
            segments, before = [], HEAD
            for part in parts:
                assert not isinstance(part, Rejected)  # catalogue instruments are known
                segments.append(before + part.head)
                before = part.tail + b","
            segments.append(before[:-1] + TAIL if parts else HEAD + TAIL)
            known = _TickerSet(market.tickers_stamp(env, now), segments)
            if known.stamp is not None:
                self._sets[set_key] = known
        return RenderedJSON(str(now).encode().join(known.segments))

    def _ticker(self, env: Environment, inst_id: str, now: int) -> _Ticker | Rejected:
        market = self._market
        key = (env, inst_id)
        known = self._tickers.get(key)
        if (
            known is not None
            and known.stamp is not None
            and known.stamp == market.ticker_stamp(env, inst_id, now)
        ):
            return known
        view = market.ticker(env, inst_id, now)
        if isinstance(view, Rejected):
            return view
        body = orjson.dumps(ticker_wire(view))
        at = body.index(TS_KEY) + len(TS_KEY)
        made = _Ticker(market.ticker_stamp(env, inst_id, now), body[:at], body[body.index(b'"', at) :])
        if made.stamp is not None:
            self._tickers[key] = made
        return made


def _ok(data: list[dict[str, Any]]) -> bytes:
    """What `envelope.ok(data)` renders."""
    return orjson.dumps({"code": "0", "msg": "", "data": data})
