"""The OKX budgets over a limiter: `RateLimits` draws on the bucket a rule and a `Subject` name.

`Settings.rate_limits`: `okx` = published numbers, `xN` multiplies every limit by N (at least 1),
`off` = no checks at all (CI load tests). The rules themselves are in `rules.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sandex.domain.clock import Clock
from sandex.domain.errors import Reason, Rejected
from sandex.services.ports import RateLimiter
from sandex.transport.okx.ratelimits.rules import SINGLE_OF_BATCH, SUBACCOUNT_ORDERS, Per, Rule, Who, rule_for


def parse_scale(mode: str) -> float | None:
    """`off` -> None (no limits), `okx` -> 1, `xN` -> N."""
    if mode == "off":
        return None
    if mode == "okx":
        return 1.0
    if mode.startswith("x"):
        try:
            scale = float(mode[1:])
        except ValueError:
            scale = 0.0
        if scale > 0:
            return scale
    raise ValueError(f"rate limits must be off, okx or xN with N > 0, got {mode!r}")


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is asking and about what: the values a rule's key may be built from."""

    ip: str
    uid: str | None = None
    inst_id: str | None = None
    inst_type: str | None = None
    ccy: str | None = None
    tag: str | None = None
    conn_id: str | None = None

    def who(self, who: Who) -> str:
        if who is Who.UID and self.uid:
            return f"uid:{self.uid}"
        if who is Who.CONNECTION and self.conn_id:
            return f"conn:{self.conn_id}"
        return f"ip:{self.ip}"

    def per(self, per: Per | None) -> str:
        if per is None:
            return ""
        values = {
            Per.INST_TYPE: self.inst_type,
            Per.INST_ID: self.inst_id,
            Per.CCY: self.ccy,
            Per.TAG: self.tag,
        }
        return f"|{per.value}:{values[per] or ''}"


def bucket_key(route_id: str, rule: Rule, subject: Subject) -> str:
    return f"{route_id}|{subject.who(rule.who)}{subject.per(rule.per)}"


_RATE_LIMITED = Rejected.of(Reason.RATE_LIMITED)
_SUBACCOUNT_LIMITED = Rejected.of(Reason.SUBACCOUNT_RATE_LIMITED)


class RateLimits:
    """The OKX budgets over a limiter (memory or Redis); `scale=None` turns every check off."""

    def __init__(self, limiter: RateLimiter, clock: Clock, scale: float | None = 1.0) -> None:
        self._limiter = limiter
        self._clock = clock
        self._scale = scale

    @classmethod
    def from_mode(cls, mode: str, limiter: RateLimiter, clock: Clock) -> RateLimits:
        return cls(limiter, clock, parse_scale(mode))

    @property
    def enabled(self) -> bool:
        return self._scale is not None

    def limit_of(self, rule: Rule) -> int:
        scale = self._scale or 1.0
        return max(1, int(rule.limit * scale))

    async def check(
        self,
        route_id: str,
        *,
        ip: str,
        uid: str | None,
        inst_id: str | None = None,
        inst_type: str | None = None,
        ccy: str | None = None,
        tag: str | None = None,
        conn_id: str | None = None,
        cost: int = 1,
    ) -> Rejected | None:
        """None when allowed; 50011 (RATE_LIMITED) when the route's budget is spent."""
        if self._scale is None:
            return None
        if cost == 1:
            route_id = SINGLE_OF_BATCH.get(route_id, route_id)
        subject = Subject(ip, uid, inst_id, inst_type, ccy, tag, conn_id)
        return await self._take(route_id, rule_for(route_id), subject, cost, _RATE_LIMITED)

    async def check_orders(
        self, route_id: str, *, ip: str, uid: str | None, inst_ids: Sequence[str]
    ) -> Rejected | None:
        """A single or batch order request: one unit per order, on each instrument's own budget."""
        if self._scale is None or not inst_ids:
            return None
        if len(inst_ids) == 1:
            return await self.check(route_id, ip=ip, uid=uid, inst_id=inst_ids[0])
        for inst_id, count in Counter(inst_ids).items():
            refused = await self.check(route_id, ip=ip, uid=uid, inst_id=inst_id, cost=count)
            if refused is not None:
                return refused
        return None

    async def check_subaccount_orders(self, uid: str, n_orders: int) -> Rejected | None:
        """The per-(sub-)account cap on new + amended orders: 50061 when exceeded."""
        if self._scale is None or n_orders < 1:
            return None
        subject = Subject(ip="", uid=uid)
        return await self._take("orders", SUBACCOUNT_ORDERS, subject, n_orders, _SUBACCOUNT_LIMITED)

    async def _take(
        self, route_id: str, rule: Rule, subject: Subject, cost: int, refusal: Rejected
    ) -> Rejected | None:
        key = bucket_key(route_id, rule, subject)
        now_ms = self._clock.now_ms()
        allowed = await self._limiter.try_acquire(key, cost, self.limit_of(rule), rule.window_ms, now_ms)
        return None if allowed else refusal

    async def start(self) -> None:
        if self._scale is not None:
            await self._limiter.ready()

    async def reset(self) -> None:
        """Every budget back to full (the control API's reset)."""
        await self._limiter.clear()

    async def close(self) -> None:
        await self._limiter.aclose()
