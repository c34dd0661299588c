"""Settling a convert inside the single writer: the user and the convert desk swap two currencies.

The desk is a system user's trading account. It is the user's counterparty at the quoted price, so
it takes in what users pay and pays out what they receive; when it holds less of a currency than a
convert pays out, the shortfall is first credited to it by a deposit (money enters the ledger only
through deposits, so every currency's total still equals deposits minus withdrawals).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandex.domain.errors import Reason, Rejected
from sandex.domain.ids import IdGenerator
from sandex.domain.ledger.balances import Ledger
from sandex.domain.ledger.postings import Posting, PostingReason
from sandex.services.exchange.commands import ConvertTrade
from sandex.services.exchange.records import ConvertTradeRecord

_CONVERT = PostingReason.CONVERT


@dataclass(slots=True)
class ConvertApplied:
    result: ConvertTradeRecord | Rejected
    postings: list[Posting] = field(default_factory=list)


def settle_convert(ledger: Ledger, cmd: ConvertTrade, deposit_ids: IdGenerator, ts: int) -> ConvertApplied:
    """All four postings (plus the desk's top-up) or none: 52914 when the user's trading account
    has less than it pays."""
    if (
        cmd.pay_units <= 0
        or cmd.get_units <= 0
        or cmd.pay_ccy == cmd.get_ccy
        or cmd.account_id == cmd.desk_account
    ):
        return ConvertApplied(Rejected(Reason.CONVERT_AMOUNT_INVALID))
    if ledger.available(cmd.account_id, cmd.pay_ccy) < cmd.pay_units:
        return ConvertApplied(Rejected(Reason.CONVERT_INSUFFICIENT))
    postings: list[Posting] = []
    shortfall = cmd.get_units - ledger.available(cmd.desk_account, cmd.get_ccy)
    if shortfall > 0:
        minted = ledger.deposit(cmd.desk_account, cmd.get_ccy, shortfall, deposit_ids.next_id())
        assert not isinstance(minted, Rejected)  # a positive amount is always accepted
        postings.extend(minted)
    no = cmd.trade_no
    postings += ledger.post(
        [
            Posting(cmd.account_id, cmd.pay_ccy, -cmd.pay_units, 0, _CONVERT, no),
            Posting(cmd.desk_account, cmd.pay_ccy, cmd.pay_units, 0, _CONVERT, no),
            Posting(cmd.desk_account, cmd.get_ccy, -cmd.get_units, 0, _CONVERT, no),
            Posting(cmd.account_id, cmd.get_ccy, cmd.get_units, 0, _CONVERT, no),
        ]
    )
    return ConvertApplied(_record(cmd, ts), postings)


def _record(cmd: ConvertTrade, ts: int) -> ConvertTradeRecord:
    return ConvertTradeRecord(
        cmd.trade_no,
        cmd.environment,
        cmd.user_id,
        cmd.account_id,
        cmd.inst_id,
        cmd.base_ccy,
        cmd.quote_ccy,
        cmd.side,
        cmd.fill_px,
        cmd.base_sz,
        cmd.quote_sz,
        cmd.cl_t_req_id,
        cmd.tag,
        ts,
    )
