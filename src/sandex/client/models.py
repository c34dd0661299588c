"""Typed results of the client: OKX answers (amounts as `Decimal`, times in ms) and control objects.

Each OKX model keeps the item it was read from in `raw`, for fields not modelled here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

Raw = Mapping[str, Any]


def dec(value: Any) -> Decimal | None:
    """OKX's number strings ("" means none)."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def ms(value: Any) -> int | None:
    return int(value) if isinstance(value, str | int) and str(value).isdigit() else None


def text(raw: Raw, name: str) -> str:
    value = raw.get(name)
    return value if isinstance(value, str) else ("" if value is None else str(value))


# --- OKX -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AccountConfig:
    uid: str
    main_uid: str
    label: str
    perm: str
    ip: str
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def of(cls, raw: Raw) -> AccountConfig:
        return cls(
            text(raw, "uid"),
            text(raw, "mainUid"),
            text(raw, "label"),
            text(raw, "perm"),
            text(raw, "ip"),
            raw,
        )


@dataclass(frozen=True, slots=True)
class Balance:
    ccy: str
    avail: Decimal
    frozen: Decimal
    cash: Decimal
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def of(cls, raw: Raw) -> Balance:
        zero = Decimal(0)
        return cls(
            text(raw, "ccy"),
            dec(raw.get("availBal")) or zero,
            dec(raw.get("frozenBal")) or zero,
            dec(raw.get("cashBal")) or zero,
            raw,
        )


@dataclass(frozen=True, slots=True)
class AccountBalance:
    total_eq: Decimal | None
    details: tuple[Balance, ...]

    def get(self, ccy: str) -> Balance | None:
        return next((row for row in self.details if row.ccy == ccy), None)

    def avail(self, ccy: str) -> Decimal:
        row = self.get(ccy)
        return row.avail if row is not None else Decimal(0)


@dataclass(frozen=True, slots=True)
class OrderAck:
    """One item of a place/cancel/amend answer."""

    ord_id: str
    cl_ord_id: str
    s_code: str
    s_msg: str
    ts: int | None
    raw: Raw = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.s_code == "0"

    @classmethod
    def of(cls, raw: Raw) -> OrderAck:
        return cls(
            text(raw, "ordId"),
            text(raw, "clOrdId"),
            text(raw, "sCode") or "0",
            text(raw, "sMsg"),
            ms(raw.get("ts")),
            raw,
        )


@dataclass(frozen=True, slots=True)
class Order:
    inst_id: str
    ord_id: str
    cl_ord_id: str
    side: str
    ord_type: str
    state: str  # live | partially_filled | filled | canceled | mmp_canceled
    px: Decimal | None
    sz: Decimal | None
    acc_fill_sz: Decimal
    avg_px: Decimal | None
    fee: Decimal | None
    fee_ccy: str
    c_time: int | None
    u_time: int | None
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def of(cls, raw: Raw) -> Order:
        return cls(
            inst_id=text(raw, "instId"),
            ord_id=text(raw, "ordId"),
            cl_ord_id=text(raw, "clOrdId"),
            side=text(raw, "side"),
            ord_type=text(raw, "ordType"),
            state=text(raw, "state"),
            px=dec(raw.get("px")),
            sz=dec(raw.get("sz")),
            acc_fill_sz=dec(raw.get("accFillSz")) or Decimal(0),
            avg_px=dec(raw.get("avgPx")),
            fee=dec(raw.get("fee")),
            fee_ccy=text(raw, "feeCcy"),
            c_time=ms(raw.get("cTime")),
            u_time=ms(raw.get("uTime")),
            raw=raw,
        )


# --- control ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Credentials:
    """What a client needs to sign requests. `demo` keys trade in demo mode (x-simulated-trading: 1)."""

    api_key: str
    secret_key: str = field(repr=False)
    passphrase: str = field(repr=False)
    demo: bool = False


@dataclass(frozen=True, slots=True)
class User:
    uid: str
    email: str | None
    sub_account: str | None
    label: str
    status: str
    totp_enabled: bool
    created_ms: int
    password: str | None = field(default=None, repr=False)  # only when sandex chose it, at creation

    @classmethod
    def of(cls, raw: Raw) -> User:
        return cls(
            uid=str(raw["uid"]),
            email=raw.get("email"),
            sub_account=raw.get("sub_account"),
            label=str(raw.get("label", "")),
            status=str(raw.get("status", "")),
            totp_enabled=bool(raw.get("totp_enabled", False)),
            created_ms=int(raw.get("created_ms", 0)),
            password=raw.get("password"),
        )


@dataclass(frozen=True, slots=True)
class ApiKey:
    api_key: str
    label: str
    perm: str
    ip: str
    environment: str  # live | demo
    state: str  # active | pending | revoked | expired | deleted
    created_ms: int
    expires_ms: int | None
    effective_expiry_ms: int | None
    last_used_ms: int | None
    revoked_ms: int | None
    secret_key: str | None = field(default=None, repr=False)  # only in the answer that created it
    passphrase: str | None = field(default=None, repr=False)

    @property
    def credentials(self) -> Credentials:
        if self.secret_key is None or self.passphrase is None:
            raise ValueError("the secret is only known from the answer that created the key")
        return Credentials(self.api_key, self.secret_key, self.passphrase, self.environment == "demo")

    @classmethod
    def of(cls, raw: Raw) -> ApiKey:
        return cls(
            api_key=str(raw["api_key"]),
            label=str(raw.get("label", "")),
            perm=str(raw.get("perm", "")),
            ip=str(raw.get("ip", "")),
            environment=str(raw.get("environment", "live")),
            state=str(raw.get("state", "")),
            created_ms=int(raw.get("created_ms", 0)),
            expires_ms=raw.get("expires_ms"),
            effective_expiry_ms=raw.get("effective_expiry_ms"),
            last_used_ms=raw.get("last_used_ms"),
            revoked_ms=raw.get("revoked_ms"),
            secret_key=raw.get("secret_key"),
            passphrase=raw.get("passphrase"),
        )


@dataclass(frozen=True, slots=True)
class Deposit:
    uid: str
    ccy: str
    amount: Decimal
    environment: str
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def of(cls, raw: Raw) -> Deposit:
        amount = Decimal(str(raw["amount"]))
        return cls(str(raw["uid"]), str(raw["ccy"]), amount, str(raw["environment"]), raw)


@dataclass(frozen=True, slots=True)
class ClockState:
    now_ms: int
    frozen: bool
    offset_ms: int

    @classmethod
    def of(cls, raw: Raw) -> ClockState:
        return cls(int(raw["now_ms"]), bool(raw["frozen"]), int(raw["offset_ms"]))


@dataclass(frozen=True, slots=True)
class SwapSettings:
    """An account's swap settings in one environment: `acct_lv` "1" Spot mode, "2" Futures mode;
    `pos_mode` "net_mode" or "long_short_mode"."""

    uid: str
    environment: str
    acct_lv: str
    pos_mode: str

    @classmethod
    def of(cls, raw: Raw) -> SwapSettings:
        return cls(text(raw, "uid"), text(raw, "environment"), text(raw, "acct_lv"), text(raw, "pos_mode"))

    @property
    def futures(self) -> bool:
        return self.acct_lv == "2"


@dataclass(frozen=True, slots=True)
class Fault:
    id: str
    kind: str
    route: str | None
    api_key: str | None
    code: str | None
    status: int | None
    latency_ms: int
    times: int | None
    probability: float | None
    seen: int
    fired: int
    remaining: int | None
    raw: Raw = field(repr=False, compare=False)

    @classmethod
    def of(cls, raw: Raw) -> Fault:
        return cls(
            id=str(raw["id"]),
            kind=str(raw["kind"]),
            route=raw.get("route"),
            api_key=raw.get("api_key"),
            code=raw.get("code"),
            status=raw.get("status"),
            latency_ms=int(raw.get("latency_ms", 0)),
            times=raw.get("times"),
            probability=raw.get("probability"),
            seen=int(raw.get("seen", 0)),
            fired=int(raw.get("fired", 0)),
            remaining=raw.get("remaining"),
            raw=raw,
        )


@dataclass(frozen=True, slots=True)
class FaultEvent:
    seq: int
    fault_id: str
    kind: str
    target: str  # e.g. "POST /api/v5/trade/order"
    api_key: str | None
    ts_ms: int
    code: str | None
    status: int | None

    @classmethod
    def of(cls, raw: Raw) -> FaultEvent:
        return cls(
            seq=int(raw["seq"]),
            fault_id=str(raw["fault_id"]),
            kind=str(raw["kind"]),
            target=str(raw["target"]),
            api_key=raw.get("api_key"),
            ts_ms=int(raw["ts_ms"]),
            code=raw.get("code"),
            status=raw.get("status"),
        )
