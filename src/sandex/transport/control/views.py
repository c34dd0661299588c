"""Control API answers as plain JSON objects (snake_case; amounts and ids as strings)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from enum import Enum
from typing import Any

from sandex.domain.faults import Fault, FaultEvent
from sandex.domain.ledger.fees import FeeTier
from sandex.services.accounts.service import SubAccountView, UserView
from sandex.services.control.service import ClockView, CreatedUser, DepositDone
from sandex.services.keys.views import CreatedKey, KeyInfo


def user_json(user: UserView) -> dict[str, Any]:
    return {
        "uid": user.uid,
        "email": user.email,
        "sub_account": user.sub_name,
        "label": user.label,
        "status": user.status.value,
        "totp_enabled": user.totp_enabled,
        "created_ms": user.created_ms,
    }


def created_user_json(created: CreatedUser) -> dict[str, Any]:
    body = user_json(created.user)
    if created.password is not None:
        body["password"] = created.password
    return body


def subaccount_json(sub: SubAccountView) -> dict[str, Any]:
    return {
        "uid": sub.uid,
        "sub_account": sub.name,
        "label": sub.label,
        "enabled": sub.enabled,
        "created_ms": sub.created_ms,
    }


def key_json(info: KeyInfo) -> dict[str, Any]:
    return {
        "api_key": info.api_key,
        "label": info.label,
        "perm": info.perm_text,
        "ip": info.ip_text,
        "environment": info.environment.value,
        "state": info.state.value,
        "created_ms": info.created_ms,
        "expires_ms": info.expires_at_ms,
        "effective_expiry_ms": info.effective_expiry_ms,
        "revoked_ms": info.revoked_ms,
        "last_used_ms": info.last_used_ms,
    }


def created_key_json(created: CreatedKey) -> dict[str, Any]:
    """The only answer that carries the secret and the passphrase."""
    return {**key_json(created.info), "secret_key": created.secret, "passphrase": created.passphrase}


def clock_json(clock: ClockView) -> dict[str, Any]:
    return {"now_ms": clock.now_ms, "frozen": clock.frozen, "offset_ms": clock.offset_ms}


def fault_json(fault: Fault) -> dict[str, Any]:
    spec = fault.spec
    return {
        "id": fault.id,
        "kind": spec.kind.value,
        "route": spec.route,
        "api_key": spec.api_key,
        "code": spec.code,
        "msg": spec.msg,
        "status": spec.status,
        "latency_ms": spec.latency_ms,
        "times": spec.times,
        "probability": spec.probability,
        "seed": spec.seed,
        "created_ms": fault.created_ms,
        "seen": fault.seen,
        "fired": fault.fired,
        "remaining": fault.remaining,
    }


def event_json(event: FaultEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "fault_id": event.fault_id,
        "kind": event.kind.value,
        "target": event.target,
        "api_key": event.api_key,
        "ts_ms": event.ts_ms,
        "code": event.code,
        "status": event.status,
    }


def deposit_json(done: DepositDone) -> dict[str, Any]:
    return {
        "uid": done.uid,
        "ccy": done.ccy,
        "amount": str(done.amount),
        "environment": done.environment.value,
        "result": plain(done.result),
    }


def fee_tier_json(uid: str, tier: FeeTier) -> dict[str, Any]:
    return {"uid": uid, "level": tier.level, "maker": str(tier.maker), "taker": str(tier.taker)}


def plain(value: Any) -> Any:
    """A service value as JSON-ready data: dataclasses as objects, Decimals as strings, enums by value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value
