"""`sandex user|subaccount|mail …`: manage accounts and read the embedded outbox from scripts and CI.

They write straight to the database (a server on the same data dir or database sees the change) and
print one line per item, or one JSON object with `--json`.
"""

from __future__ import annotations

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
)
from sandex.domain.accounts.model import UserStatus

if TYPE_CHECKING:  # the services load with the runtime, when a command runs
    from sandex.services.accounts.service import AccountsService, SubAccountView, UserView

user_app = typer.Typer(help="Create, list, freeze and unfreeze users.", no_args_is_help=True)
subaccount_app = typer.Typer(help="Sub-accounts of a master user.", no_args_is_help=True)
mail_app = typer.Typer(
    help="The development outbox: mail a deployment with --smtp-url delivers by SMTP (email codes).",
    no_args_is_help=True,
)
OUTBOX_NOTICE = (
    "Development outbox: no SMTP server is configured, so sandex keeps here the mail a real deployment "
    "(sandex serve --smtp-url ...) would deliver. A code is blanked once used, expired or replaced."
)

EmailArg = Annotated[str, typer.Argument(help="The user's email address.", show_default=False)]
MasterArg = Annotated[str, typer.Argument(help="Email of the master account.", show_default=False)]
NameArg = Annotated[str, typer.Argument(help="Sub-account name: 6-20 letters or digits.", show_default=False)]


def _master(accounts: AccountsService, email: str) -> UserView:
    user = accounts.get_user_by_email(email)
    if user is None:
        fail_with(f"no user with email {email.strip().lower()}")
    return user


def _user_json(user: UserView) -> dict[str, Any]:
    return {
        "id": user.id,
        "uid": user.uid,
        "email": user.email,
        "status": user.status.value,
        "totp_enabled": user.totp_enabled,
        "created_ms": user.created_ms,
    }


def _sub_json(sub: SubAccountView | UserView) -> dict[str, Any]:
    from sandex.services.accounts.service import UserView

    if isinstance(sub, UserView):
        enabled = sub.status is UserStatus.ACTIVE
        return {
            "uid": sub.uid,
            "name": sub.sub_name,
            "label": sub.label,
            "enabled": enabled,
            "ts": sub.created_ms,
        }
    return {
        "uid": sub.uid,
        "name": sub.name,
        "label": sub.label,
        "enabled": sub.enabled,
        "ts": sub.created_ms,
    }


# --- user ------------------------------------------------------------------------------------------
@user_app.command("add")
def user_add(
    email: EmailArg,
    password: Annotated[
        str,
        typer.Option(
            "--password",
            prompt=True,
            hide_input=True,
            help="8-128 characters: a lowercase and an uppercase letter and a digit (prompted if absent).",
        ),
    ],
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user who can log in to the console with EMAIL and the password."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        accounts = runtime.accounts
        user = require(accounts.register(email, password))
    emit(as_json, _user_json(user), [f"created user {user.email} (uid {user.uid})"])


@user_app.command("list")
def user_list(
    data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None, as_json: JsonOption = False
) -> None:
    """List master accounts, newest first (sandex's own market users are not listed)."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        accounts = runtime.accounts
        users = accounts.list_users(limit=1000, people_only=True)
    lines = [f"{u.email}\tuid {u.uid}\t{u.status.value}" + ("\t2fa" if u.totp_enabled else "") for u in users]
    emit(as_json, {"users": [_user_json(u) for u in users]}, lines or ["no users"])


def _set_user_status(email: str, status: UserStatus, data_dir: Any, database_url: str | None) -> None:
    with open_cli_accounts(data_dir, database_url) as runtime:
        accounts = runtime.accounts
        user = require(accounts.set_status(_master(accounts, email).id, status))
    typer.echo(f"user {user.email} is {user.status.value}")


@user_app.command("freeze")
def user_freeze(
    email: EmailArg, data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None
) -> None:
    """Freeze a user: logins, its sub-accounts and all its API keys are refused until unfrozen."""
    _set_user_status(email, UserStatus.FROZEN, data_dir, database_url)


@user_app.command("unfreeze")
def user_unfreeze(
    email: EmailArg, data_dir: DataDirOption = None, database_url: DatabaseUrlOption = None
) -> None:
    """Unfreeze a user."""
    _set_user_status(email, UserStatus.ACTIVE, data_dir, database_url)


# --- sub-accounts ----------------------------------------------------------------------------------
@subaccount_app.command("add")
def subaccount_add(
    master_email: MasterArg,
    name: NameArg,
    label: Annotated[str, typer.Option("--label", help="A note, up to 50 characters.")] = "",
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create sub-account NAME (case-sensitive, unique) under a master user."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        accounts = runtime.accounts
        sub = require(accounts.create_subaccount(_master(accounts, master_email).id, name, label))
    emit(as_json, _sub_json(sub), [f"created sub-account {sub.sub_name} (uid {sub.uid})"])


@subaccount_app.command("list")
def subaccount_list(
    master_email: MasterArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a master's sub-accounts, newest first."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        accounts = runtime.accounts
        subs = accounts.list_subaccounts(_master(accounts, master_email).id)
    lines = [
        f"{s.name}\tuid {s.uid}\t{'enabled' if s.enabled else 'frozen'}\t{s.label}".rstrip() for s in subs
    ]
    emit(as_json, {"subaccounts": [_sub_json(s) for s in subs]}, lines or ["no sub-accounts"])


def _set_sub_enabled(
    master_email: str, name: str, enabled: bool, data_dir: Any, database_url: str | None
) -> None:
    with open_cli_accounts(data_dir, database_url) as runtime:
        accounts = runtime.accounts
        sub = require(accounts.set_subaccount_enabled(_master(accounts, master_email).id, name, enabled))
    typer.echo(f"sub-account {sub.sub_name} is {'enabled' if enabled else 'frozen'}")


@subaccount_app.command("freeze")
def subaccount_freeze(
    master_email: MasterArg,
    name: NameArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Freeze a sub-account: its API keys stop working until it is unfrozen."""
    _set_sub_enabled(master_email, name, False, data_dir, database_url)


@subaccount_app.command("unfreeze")
def subaccount_unfreeze(
    master_email: MasterArg,
    name: NameArg,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Unfreeze a sub-account."""
    _set_sub_enabled(master_email, name, True, data_dir, database_url)


# --- mail ------------------------------------------------------------------------------------------
@mail_app.command("list")
def mail_list(
    email: EmailArg,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many, newest first.")] = 20,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show mail kept for EMAIL in the development outbox (newest first), e.g. to read a live email
    code. Codes already used, expired or replaced show blanked."""
    with open_cli_accounts(data_dir, database_url) as runtime:
        accounts = runtime.accounts
        mails = accounts.list_mail(email, limit)
    payload = {
        "outbox": "development",
        "notice": OUTBOX_NOTICE,
        "mail": [
            {
                "id": m.id,
                "to": m.to,
                "subject": m.subject,
                "body": m.body,
                "code": m.code,
                "created_ms": m.created_ms,
            }
            for m in mails
        ],
    }
    lines: list[str] = []
    for m in mails:
        lines += [f"--- #{m.id} {iso(m.created_ms)} {m.subject}", m.body.rstrip()]
    if not as_json:
        typer.echo(OUTBOX_NOTICE, err=True)  # stderr: the listing on stdout stays easy to parse
    emit(as_json, payload, lines or [f"no mail for {email.strip().lower()}"])
