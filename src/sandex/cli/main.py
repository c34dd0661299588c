"""`sandex …`: serve the exchange and administer users, keys and money from scripts and CI.

Commands work whether or not a server runs on the same data dir: they write to the database, and a
running server picks the change up (new keys authenticate at once; caches poll a change counter).
"""

from __future__ import annotations

import sys

import typer

from sandex.cli import admin as admin_cmd
from sandex.cli import fees as fees_cmd
from sandex.cli import funding_rates as funding_rates_cmd
from sandex.cli import funds as funds_cmd
from sandex.cli import keys as keys_cmd
from sandex.cli import market as market_cmd
from sandex.cli import reset as reset_cmd
from sandex.cli import serve as serve_cmd
from sandex.cli import swaps as swaps_cmd
from sandex.cli import tls as tls_cmd
from sandex.cli import users as users_cmd

app = typer.Typer(
    name="sandex",
    help="A self-hosted crypto exchange sandbox that speaks the OKX v5 API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve_cmd.serve)
app.command("admin-token")(admin_cmd.admin_token)
app.command("reset")(reset_cmd.reset)
app.command("deposit", context_settings={"ignore_unknown_options": True})(funds_cmd.deposit)
users_cmd.user_app.command("fee-tier")(fees_cmd.fee_tier)
users_cmd.user_app.command("account-mode")(swaps_cmd.account_mode)
users_cmd.user_app.command("position-mode")(swaps_cmd.position_mode)
app.add_typer(users_cmd.user_app, name="user")
app.add_typer(users_cmd.subaccount_app, name="subaccount")
app.add_typer(users_cmd.mail_app, name="mail")
app.add_typer(keys_cmd.key_app, name="key")
app.add_typer(keys_cmd.keys_app, name="keys")
app.add_typer(market_cmd.market_app, name="market")
app.add_typer(funding_rates_cmd.funding_rate_app, name="funding-rate")
app.add_typer(tls_cmd.tls_app, name="tls")


@app.callback()
def _root() -> None:
    """sandex: an OKX v5 compatible exchange sandbox for bots, integrations and CI."""


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
