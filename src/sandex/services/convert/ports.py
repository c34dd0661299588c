"""What the convert service needs from outside: committed trades, the desk's system user, prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sandex.domain.accounts.model import Environment
from sandex.services.exchange.records import ConvertTradeRecord


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """`asset/convert/history`: newest first; `after`/`before` are trade times (ms), exclusive."""

    cl_t_req_id: str = ""  # "": any (matched against clTReqId or tradeId, see the service)
    tag: str = ""
    after: int | None = None
    before: int | None = None
    limit: int = 100


class ConvertStore(Protocol):
    """Convert trades as the exchange's group commit wrote them (`ChangeSet.convert_trades`)."""

    def convert_trades(
        self, environment: Environment, user_id: int, query: HistoryQuery
    ) -> list[ConvertTradeRecord]: ...

    def convert_trade_by_client(
        self, environment: Environment, user_id: int, cl_t_req_id: str
    ) -> ConvertTradeRecord | None: ...

    def max_convert_no(self) -> int:
        """The highest trade number stored (0 when none): new quotes are numbered above it."""
        ...


class SystemUsers(Protocol):
    def system_user(self, role: str, now_ms: int) -> int:
        """The id of sandex's own user for `role`, created on first use."""
        ...


class ReferencePrices(Protocol):
    def reference_px(self, inst_id: str) -> Decimal | None:
        """The simulated market's reference price; None while the instrument cannot be priced
        (unknown, or halted)."""
        ...
