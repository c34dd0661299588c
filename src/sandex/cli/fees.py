"""`sandex user fee-tier EMAIL`: a user's own maker/taker rates, from scripts and CI.

Like `sandex deposit`, the change goes through the sequencer: one inbox command per environment
(live and demo) that a running server applies within 200 ms, or that this command applies itself
when no server holds the lease. It applies from the user's next fill on and is kept across restarts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer

from sandex.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    JsonOption,
    emit,
    fail_with,
    open_cli_exchange,
    user_by_email,
)
from sandex.cli.inbox import await_applied, enqueue
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.ledger.fees import FeeTier
from sandex.domain.money import format_decimal, parse_decimal

EmailArg = Annotated[str, typer.Argument(help="The user's email address.", show_default=False)]
RateOption = Annotated[
    str | None, typer.Option(help="A rate in [0, 1), e.g. 0.0002 for 0.02 %.", show_default=False)
]
LevelOption = Annotated[
    str | None, typer.Option(help='The level account/trade-fee shows, e.g. "VIP1".', show_default=False)
]
ResetOption = Annotated[
    bool, typer.Option("--reset", help="Back on the default tier (0.08 % / 0.10 %, Lv1).")
]


def fee_tier(
    email: EmailArg,
    maker: RateOption = None,
    taker: RateOption = None,
    level: LevelOption = None,
    reset: ResetOption = False,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a user their own maker/taker rates (a missing one keeps the default's) and level name, in
    live and demo trading; --reset puts the default tier back."""
    from sandex.services.exchange.commands import SetFeeTier  # deferred: other commands start faster
    from sandex.services.exchange.core import check_fee_tier
    from sandex.services.exchange.records import LedgerAccountKind

    given = (maker, taker, level) != (None, None, None)
    if reset == given:
        fail_with("give --maker, --taker and/or --level, or --reset")
    rates = {name: _rate(name, text) for name, text in (("maker", maker), ("taker", taker))}
    tier = check_fee_tier(rates["maker"], rates["taker"], level)
    if isinstance(tier, Rejected):
        fail_with(f"invalid --{tier.params.get('field')}: rates are in [0, 1), a level has 1-16 characters")
    with open_cli_exchange(data_dir, database_url) as runtime:
        user = user_by_email(runtime, email)
        store = runtime.trading.store
        answers: list[FeeTier] = []
        for environment in Environment:
            now = runtime.clock.now_ms()
            account = store.ensure_account(user.id, environment, LedgerAccountKind.TRADING, now)
            item = enqueue(runtime, SetFeeTier(environment, account, tier))
            answers.append(await_applied(runtime, item, "fee tier", FeeTier))
    applied = answers[-1]  # the same tier in both environments (the default one after --reset)
    shown: dict[str, Any] = {
        "email": user.email,
        "uid": user.uid,
        "level": applied.level,
        "maker": format_decimal(applied.maker),
        "taker": format_decimal(applied.taker),
    }
    rates_text = f"maker {shown['maker']}, taker {shown['taker']}"
    emit(as_json, shown, [f"fee tier of {user.email}: {shown['level']}, {rates_text} (live and demo)"])


def _rate(name: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    value = parse_decimal(text)
    if value is None:
        fail_with(f"invalid --{name} {text!r}: expected a decimal number such as 0.0002")
    return value
