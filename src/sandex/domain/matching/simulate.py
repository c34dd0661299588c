"""Dry runs of the matching loop: how much a taker *would* fill, without touching the book.

Used for fill-or-kill (all or nothing) and by the trading façade to size what a market order must
freeze. It mirrors `MatchingEngine._match` step for step: same price limit, same FIFO walk, same
self-trade handling (cancel_maker skips the account's own orders, the other modes stop there),
same maker cap, same "a quote-sized order is done when one more lot at this price would overshoot".
"""

from __future__ import annotations

from sandex.domain.matching.book import BookSide
from sandex.domain.matching.order import StpMode

NO_LIMIT = -(1 << 62)  # a key below every real price key: market orders take any price


def simulate(
    opp: BookSide,
    threshold: int,
    sz: int,
    account_id: int,
    stp_mode: StpMode,
    max_makers: int,
    *,
    quote: bool = False,
) -> tuple[int, int]:
    """`(lots, notional)` a taker of size `sz` (lots, or notional if `quote`) would fill on `opp`."""
    lots = notional = fills = 0
    skip_own = stp_mode is StpMode.CANCEL_MAKER
    for key in reversed(opp.keys):
        if key < threshold:
            break
        level = opp.levels[opp.sign * key]
        px = level.px
        for maker in level.orders():
            want = (sz - notional) // px if quote else sz - lots
            if want <= 0:
                return lots, notional
            if maker.account_id == account_id:
                if skip_own:
                    continue
                return lots, notional
            if fills == max_makers:
                return lots, notional
            q = min(want, maker.sz - maker.filled)
            lots += q
            notional += q * px
            fills += 1
            if quote and sz - notional < px:
                return lots, notional
    return lots, notional
