"""One funding settlement of one swap in one environment: every open position pays or receives
|pos| · ctVal · ctMult · mark · rate (a positive rate: longs pay, shorts receive).

* Cross: the money moves between the account's cash and the clearing account (OKX `balChg`); a
  payer with less available cash pays what it has (OKX caps the fee when margin runs out).
* Isolated: the position's margin (held in clearing) grows or shrinks (OKX `posBalChg`), down to
  zero at most; no cash moves, so its bill shows `balChg` 0.
* Each position gets a bill (type 8: 173 expense, 174 income) with `pnl` = the fee, its
  `funding_fee` and realised PnL change, and a `PositionChanged` "funding_fee" follows.
Clearing may go negative (it pays receivers before payers' cash reaches it): the ledger allows it.
"""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.derivatives.contracts import MgnMode
from sandex.domain.derivatives.funding_rate import funding_fee_units
from sandex.domain.derivatives.positions import Position
from sandex.domain.ledger.balances import Ledger
from sandex.domain.ledger.postings import Posting, PostingReason
from sandex.domain.trading.events import Event, PositionBill, PositionChanged

FUNDING_EXPENSE, FUNDING_INCOME = 173, 174
_FUNDING = PostingReason.FUNDING


def settle_funding(
    ledger: Ledger,
    positions: list[Position],
    clearing: int,
    ccy: str,
    mark: int,
    per_notional: int,
    rate: Decimal,
    ts: int,
) -> list[Event]:
    """Book the funding of `positions` (one swap's open ones) at `mark` ticks; the events, applied."""
    out: list[Event] = []
    for pos in sorted(positions, key=lambda p: p.pos_id):
        if pos.pos == 0:
            continue
        signed = pos.size if pos.long else -pos.size
        fee = funding_fee_units(signed, mark, per_notional, rate)
        if pos.mgn_mode is MgnMode.ISOLATED:
            fee = max(fee, -pos.margin)  # a margin pays what it holds
            pos.margin += fee
            postings = [Posting(pos.account_id, ccy, 0, 0, _FUNDING, pos.pos_id)]
            pos_bal_chg = fee
        else:
            fee = max(fee, -max(ledger.available(pos.account_id, ccy), 0))
            postings = _cash(pos.account_id, clearing, ccy, fee, pos.pos_id)
            pos_bal_chg = 0
        pos.funding_fee += fee
        pos.u_time = ts
        sub = FUNDING_INCOME if fee > 0 else FUNDING_EXPENSE
        bill = PositionBill(
            pos.account_id, _FUNDING, pos.pos_id, sub, pos.size, mark, fee, 0, pos_bal_chg, pos.copy()
        )
        out.append(bill)
        out.extend(ledger.post(postings))
        out.append(PositionChanged(pos.copy(), "funding_fee"))
    return out


def _cash(account: int, clearing: int, ccy: str, fee: int, ref: int) -> list[Posting]:
    """The account's posting first (its bill); clearing may go negative, the payer was capped."""
    return [Posting(account, ccy, fee, 0, _FUNDING, ref), Posting(clearing, ccy, -fee, 0, _FUNDING, ref)]
