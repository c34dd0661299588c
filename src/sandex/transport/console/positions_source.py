"""What the Positions page reads, from committed state: `PositionReader` marks the live positions
at the simulated market's mark, the store gives closed positions, leverage rows and the
funding-fee bills. Nothing here is computed twice: the numbers are the OKX API's."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode, PosSide
from sandex.domain.instruments import Catalogue, InstrumentState
from sandex.domain.ledger.amounts import from_amount
from sandex.domain.ledger.postings import PostingReason
from sandex.services.console.swaps import FundingFee
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.records import LedgerAccountKind
from sandex.services.exchange.store import BillQuery, ExchangeStore, PositionQuery
from sandex.services.exchange.swap_records import LeverageRecord, PositionRecord, PositionView
from sandex.services.trading.positions import PositionReader

DEFAULT_LEVER = Decimal(10)  # OKX's leverage before the account sets one: min(10, the instrument's max)


class ConsoleSwapReads:
    def __init__(
        self,
        reader: PositionReader,
        store: ExchangeStore,
        accounts: LedgerAccounts,
        catalogue: Catalogue,
    ) -> None:
        self._reader = reader
        self._store = store
        self._accounts = accounts
        self._catalogue = catalogue

    def positions(self, user_id: int, environment: Environment) -> list[PositionView]:
        account = self._account(user_id, environment)
        return [] if account is None else self._reader.positions(account)

    def closed_positions(self, user_id: int, environment: Environment, limit: int) -> list[PositionRecord]:
        account = self._account(user_id, environment)
        if account is None:
            return []
        return self._store.positions_history(account, PositionQuery(limit=limit))

    def leverages(self, user_id: int, environment: Environment) -> list[LeverageRecord]:
        """Per swap and margin mode: the rows the account set, else OKX's default (net side)."""
        account = self._account(user_id, environment) or 0
        swaps = dict(self._swaps())
        stored = self._store.leverages(account, list(swaps)) if account else []
        rows: list[LeverageRecord] = []
        for inst_id, max_lever in swaps.items():
            for mgn_mode in MgnMode:
                mine = [r for r in stored if r.inst_id == inst_id and r.mgn_mode is mgn_mode]
                default = LeverageRecord(
                    environment, account, inst_id, mgn_mode, PosSide.NET, min(DEFAULT_LEVER, max_lever)
                )
                rows.extend(mine or [default])
        return rows

    def funding_fees(self, user_id: int, environment: Environment, limit: int) -> list[FundingFee]:
        """Bills type 8: a cross position's funding moves its cash, an isolated one's its margin
        (the bill's `pnl` is the fee either way: + received, - paid)."""
        account = self._account(user_id, environment)
        if account is None:
            return []
        bills = self._store.bills(account, BillQuery(reasons={PostingReason.FUNDING}, limit=limit))
        return [
            FundingFee(
                str(bill.bill_id),
                bill.inst_id,
                bill.ccy,
                from_amount(bill.pnl if bill.pnl is not None else bill.delta_available),
                bill.ts,
            )
            for bill in bills
        ]

    def _swaps(self) -> Iterator[tuple[str, Decimal]]:
        for inst_id, inst in self._catalogue.instruments.items():
            if inst.contract is not None and inst.state is InstrumentState.LIVE:
                yield inst_id, inst.contract.max_lever

    def _account(self, user_id: int, environment: Environment) -> int | None:
        return self._accounts.find(user_id, environment, LedgerAccountKind.TRADING)
