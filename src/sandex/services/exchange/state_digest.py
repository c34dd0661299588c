"""A canonical serialization of the in-memory exchange state, and its sha256 (issue 19:
"the state hash after a restart equals the one before").

Pure: it only reads the objects an `ExchangeCore` holds. Everything a restart must reproduce is in
it, per environment: ledger balances (every account, system ones too) and deposits − withdrawals
per currency, each book's resting orders in queue order with their engine snapshots (priority
stamps included) and swap terms, positions (every field), account settings, leverages, fee
tier overrides, live and waiting algo orders (state, trailing extremes) with the last prices they
watch; and for both environments the last funding settlement per swap and the last marks.

The priority stamps are in as numbers, each resting order's (not the counter: it travels with
every batch and reload as one of the core's ids). A replica numbers orders exactly as its
sequencer does (it takes the stamp counter with the ids before each batch) and the database holds
the sequencer's numbers, so a replica that is the database's state has the same digest; one that
numbered otherwise would write a second numbering beside the database's if it ever became the
sequencer (a hot standby), and a later load would queue orders otherwise than it.

Canonical means: mappings sorted by their serialized key, Decimals normalized (50000 and 50000.0
are the same price), enums by value, zero balance slots left out (a ledger creates them lazily).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum

from sandex.domain.accounts.model import Environment
from sandex.domain.trading import Exchange
from sandex.domain.trading.swap_listing import SwapListing
from sandex.services.exchange.algo_desk import AlgoDesk
from sandex.services.exchange.funding_fees import FundingRateRecord

Json = None | bool | int | str | list["Json"] | dict[str, "Json"]


def canon(value: object) -> Json:
    """`value` as plain JSON data, the same for equal states however they were built."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Enum):
        return canon(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return "D" + format(value.normalize(), "f")
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # NamedTuple: by field name
        return {name: canon(getattr(value, name)) for name in value._fields}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: canon(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        items = [(_text(canon(k)), canon(v)) for k, v in value.items()]
        return [[k, v] for k, v in sorted(items, key=lambda kv: kv[0])]
    if isinstance(value, set | frozenset):
        return sorted((canon(v) for v in value), key=_text)
    if isinstance(value, list | tuple):
        return [canon(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def _text(value: Json) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def exchange_state(x: Exchange, desk: AlgoDesk) -> Json:
    """One environment's state."""
    ledger = x.ledger
    balances = sorted(
        (r.account_id, r.ccy, r.available, r.frozen) for r in ledger.rows() if r.available or r.frozen
    )
    books = {}
    for inst in sorted(x.instruments(), key=lambda i: i.inst_id):
        m = x.listing(inst.inst_id)
        engine = x.engine(inst.inst_id)
        assert m is not None and engine is not None
        terms = m.terms if isinstance(m, SwapListing) else {}
        queue = [(o, terms.get(o.ord_id)) for o in engine.resting_orders()]  # stamps too
        if queue:
            books[inst.inst_id] = queue
    book = x.swaps.book
    return {
        "balances": canon(balances),
        "external": canon({ccy: ledger.net_external(ccy) for ccy in ledger.currencies()}),
        "fee_account": x.ledger.fee_account,
        "clearing": x.clearing_account,
        "insurance": x.insurance_account,
        "books": canon(books),
        "positions": canon(book.positions),
        "settings": canon(book.settings),
        "leverages": canon(book.levers),
        "swap_marks": canon(x.swaps.marks),
        "fee_tiers": canon(dict(x.fees.tiers)),
        "algos": canon(desk.records()),
        "algo_last_prices": canon(desk.last),
        "algo_marks": canon(desk.marks),
    }


def core_state(
    environments: Iterable[tuple[Environment, Exchange, AlgoDesk]],
    funding_settled: Mapping[str, FundingRateRecord],
    marks: Mapping[str, tuple[Decimal, Decimal]],
) -> Json:
    """The state of both environments and what they share."""
    return {
        "environments": [[env.value, exchange_state(x, desk)] for env, x, desk in environments],
        "funding_settled": canon(funding_settled),
        "marks": canon(marks),
    }


def digest(state: Json) -> str:
    """sha256 (hex) of the canonical JSON text of `state`."""
    return hashlib.sha256(_text(state).encode()).hexdigest()
