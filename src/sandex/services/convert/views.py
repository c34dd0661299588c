"""The values the convert service takes from and gives to its transports (the OKX API, the console)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.matching.order import Side
from sandex.services.exchange.records import ConvertTradeRecord


@dataclass(frozen=True, slots=True)
class Converter:
    """Who converts: a demo key converts on the demo exchange."""

    user_id: int
    environment: Environment


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    base_ccy: str
    quote_ccy: str
    side: Side  # of base_ccy
    rfq_sz: Decimal
    rfq_sz_ccy: str
    cl_q_req_id: str = ""
    tag: str = ""


@dataclass(frozen=True, slots=True)
class TradeRequest:
    quote_id: str
    base_ccy: str
    quote_ccy: str
    side: Side
    sz: Decimal
    sz_ccy: str
    cl_t_req_id: str = ""
    tag: str = ""


@dataclass(frozen=True, slots=True)
class PairView:
    inst_id: str
    base_ccy: str
    base_min: Decimal
    base_max: Decimal
    quote_ccy: str
    quote_min: Decimal
    quote_max: Decimal


@dataclass(frozen=True, slots=True)
class QuoteView:
    quote_id: str
    cl_q_req_id: str
    quote_time: int
    ttl_ms: int
    base_ccy: str
    quote_ccy: str
    side: Side
    rfq_sz: Decimal
    rfq_sz_ccy: str
    cnvt_px: Decimal
    base_sz: Decimal
    quote_sz: Decimal

    @property
    def expires_ms(self) -> int:
        return self.quote_time + self.ttl_ms


@dataclass(frozen=True, slots=True)
class TradeView:
    trade_id: str
    quote_id: str
    cl_t_req_id: str
    inst_id: str
    base_ccy: str
    quote_ccy: str
    side: Side
    fill_px: Decimal
    base_sz: Decimal
    quote_sz: Decimal
    tag: str
    ts: int


def quote_id_of(no: int) -> str:
    return f"quoter{no}"


def trade_id_of(no: int) -> str:
    return f"trader{no}"


def trade_view(record: ConvertTradeRecord) -> TradeView:
    return TradeView(
        trade_id_of(record.trade_no),
        quote_id_of(record.trade_no),
        record.cl_t_req_id,
        record.inst_id,
        record.base_ccy,
        record.quote_ccy,
        record.side,
        record.fill_px,
        record.base_sz,
        record.quote_sz,
        record.tag,
        record.ts,
    )
