"""The ledger-account directory: one lookup per account for trading, funding and the commit notifier,
and nothing stale after a reset (a wipe may hand an old id to a new owner)."""

from __future__ import annotations

from collections.abc import Callable

from sandex.domain.accounts.model import Environment
from sandex.services.exchange.accounts import LedgerAccounts
from sandex.services.exchange.records import LedgerAccount, LedgerAccountKind

LIVE, DEMO = Environment.LIVE, Environment.DEMO
TRADING, FUNDING = LedgerAccountKind.TRADING, LedgerAccountKind.FUNDING


class FakeClock:
    def now_ms(self) -> int:
        return 1_700_000_000_000


class FakeStore:
    """Ledger accounts as the database has them; counts the reads a cache should save."""

    def __init__(self) -> None:
        self.ids: dict[tuple[int, Environment, LedgerAccountKind], int] = {}
        self.reads = 0
        self.meanwhile: Callable[[], None] | None = None  # runs while a read is under way

    def ensure_account(
        self, user_id: int, environment: Environment, kind: LedgerAccountKind, now_ms: int
    ) -> int:
        self.reads += 1
        found = self.ids.setdefault((user_id, environment, kind), len(self.ids) + 1)
        if self.meanwhile is not None:
            self.meanwhile()
        return found

    def find_account(self, user_id: int, environment: Environment, kind: LedgerAccountKind) -> int | None:
        self.reads += 1
        return self.ids.get((user_id, environment, kind))


def test_an_account_is_read_once_whoever_asks_first() -> None:
    store = FakeStore()
    accounts = LedgerAccounts(store, FakeClock())
    first = accounts.ensure(7, LIVE, TRADING)  # e.g. the first order
    assert accounts.find(7, LIVE, TRADING) == first  # e.g. a balance read, then a transfer
    assert accounts.ensure(7, LIVE, TRADING) == first
    assert store.reads == 1
    assert accounts.ensure(7, DEMO, TRADING) != first  # each environment and kind has its own
    assert accounts.ensure(7, LIVE, FUNDING) not in (first, accounts.find(7, DEMO, TRADING))


def test_find_creates_nothing_and_remembers_no_absence() -> None:
    store = FakeStore()
    accounts = LedgerAccounts(store, FakeClock())
    assert accounts.find(7, LIVE, FUNDING) is None
    assert store.ids == {}
    store.ids[(7, LIVE, FUNDING)] = 42  # created meanwhile (e.g. by another process)
    assert accounts.find(7, LIVE, FUNDING) == 42


def test_owners_of_ids_it_handed_out_are_known_without_a_read() -> None:
    accounts = LedgerAccounts(FakeStore(), FakeClock())
    account_id = accounts.ensure(7, DEMO, FUNDING)
    assert accounts.owner(account_id) == LedgerAccount(account_id, 7, DEMO, FUNDING)
    assert accounts.unknown({account_id, 99}) == {99}
    accounts.learn([LedgerAccount(99, None, DEMO, LedgerAccountKind.FEE)])  # the notifier read it
    assert accounts.unknown({account_id, 99}) == set()
    assert accounts.owner(99) == LedgerAccount(99, None, DEMO, LedgerAccountKind.FEE)


def test_after_a_reset_an_id_reused_for_another_owner_is_read_again() -> None:
    store = FakeStore()
    accounts = LedgerAccounts(store, FakeClock())
    alice = accounts.ensure(7, LIVE, TRADING)
    store.ids = {(8, LIVE, TRADING): alice}  # the database was wiped: bob got alice's old id
    accounts.reset()
    assert accounts.owner(alice) is None
    assert accounts.find(7, LIVE, TRADING) is None
    assert accounts.ensure(8, LIVE, TRADING) == alice
    assert accounts.owner(alice) == LedgerAccount(alice, 8, LIVE, TRADING)


def test_a_lookup_that_straddles_a_reset_is_not_remembered() -> None:
    store = FakeStore()
    accounts = LedgerAccounts(store, FakeClock())

    def wipe() -> None:  # a control reset, while a worker thread reads the account
        store.ids.clear()
        accounts.reset()

    store.meanwhile = wipe
    stale = accounts.ensure(7, LIVE, TRADING)
    store.meanwhile = None
    assert accounts.owner(stale) is None
    assert accounts.find(7, LIVE, TRADING) is None  # read again: the wipe took it
