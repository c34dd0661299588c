"""OKX's wire shapes of `asset/convert/*`: requests parsed into the convert service's values, views
rendered as OKX's `data` items (funding_account.md, "Convert")."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sandex.domain.errors import Reason, Rejected
from sandex.domain.matching.order import Side
from sandex.services.convert.views import PairView, QuoteRequest, QuoteView, TradeRequest, TradeView
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.params import bad, required_decimal, required_text, text
from sandex.transport.okx.trade_wire import ms, num

CLIENT_ID_MAX = 32  # clQReqId / clTReqId: up to 32 letters and digits
TAG_MAX = 16
FULLY_FILLED = "fullyFilled"


def parse_quote_request(body: Mapping[str, Any]) -> QuoteRequest:
    return QuoteRequest(
        base_ccy=_ccy(body, "baseCcy"),
        quote_ccy=_ccy(body, "quoteCcy"),
        side=_side(body),
        rfq_sz=_amount(body, "rfqSz"),
        rfq_sz_ccy=_ccy(body, "rfqSzCcy"),
        cl_q_req_id=_client_id(body, "clQReqId"),
        tag=_tag(body),
    )


def parse_trade_request(body: Mapping[str, Any]) -> TradeRequest:
    return TradeRequest(
        quote_id=required_text(body, "quoteId"),
        base_ccy=_ccy(body, "baseCcy"),
        quote_ccy=_ccy(body, "quoteCcy"),
        side=_side(body),
        sz=_amount(body, "sz"),
        sz_ccy=_ccy(body, "szCcy"),
        cl_t_req_id=_client_id(body, "clTReqId"),
        tag=_tag(body),
    )


def check_size_ccy(request: QuoteRequest | TradeRequest) -> None:
    """The size must be in one of the pair's two currencies (51000 naming the field)."""
    if isinstance(request, QuoteRequest):
        if request.rfq_sz_ccy not in (request.base_ccy, request.quote_ccy):
            raise bad("rfqSzCcy")
    elif request.sz_ccy not in (request.base_ccy, request.quote_ccy):
        raise bad("szCcy")


def currency_wire(ccy: str) -> dict[str, Any]:
    return {"ccy": ccy, "min": "", "max": ""}  # min/max: deprecated by OKX


def pair_wire(view: PairView) -> dict[str, Any]:
    return {
        "instId": view.inst_id,
        "baseCcy": view.base_ccy,
        "baseCcyMax": num(view.base_max),
        "baseCcyMin": num(view.base_min),
        "quoteCcy": view.quote_ccy,
        "quoteCcyMax": num(view.quote_max),
        "quoteCcyMin": num(view.quote_min),
    }


def quote_wire(view: QuoteView) -> dict[str, Any]:
    return {
        "quoteTime": ms(view.quote_time),
        "ttlMs": str(view.ttl_ms),
        "clQReqId": view.cl_q_req_id,
        "quoteId": view.quote_id,
        "baseCcy": view.base_ccy,
        "quoteCcy": view.quote_ccy,
        "side": view.side.value,
        "origRfqSz": num(view.rfq_sz),
        "rfqSz": num(view.rfq_sz),
        "rfqSzCcy": view.rfq_sz_ccy,
        "cnvtPx": num(view.cnvt_px),
        "baseSz": num(view.base_sz),
        "quoteSz": num(view.quote_sz),
    }


def trade_wire(view: TradeView, *, with_quote: bool = True) -> dict[str, Any]:
    """A trade as `convert/trade` answers it (with its quoteId) or `convert/history` lists it."""
    item: dict[str, Any] = {"tradeId": view.trade_id}
    if with_quote:
        item["quoteId"] = view.quote_id
    item.update(
        {
            "clTReqId": view.cl_t_req_id,
            "state": FULLY_FILLED,
            "instId": view.inst_id,
            "baseCcy": view.base_ccy,
            "quoteCcy": view.quote_ccy,
            "side": view.side.value,
            "fillPx": num(view.fill_px),
            "fillBaseSz": num(view.base_sz),
            "fillQuoteSz": num(view.quote_sz),
            "ts": ms(view.ts),
        }
    )
    return item


def _ccy(body: Mapping[str, Any], name: str) -> str:
    return required_text(body, name).upper()


def _side(body: Mapping[str, Any]) -> Side:
    value = required_text(body, "side")
    try:
        return Side(value)
    except ValueError:
        raise OkxRejection(Rejected(Reason.CONVERT_SIDE_INVALID)) from None


def _amount(body: Mapping[str, Any], name: str) -> Decimal:
    value = required_decimal(body, name)
    if value <= 0:
        raise bad(name)
    return value


def _client_id(body: Mapping[str, Any], name: str) -> str:
    value = text(body, name) or ""
    if len(value) > CLIENT_ID_MAX or not (value.isascii() and (value.isalnum() or not value)):
        raise bad(name)
    return value


def _tag(body: Mapping[str, Any]) -> str:
    value = text(body, "tag") or ""
    if len(value) > TAG_MAX or not (value.isascii() and (value.isalnum() or not value)):
        raise bad("tag")
    return value
