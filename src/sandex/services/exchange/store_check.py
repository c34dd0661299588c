"""Does an exchange core hold what the database holds? A hot standby's replica is checked before
its new sequencer writes from it (`Sequencer.start`): the database's next ids, every resting order
(priority stamp included) and every balance, read in one go, the core's compared with them.

What it guards: a sequencer that writes from a core behind the database overwrites stored orders
(its ids are taken) and books fills on balances the database does not have. The rest of the state
(positions, algos, settings, marks) moves with the same commands as the orders and balances; the
replicas' digest (`state_digest`) covers it after the takeover.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from sandex.domain.accounts.model import Environment
from sandex.domain.matching.order import OrderSnapshot
from sandex.services.exchange.core import ExchangeCore
from sandex.services.exchange.store import ExchangeStore
from sandex.services.exchange.units import snapshot_of

_ID_NAMES = ("order", "trade", "bill", "deposit", "algo", "position")  # `IdMaxima`'s, `next_ids`' order
K = TypeVar("K", int, tuple[int, str])  # order ids, (account, ccy)
V = TypeVar("V")
_SHOWN = 3  # differing orders or balances named per environment


def differences(core: ExchangeCore, store: ExchangeStore) -> list[str]:
    """What differs, in words (empty: nothing). Run where nothing writes (a sequencer starting)."""
    found: list[str] = []
    top = store.id_maxima()
    stored_ids = (top.ord_id, top.trade_id, top.bill_id, top.deposit_id, top.algo_id, top.pos_id)
    upcoming_ids = core.next_ids()
    for name, upcoming, stored in zip(_ID_NAMES, upcoming_ids, stored_ids, strict=False):
        if upcoming <= stored:
            found.append(f"next {name} id {upcoming}, the database has {stored}")
    stamp = upcoming_ids[len(_ID_NAMES)]  # the priority stamps follow them
    instruments = core.catalogue.instruments
    for environment in Environment:
        state = store.load_state(environment)
        x = core.exchange(environment)
        stored_orders = {r.ord_id: snapshot_of(r, instruments[r.inst_id]) for r in state.pending_orders}
        held: dict[int, OrderSnapshot] = {}
        for inst_id in instruments:
            engine = x.engine(inst_id)
            if engine is not None:
                held.update((o.ord_id, o) for o in engine.resting_orders())
        odd = _differing(stored_orders, held, None)
        if odd:
            found.append(f"{environment.value}: {len(odd)} resting orders differ, {_shown(odd)}")
        if stamp <= max(state.last_seqs.values(), default=0):
            found.append(f"{environment.value}: next priority stamp {stamp} at or below a stored one")
        stored_rows = {(b.account_id, b.ccy): (b.available, b.frozen) for b in state.balances}
        rows = {(r.account_id, r.ccy): (r.available, r.frozen) for r in x.ledger.rows()}
        odd_rows = _differing(stored_rows, rows, (0, 0))  # an absent slot is a zero balance
        if odd_rows:
            found.append(f"{environment.value}: {len(odd_rows)} balances differ, {_shown(odd_rows)}")
    return found


def _differing(stored: Mapping[K, V], held: Mapping[K, V], missing: V | None) -> list[K]:
    """The keys of either side whose values differ (`missing`: the value of a key one side lacks)."""
    return sorted(k for k in stored.keys() | held.keys() if stored.get(k, missing) != held.get(k, missing))


def _shown(keys: Sequence[object]) -> str:
    more = f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else ""
    return ", ".join(map(str, keys[:_SHOWN])) + more
