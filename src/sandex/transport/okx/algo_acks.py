"""Algo order write answers in OKX's words: one item per request item (`sCode`/`sMsg`), in the
request's order, for `order-algo`, `cancel-algos` / `cancel-advance-algos` and `amend-algos`.
An item that failed before reaching the core repeats what its request said (`AlgoEcho`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandex.domain.errors import Rejected
from sandex.services.exchange.commands import AlgoAck
from sandex.transport.okx.trade_wire import s_code_msg


@dataclass(frozen=True, slots=True)
class AlgoEcho:
    algo_id: str = ""
    algo_cl_ord_id: str = ""
    tag: str = ""
    req_id: str = ""


def algo_echo_of(item: Any) -> AlgoEcho:
    if not isinstance(item, dict):
        return AlgoEcho()
    cl_ord_id = _text(item, "algoClOrdId") or _text(item, "clOrdId")
    return AlgoEcho(_text(item, "algoId"), cl_ord_id, _text(item, "tag"), _text(item, "reqId"))


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _outcome(ack: AlgoAck | Rejected, echo: AlgoEcho) -> tuple[AlgoEcho, str, str]:
    """(what the item names, sCode, sMsg)."""
    if isinstance(ack, Rejected):
        return (echo, *s_code_msg(ack))
    named = AlgoEcho(ack.algo_id or echo.algo_id, ack.algo_cl_ord_id, ack.tag, ack.req_id or echo.req_id)
    return (named, *s_code_msg(ack.rejected))


def place_algo_ack(ack: AlgoAck | Rejected, echo: AlgoEcho) -> dict[str, Any]:
    named, s_code, s_msg = _outcome(ack, echo)
    return {
        "algoId": named.algo_id,
        "clOrdId": named.algo_cl_ord_id,
        "algoClOrdId": named.algo_cl_ord_id,
        "sCode": s_code,
        "sMsg": s_msg,
        "tag": named.tag,
    }


def cancel_algo_ack(ack: AlgoAck | Rejected, echo: AlgoEcho) -> dict[str, Any]:
    named, s_code, s_msg = _outcome(ack, echo)
    return {
        "algoId": named.algo_id,
        "sCode": s_code,
        "sMsg": s_msg,
        "clOrdId": named.algo_cl_ord_id,
        "algoClOrdId": named.algo_cl_ord_id,
        "tag": named.tag,
    }


def amend_algo_ack(ack: AlgoAck | Rejected, echo: AlgoEcho) -> dict[str, Any]:
    named, s_code, s_msg = _outcome(ack, echo)
    return {
        "algoId": named.algo_id,
        "algoClOrdId": named.algo_cl_ord_id,
        "reqId": named.req_id,
        "sCode": s_code,
        "sMsg": s_msg,
    }
