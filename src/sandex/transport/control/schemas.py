"""Request bodies of the control API (JSON, unknown fields refused)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sandex.domain.clock import DAY_MS, LATEST_MS, SECOND_MS
from sandex.services.faults import FaultKind


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
    expires_ms: int | None = Field(default=None, description="when the key stops working; none: never")


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
    ms: int = Field(default=0, ge=-LATEST_MS, le=LATEST_MS)
    seconds: float = Field(default=0, ge=-LATEST_MS / SECOND_MS, le=LATEST_MS / SECOND_MS)
    days: float = Field(default=0, ge=-LATEST_MS / DAY_MS, le=LATEST_MS / DAY_MS)


class SetClockBody(StrictBody):
    now_ms: int


class FreezeBody(StrictBody):
    at_ms: int | None = None


class FaultBody(StrictBody):
    kind: FaultKind
    route: str | None = None
    api_key: str | None = None
    code: str | None = None
    msg: str | None = None
    status: int | None = None
    body: str | None = None
    latency_ms: int = 0
    times: int | None = None
    probability: float | None = None
    seed: int | None = None


class ResetBody(StrictBody):
    uid: str | None = Field(default=None, description="reset this user only; none: everything")


class SnapshotBody(StrictBody):
    name: str
