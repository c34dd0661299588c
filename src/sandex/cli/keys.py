"""`sandex key …` and `sandex keys rotate-master`: API keys from scripts and CI.

Keys made here are active at once. `key add` shows the secret and passphrase this once (with
`--json`: one object with `apiKey`, `secretKey`, `passphrase`, `perm`, `ip`, `label`, `environment`,
`state`); nothing shows them again. Commands write to the database; a server running on the same
data dir or database sees new keys at once and revoked or deleted ones within a second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sandex.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    fail_with,
    iso,
    open_cli_accounts,
    require,
    settings_from,
    user_by_email,
)
from sandex.domain.accounts.model import Environment
from sandex.domain.keys.expiry import inactivity_applies
from sandex.domain.keys.reports import REPORT_DAYS, REPORT_WITHIN_DAYS
from sandex.domain.keys.rules import CreateKeyRequest

if TYPE_CHECKING:  # only annotations: the services load with the runtime, when a command runs
    from sandex.config import Settings
    from sandex.services.keys.ports import AuditEntry, UsageEntry
    from sandex.services.keys.views import KeyDetails, KeyFinding, KeyInfo

key_app = typer.Typer(help="Create, list, inspect, revoke and delete API keys.", no_args_is_help=True)
keys_app = typer.Typer(help="Operations over all API keys (master-key rotation).", no_args_is_help=True)

EmailArg = Annotated[str, typer.Argument(help="Email of the account that owns the keys.", show_default=False)]
ApiKeyArg = Annotated[str, typer.Argument(help="The API key (e.g. b68428e0-…).", show_default=False)]


def _expiry_ms(text: str | None) -> int | None:
    """`--expires YYYY-MM-DD`: the key works through that day (UTC) and stops at the next midnight."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail_with(f"invalid --expires {text!r}: expected YYYY-MM-DD")
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    return int(midnight.timestamp() * 1000)


def key_json(info: KeyInfo) -> dict[str, Any]:
    return {
        "apiKey": info.api_key,
        "label": info.label,
        "perm": info.perm_text,
        "ip": info.ip_text,
        "unbound": info.unbound,
        "environment": info.environment.value,
        "state": info.state.value,
        "created": info.created_ms,
        "activated": info.activated_ms,
        "expires": info.expires_at_ms,
        "effectiveExpiry": info.effective_expiry_ms,
        "revoked": info.revoked_ms,
        "lastUsed": info.last_used_ms,
        "lastUsedIp": info.last_used_ip,
        "lastUsedByPerm": {perm.value: ms for perm, ms in info.used_by_perm.items()},
    }


def _key_line(info: KeyInfo) -> str:
    ips = info.ip_text or "any IP (unbound)"
    used = (
        f"last used {iso(info.last_used_ms)} from {info.last_used_ip}" if info.last_used_ms else "never used"
    )
    return (
        f"{info.api_key}\t{info.label}\t{info.perm_text}\t{ips}\t{info.environment.value}\t{info.state.value}"
        f"\tcreated {iso(info.created_ms)}\t{used}\texpires {iso(info.effective_expiry_ms)}"
    )


# --- key -----------------------------------------------------------------------------------------
@key_app.command("add")
def key_add(
    email: EmailArg,
    label: Annotated[
        str, typer.Option("--label", help="Unique per account; letters, digits, _ - and spaces.")
    ],
    passphrase: Annotated[
        str, typer.Option("--passphrase", help="8-32 chars: a digit, upper and lower case, a special char.")
    ],
    perm: Annotated[
        str, typer.Option("--perm", help="read_only,trade,withdraw (comma-separated).")
    ] = "read_only",
    ip: Annotated[
        list[str] | None,
        typer.Option("--ip", help="Allowed IPv4/IPv6 address or CIDR (repeatable, up to 20)."),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="A demo-trading key (x-simulated-trading: 1).")
    ] = False,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Last day the key works (YYYY-MM-DD, UTC).")
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API key for EMAIL, active at once. Its secret and passphrase are shown only now."""
    request = CreateKeyRequest(label, passphrase, perm, ",".join(ip or ()), _expiry_ms(expires))
    environment = Environment.DEMO if demo else Environment.LIVE
    with open_cli_accounts(data_dir, database_url) as runtime:
        created = require(
            runtime.keys.keys.create(user_by_email(runtime, email).id, request, environment=environment)
        )
    info = created.info
    payload = {**key_json(info), "secretKey": created.secret, "passphrase": created.passphrase}
    lines = [
        f"created API key {info.api_key} ({info.label}, {info.perm_text}, {info.environment.value})",
        f"secret key: {created.secret}",
        f"passphrase: {created.passphrase}",
        "store them now: they are never shown again",
    ]
    if inactivity_applies(info):
        lines.append("warning: not bound to any IP; it expires after 14 days without use")
    emit(as_json, payload, lines)


@key_app.command("list")
def key_list(
    email: EmailArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """List EMAIL's API keys (deleted ones left out), oldest first."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        keys = runtime.keys.keys.list(user_by_email(runtime, email).id)
    emit(
        as_json, {"keys": [key_json(info) for info in keys]}, [_key_line(i) for i in keys] or ["no API keys"]
    )


@key_app.command("show")
def key_show(
    api_key: ApiKeyArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """One key with its audit trail (created, edited, revoked, auth failures…) and recent usage."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        details = require(runtime.keys.keys.show(api_key))
    emit(as_json, _details_json(details), _details_lines(details))


def _audit_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "ts": entry.ts_ms,
        "lastTs": entry.last_ts_ms or entry.ts_ms,
        "event": entry.event.value,
        "detail": entry.detail,
        "ip": entry.ip,
        "count": entry.count,
    }


def _usage_json(entry: UsageEntry) -> dict[str, Any]:
    return {
        "ts": entry.ts_ms,
        "method": entry.method,
        "path": entry.path,
        "ip": entry.ip,
        "code": entry.code,
        "count": entry.count,
        "last_ts": entry.last_ts_ms,
    }


def _details_json(details: KeyDetails) -> dict[str, Any]:
    return {
        **key_json(details.info),
        "audit": [_audit_json(e) for e in details.audit],
        "usage": [_usage_json(e) for e in details.usage],
    }


def _details_lines(details: KeyDetails) -> list[str]:
    lines = [_key_line(details.info), "audit:"]
    for e in details.audit:
        times = f" x{e.count} (last {iso(e.last_ts_ms)})" if e.count > 1 else ""
        lines.append(f"  {iso(e.ts_ms)}\t{e.event.value}\t{e.detail}\t{e.ip}{times}".rstrip())
    lines.append("recent usage:" if details.usage else "recent usage: none")
    lines += [f"  {iso(u.ts_ms)}\t{u.method} {u.path}\t{u.ip}" for u in details.usage]
    return lines


@key_app.command("revoke")
def key_revoke(
    api_key: ApiKeyArg, data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None
) -> None:
    """Disable a key at once (it stays listed with its audit trail)."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        info = require(runtime.keys.keys.revoke(api_key))
    typer.echo(f"API key {info.api_key} is {info.state.value}")


@key_app.command("delete")
def key_delete(
    api_key: ApiKeyArg, data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None
) -> None:
    """Delete a key: it stops working at once and leaves the owner's list (`key show` still finds it)."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        info = require(runtime.keys.keys.delete(api_key))
    typer.echo(f"API key {info.api_key} deleted")


@key_app.command("audit")
def key_audit(
    email: EmailArg,
    days: Annotated[
        int, typer.Option("--days", min=1, help="Report permissions unused for this long.")
    ] = REPORT_DAYS,
    within: Annotated[
        int, typer.Option("--within", min=1, help="Report keys that stop working within this many days.")
    ] = REPORT_WITHIN_DAYS,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Least privilege: unused permissions, keys without an IP binding, keys about to expire."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        keys = runtime.keys.keys.list(user_by_email(runtime, email).id)
        report = runtime.keys.maintenance.report(keys, days, within)
    payload = {"days": days, "within": within, "findings": [_finding_json(f) for f in report.findings]}
    emit(as_json, payload, [_finding_line(f) for f in report.findings] or ["nothing to report"])


def _finding_json(finding: KeyFinding) -> dict[str, Any]:
    return {
        "apiKey": finding.key.api_key,
        "label": finding.key.label,
        "unusedPerms": [perm.value for perm in finding.unused_perms],
        "unbound": finding.unbound,
        "expiresInMs": finding.expires_within_ms,
        "effectiveExpiry": finding.key.effective_expiry_ms,
    }


def _finding_line(finding: KeyFinding) -> str:
    notes = []
    if finding.unused_perms:
        notes.append("unused: " + ",".join(perm.value for perm in finding.unused_perms))
    if finding.unbound:
        notes.append("not bound to an IP")
    if finding.expires_within_ms is not None:
        notes.append(f"stops working {iso(finding.key.effective_expiry_ms)}")
    return f"{finding.key.api_key}\t{finding.key.label}\t" + "; ".join(notes)


# --- keys ----------------------------------------------------------------------------------------
@keys_app.command("rotate-master")
def rotate_master(data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None) -> None:
    """Add a new master key and re-encrypt every API secret and 2FA seed under it (one transaction).

    Older master keys stay in the key file, so a failure leaves everything readable."""
    from sandex.runtime.crypto import MASTER_KEY_FILE, add_master_key, read_master_keys

    settings: Settings = settings_from(data_dir=data_dir, database_url=database_url)
    if settings.master_key:
        fail_with("the master key comes from the settings (SANDEX_MASTER_KEY): rotate it there")
    with open_cli_accounts(data_dir, database_url) as runtime:
        path = settings.data_dir / MASTER_KEY_FILE
        new_id = add_master_key(path)
        count = runtime.keys.maintenance.rotate_master_key(read_master_keys(path))
    typer.echo(f"master key {new_id} is active; {count} secrets re-encrypted")
