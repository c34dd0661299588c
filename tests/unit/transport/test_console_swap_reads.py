"""What the Positions page reads: funding bills as fees (the bill's pnl, + received / - paid, for
cross and isolated alike), leverage rows with OKX's default where none is set, nothing for a user
who never traded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode, PosSide
from sandex.domain.instruments import Catalogue
from sandex.domain.ledger.postings import PostingReason
from sandex.services.console.swaps import FundingFee
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.records import LedgerAccountKind, PostingRecord
from sandex.services.exchange.store import BillQuery
from sandex.services.exchange.swap_records import LeverageRecord
from sandex.transport.console.positions_source import ConsoleSwapReads
from tests.support.swaps import btc_swap, eth_swap

LIVE = Environment.LIVE
E18 = 10**18


class Store:
    """Account 5 is user 1's live trading account; user 2 never traded."""

    def __init__(self) -> None:
        self.queries: list[BillQuery] = []

    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int:
        raise AssertionError("reads never create accounts")

    def find_account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None:
        return 5 if user_id == 1 else None

    def bills(self, account_id: int, query: BillQuery) -> list[PostingRecord]:
        self.queries.append(query)
        cross = PostingRecord(
            9,
            5,
            "USDT",
            -3 * E18 // 10,
            0,
            0,
            0,
            PostingReason.FUNDING,
            1,
            None,
            "BTC-USDT-SWAP",
            7,
            pnl=None,
        )
        isolated = PostingRecord(
            8, 5, "USDT", 0, 0, 0, 0, PostingReason.FUNDING, 2, None, "ETH-USDT-SWAP", 6, pnl=E18 // 4
        )
        return [cross, isolated]

    def leverages(
        self, account_id: int, inst_ids: list[str], mgn_mode: MgnMode | None = None
    ) -> list[LeverageRecord]:
        return [
            LeverageRecord(LIVE, 5, "ETH-USDT-SWAP", MgnMode.ISOLATED, PosSide.LONG, Decimal(3)),
            LeverageRecord(LIVE, 5, "ETH-USDT-SWAP", MgnMode.ISOLATED, PosSide.SHORT, Decimal(4)),
        ]


class Clock:
    def now_ms(self) -> int:
        return 0


def _reads(store: Store) -> ConsoleSwapReads:
    catalogue = Catalogue([btc_swap(), eth_swap()], [])
    accounts = LedgerAccounts(store, Clock())  # type: ignore[arg-type]
    reader: Any = None
    return ConsoleSwapReads(reader, store, accounts, catalogue)  # type: ignore[arg-type]


def test_funding_bills_are_fees_of_either_margin_mode() -> None:
    store = Store()
    fees = _reads(store).funding_fees(1, LIVE, 50)
    assert fees == [
        FundingFee("9", "BTC-USDT-SWAP", "USDT", Decimal("-0.3"), 7),
        FundingFee("8", "ETH-USDT-SWAP", "USDT", Decimal("0.25"), 6),
    ]
    assert [(q.reasons, q.limit) for q in store.queries] == [({PostingReason.FUNDING}, 50)]


def test_leverage_rows_default_where_none_is_set() -> None:
    rows = [
        (r.inst_id, r.mgn_mode.value, r.pos_side.value, r.lever) for r in _reads(Store()).leverages(1, LIVE)
    ]
    assert rows == [
        ("BTC-USDT-SWAP", "cross", "net", Decimal(10)),
        ("BTC-USDT-SWAP", "isolated", "net", Decimal(10)),
        ("ETH-USDT-SWAP", "cross", "net", Decimal(10)),
        ("ETH-USDT-SWAP", "isolated", "long", Decimal(3)),
        ("ETH-USDT-SWAP", "isolated", "short", Decimal(4)),
    ]


def test_a_user_who_never_traded_has_nothing() -> None:
    reads = _reads(Store())
    assert reads.funding_fees(2, LIVE, 50) == []
    assert reads.closed_positions(2, LIVE, 50) == []
    assert reads.positions(2, LIVE) == []
