"""The API-key form: what it shows back (never the passphrase) and how it becomes a service request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import Permission
from sandex.domain.keys.rules import UNCHANGED, CreateKeyRequest, EditKeyRequest, Unchanged
from sandex.services.keys.views import ConsoleConfirmation, KeyInfo
from sandex.transport.console.forms import FormData

KEEP = "keep"
ON_DATE = "date"
NEVER = "never"
EXPIRY_CHOICES: tuple[tuple[str, str], ...] = (
    (NEVER, "Never"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("180", "In 180 days"),
    (ON_DATE, "On a date (UTC)"),
)
_PRESET_DAYS = {"7", "30", "90", "180"}


@dataclass(frozen=True, slots=True)
class KeyFormValues:
    """The form's fields as shown (on first display, or back after a refusal)."""

    label: str = ""
    description: str = ""
    trade: bool = False
    withdraw: bool = False
    ip: str = ""
    environment: str = Environment.LIVE.value
    expiry: str = NEVER
    expiry_date: str = ""

    @classmethod
    def posted(cls, form: FormData) -> KeyFormValues:
        return cls(
            label=form.text("label"),
            description=form.text("description"),
            trade=form.flag("perm_trade"),
            withdraw=form.flag("perm_withdraw"),
            ip=form.text("ip"),
            environment=form.text("environment") or Environment.LIVE.value,
            expiry=form.text("expiry") or NEVER,
            expiry_date=form.text("expiry_date"),
        )

    @classmethod
    def of_key(cls, info: KeyInfo) -> KeyFormValues:
        expiry = info.expires_at_ms
        shown = "" if expiry is None else datetime.fromtimestamp(expiry / 1000, tz=UTC).date().isoformat()
        return cls(
            label=info.label,
            description=info.description,
            trade=Permission.TRADE in info.perms,
            withdraw=Permission.WITHDRAW in info.perms,
            ip="\n".join(info.ips.entries),
            environment=info.environment.value,
            expiry=KEEP,
            expiry_date=shown,
        )

    @property
    def perm(self) -> str:
        granted = [Permission.READ_ONLY.value]
        granted += [Permission.TRADE.value] if self.trade else []
        granted += [Permission.WITHDRAW.value] if self.withdraw else []
        return ",".join(granted)


def confirmation(form: FormData) -> ConsoleConfirmation:
    return ConsoleConfirmation(
        totp_code=form.text("totp_code") or None, email_code=form.text("email_code") or None
    )


def expiry_of(values: KeyFormValues, now_ms: int) -> int | Unchanged | Rejected | None:
    """The chosen expiry instant: a preset from now, the end of a chosen UTC day, never, or unchanged."""
    if values.expiry == KEEP:
        return UNCHANGED
    if values.expiry == NEVER:
        return None
    if values.expiry in _PRESET_DAYS:
        return now_ms + int(values.expiry) * DAY_MS
    if values.expiry == ON_DATE:
        try:
            day = date.fromisoformat(values.expiry_date)
            end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        except (ValueError, OverflowError):  # not a date, or 9999-12-31 (its end is past datetime's range)
            return Rejected.of(Reason.KEY_EXPIRY_INVALID, field="expires_at")
        return int(end.timestamp() * 1000)  # the key works through the whole chosen day
    return Rejected.of(Reason.KEY_EXPIRY_INVALID, field="expires_at")


def environment_of(values: KeyFormValues) -> Environment | Rejected:
    try:
        return Environment(values.environment)
    except ValueError:
        return Rejected.of(Reason.PARAM_ERROR, field="environment")


def create_request(values: KeyFormValues, passphrase: str, now_ms: int) -> CreateKeyRequest | Rejected:
    expiry = expiry_of(values, now_ms)
    if isinstance(expiry, Rejected):
        return expiry
    if isinstance(expiry, Unchanged):  # "keep" is not offered on creation
        return Rejected.of(Reason.KEY_EXPIRY_INVALID, field="expires_at")
    return CreateKeyRequest(values.label, passphrase, values.perm, values.ip, expiry, values.description)


def edit_request(values: KeyFormValues, now_ms: int) -> EditKeyRequest | Rejected:
    expiry = expiry_of(values, now_ms)
    if isinstance(expiry, Rejected):
        return expiry
    return EditKeyRequest(
        label=values.label,
        perm=values.perm,
        ip=values.ip,
        expires_at_ms=expiry,
        description=values.description,
    )
