"""Firm quotes in memory: what was quoted to whom, until when, and whether it was traded.

Quotes are not stored: a restart forgets them (a trade then answers 52927, no quote), as a quote
lives seconds. Expired quotes are kept a while (`KEPT_MS`) so a late trade hears 52922, not 52927.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from sandex.domain.errors import Reason, Rejected
from sandex.services.convert.pricing import Amounts, Pair
from sandex.services.convert.views import Converter, QuoteRequest, TradeRequest, quote_id_of

KEPT_MS = 10 * 60_000  # an expired quote is forgotten 10 minutes after it expired
MAX_QUOTES = 100_000  # and the oldest go first past this many (memory stays bounded)


@dataclass(slots=True)
class Quote:
    no: int
    owner: Converter
    pair: Pair
    request: QuoteRequest
    amounts: Amounts  # for the whole rfq size, in the instrument's terms
    created_ms: int
    expires_ms: int
    traded: bool = False


class QuoteBook:
    def __init__(self) -> None:
        self._by_id: OrderedDict[str, Quote] = OrderedDict()  # in the order they were made
        self._by_client: dict[tuple[Converter, str], str] = {}

    def add(self, quote: Quote, now_ms: int) -> None:
        self._forget_old(now_ms)
        quote_id = quote_id_of(quote.no)
        self._by_id[quote_id] = quote
        if quote.request.cl_q_req_id:
            self._by_client[(quote.owner, quote.request.cl_q_req_id)] = quote_id

    def find(self, owner: Converter, quote_id: str) -> Quote | None:
        """`owner`'s quote by its quoteId, or by the clQReqId it was asked with (ccxt hands that back
        as the quote's id when one was given, and trades with it)."""
        quote = self._by_id.get(quote_id) or self._by_id.get(self._by_client.get((owner, quote_id), ""))
        return quote if quote is not None and quote.owner == owner else None

    def _forget_old(self, now_ms: int) -> None:
        while self._by_id:
            quote_id, oldest = next(iter(self._by_id.items()))
            if oldest.expires_ms + KEPT_MS > now_ms and len(self._by_id) < MAX_QUOTES:
                return
            del self._by_id[quote_id]
            client = (oldest.owner, oldest.request.cl_q_req_id)
            if self._by_client.get(client) == quote_id:
                del self._by_client[client]


def check_trade(quote: Quote, request: TradeRequest, now_ms: int) -> Rejected | None:
    """Why `request` may not trade `quote` (OKX's order: traded, expired, terms, size), or None."""
    if quote.traded:
        return Rejected(Reason.CONVERT_QUOTE_TRADED)
    if now_ms >= quote.expires_ms:
        return Rejected(Reason.CONVERT_QUOTE_EXPIRED)
    asked = quote.request
    for param, mine, theirs in (
        ("baseCcy", asked.base_ccy, request.base_ccy),
        ("quoteCcy", asked.quote_ccy, request.quote_ccy),
        ("side", asked.side, request.side),
        ("szCcy", asked.rfq_sz_ccy, request.sz_ccy),
    ):
        if mine != theirs:
            return Rejected.of(Reason.CONVERT_QUOTE_MISMATCH, param=param)
    if request.sz > asked.rfq_sz:
        return Rejected(Reason.CONVERT_ABOVE_QUOTE)
    return None
