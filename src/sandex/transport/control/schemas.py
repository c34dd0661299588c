"""Request bodies of the control API (JSON, unknown fields refused).

Every number has bounds: JSON integers are unbounded in Python, and one out of range (a `times` of
10**30) used to pass, then break every later answer that had to render it (orjson stops at 64 bits)
or overflow the clock. Out of bounds is a 400 naming the field, and nothing changes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sandex.domain.clock import DAY_MS, LATEST_MS
from sandex.domain.faults import MAX_LATENCY_MS, FaultKind

MAX_TIME_MS = LATEST_MS  # 9999-12-31T23:59:59.999Z: the last instant OKX's formats can show
MAX_STEP_DAYS = 36_500  # a clock move of up to ~100 years either way
MAX_COUNT = 1_000_000_000  # fault firings
MAX_SEED = 2**63 - 1

TimeMs = Annotated[int, Field(ge=0, le=MAX_TIME_MS)]
StepMs = Annotated[int, Field(ge=-MAX_STEP_DAYS * DAY_MS, le=MAX_STEP_DAYS * DAY_MS)]


class ControlError(BaseModel):
    reason: str
    message: str
    code: str | None = Field(default=None, description="the OKX code of the same refusal")
    field: str | None = Field(default=None, description="the request field at fault")


class ControlErrorBody(BaseModel):
    """How every control API refusal is answered (documentation only: `errors.py` renders it)."""

    error: ControlError


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewUserBody(StrictBody):
    email: str
    password: str | None = Field(default=None, description="default: sandex picks one and returns it")


class UserStatusBody(StrictBody):
    status: Literal["active", "frozen"]


class NewSubAccountBody(StrictBody):
    name: str
    label: str = ""


class NewKeyBody(StrictBody):
    label: str | None = Field(default=None, description="default: key-<random>")
    passphrase: str | None = Field(default=None, description="default: sandex picks one and returns it")
    perm: str = "read_only"
    ip: str = ""
    demo: bool = False
    expires_ms: TimeMs | None = Field(default=None, description="when the key stops working; none: never")


class DepositBody(StrictBody):
    ccy: str
    amount: str | int = Field(description="a decimal string (numbers with a fraction must be strings)")
    demo: bool = False
    chain: str | None = Field(
        default=None, description="e.g. USDT-TRC20: a chain deposit that waits for confirmations"
    )


class FeeTierBody(StrictBody):
    maker: str | None = Field(default=None, description='maker rate as a decimal string, e.g. "0.0002"')
    taker: str | None = Field(default=None, description='taker rate as a decimal string, e.g. "0.0005"')
    level: str | None = Field(default=None, description='the level `account/trade-fee` shows, e.g. "VIP1"')


class ChainDepositBody(StrictBody):
    chain: str
    addr: str
    tag: str = ""
    amount: str | int = Field(description="a decimal string (numbers with a fraction must be strings)")
    demo: bool = False


class AdvanceBody(StrictBody):
    # Bounded so that the step is a finite number of ms (the service then checks where it lands).
    ms: StepMs = 0
    seconds: float = Field(default=0, ge=-MAX_STEP_DAYS * 86_400, le=MAX_STEP_DAYS * 86_400)
    days: float = Field(default=0, ge=-MAX_STEP_DAYS, le=MAX_STEP_DAYS)


class SetClockBody(StrictBody):
    now_ms: TimeMs


class FreezeBody(StrictBody):
    at_ms: TimeMs | None = None


class FaultBody(StrictBody):
    kind: FaultKind
    route: str | None = None
    api_key: str | None = None
    code: str | None = None
    msg: str | None = None
    status: int | None = Field(default=None, ge=100, le=599)
    body: str | None = None
    latency_ms: int = Field(default=0, ge=0, le=MAX_LATENCY_MS)
    times: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    probability: float | None = Field(default=None, gt=0, le=1)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)


class ResetBody(StrictBody):
    uid: str | None = Field(default=None, description="reset this user only; none: everything")


class SnapshotBody(StrictBody):
    name: str
