"""Funding in OKX's words (reference §4.5): request bodies into typed requests, views into `data` rows.

Parsing follows `params`: `""`/`null` mean absent, a missing required field is 50014, a bad one
51000 naming the wire field. Unknown extras are ignored, as are fields sandex does not simulate:
`loanTrans`, `omitPosRisk`, `instId`/`toInstId` (transfers), `areaCode`, `rcvrInfo` and `fee`
(withdrawals: ccxt still sends the fee, the chain's fixed fee is charged whatever it says).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandex.domain.funding.model import AccountType, AddrType, Dest, TransferType
from sandex.domain.funding.transfers import TransferRequest, is_client_id
from sandex.domain.funding.withdrawals import WithdrawRequest
from sandex.services.funding.views import (
    AddressView,
    DepositView,
    FundingBalance,
    FundingBillView,
    TransferView,
    Valuation,
    WithdrawalView,
)
from sandex.transport.okx.params import bad, enum_value, required_decimal, required_text, text
from sandex.transport.okx.trade_wire import ms, num


# --- requests ------------------------------------------------------------------------------------
def client_id_of(body: Mapping[str, Any]) -> str:
    value = text(body, "clientId") or ""
    if value and not is_client_id(value):
        raise bad("clientId")
    return value


def parse_transfer(body: Mapping[str, Any]) -> TransferRequest:
    kind = enum_value(text(body, "type") or "0", "type", TransferType)
    ccy = required_text(body, "ccy")
    amount = required_decimal(body, "amt")
    src = enum_value(required_text(body, "from"), "from", AccountType)
    dst = enum_value(required_text(body, "to"), "to", AccountType)
    return TransferRequest(kind, ccy, amount, src, dst, text(body, "subAcct"), client_id_of(body))


def parse_withdrawal(body: Mapping[str, Any]) -> WithdrawRequest:
    ccy = required_text(body, "ccy")
    amount = required_decimal(body, "amt")
    dest = enum_value(required_text(body, "dest"), "dest", Dest)
    to_addr = required_text(body, "toAddr")
    addr_type = enum_value(text(body, "toAddrType") or "1", "toAddrType", AddrType)
    if addr_type is AddrType.UID and dest is not Dest.INTERNAL:
        raise bad("toAddrType")  # a uid names a sandex user: internal withdrawals only
    chain = text(body, "chain")
    if dest is Dest.ON_CHAIN and chain is not None and not chain.startswith(f"{ccy}-"):
        raise bad("chain")
    return WithdrawRequest(ccy, amount, dest, to_addr, addr_type, chain, client_id_of(body))


# --- answers -------------------------------------------------------------------------------------
def balance_wire(row: FundingBalance) -> dict[str, Any]:
    return {
        "availBal": num(row.available),
        "bal": num(row.total),
        "ccy": row.ccy,
        "frozenBal": num(row.frozen),
    }


def valuation_wire(view: Valuation) -> dict[str, Any]:
    details = {"classic": "0", "earn": "0", "funding": num(view.funding), "trading": num(view.trading)}
    return {"details": details, "totalBal": num(view.total), "ts": ms(view.ts)}


def transfer_ack_wire(view: TransferView) -> dict[str, Any]:
    return {
        "transId": view.trans_id,
        "clientId": view.client_id,
        "ccy": view.ccy,
        "from": view.src.value,
        "amt": num(view.amount),
        "to": view.dst.value,
    }


def transfer_state_wire(view: TransferView) -> dict[str, Any]:
    return {
        "amt": num(view.amount),
        "ccy": view.ccy,
        "clientId": view.client_id,
        "from": view.src.value,
        "instId": "",
        "state": view.state.value,
        "subAcct": view.sub_acct,
        "to": view.dst.value,
        "toInstId": "",
        "transId": view.trans_id,
        "type": view.type.value,
    }


def bill_wire(view: FundingBillView) -> dict[str, Any]:
    return {
        "billId": view.bill_id,
        "ccy": view.ccy,
        "clientId": view.client_id,
        "balChg": num(view.bal_chg),
        "bal": num(view.bal),
        "type": view.kind.value,
        "ts": ms(view.ts),
        "notes": "",
    }


def address_wire(view: AddressView) -> dict[str, Any]:
    row: dict[str, Any] = {
        "addr": view.addr,
        "ccy": view.ccy,
        "chain": view.chain,
        "ctAddr": "",
        "selected": True,
        "to": view.to.value,
        "verifiedName": "",
    }
    if view.tag is not None:
        row[view.tag_field] = view.tag  # only on chains that need one, as OKX does
    return row


def deposit_wire(view: DepositView) -> dict[str, Any]:
    return {
        "actualDepBlkConfirm": str(view.confirmations),
        "amt": num(view.amount),
        "areaCodeFrom": "",
        "ccy": view.ccy,
        "chain": view.chain,
        "depId": view.dep_id,
        "from": view.from_text,
        "fromWdId": view.from_wd_id,
        "state": view.state.value,
        "to": view.to_addr,
        "ts": ms(view.ts),
        "txId": view.tx_id,
    }


def withdrawal_ack_wire(view: WithdrawalView) -> dict[str, Any]:
    return {
        "amt": num(view.amount),
        "wdId": view.wd_id,
        "ccy": view.ccy,
        "clientId": view.client_id,
        "chain": view.chain,
    }


def withdrawal_wire(view: WithdrawalView) -> dict[str, Any]:
    row: dict[str, Any] = {
        "note": "",
        "chain": view.chain,
        "fee": num(view.fee),
        "feeCcy": view.ccy,
        "ccy": view.ccy,
        "clientId": view.client_id,
        "toAddrType": view.addr_type.value,
        "amt": num(view.amount),
        "txId": view.tx_id,
        "from": view.from_text,
        "areaCodeFrom": "",
        "to": view.to_addr,
        "areaCodeTo": "",
        "state": view.state.value,
        "ts": ms(view.ts),
        "nonTradableAsset": False,
        "wdId": view.wd_id,
    }
    if view.tag:
        row[view.tag_field] = view.tag
    return row
