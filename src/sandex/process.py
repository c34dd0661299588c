"""The composition root, first half: one sandex process's services, without HTTP.

`open_runtime` picks every concrete class (storage, clock, crypto, the exchange's writer) and calls
the feature factories in order. `sandex.app` wraps a `Runtime` in the ASGI app; the CLI's commands
use a `Runtime` alone, so they load neither FastAPI nor the transports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandex.config import Settings
from sandex.runtime.admin_token import ADMIN_TOKEN_FILE, load_admin_token
from sandex.runtime.clock import SystemClock
from sandex.runtime.crypto import (
    MASTER_KEY_FILE,
    AesGcmCipher,
    Argon2Hasher,
    BoundedHasher,
    OsRandom,
    load_master_keys,
)
from sandex.runtime.hub import Hub
from sandex.runtime.keyring import ReloadingCipher
from sandex.runtime.lease import lease_owner
from sandex.runtime.mailers import build_mailer
from sandex.services.accounts.service import AccountsService
from sandex.services.keys import factory as keys_factory
from sandex.services.keys import passphrases
from sandex.storage.catalogue_file import load_catalogue
from sandex.storage.db import create_db_engine, migrate, session_factory
from sandex.storage.files import private_dir, tighten
from sandex.storage.repositories import SqlMailOutbox
from sandex.storage.uow import unit_of_work_factory

if TYPE_CHECKING:  # the exchange's half is imported by `open_runtime` alone: `sandex user …` skips it
    from sqlalchemy import Engine

    from sandex.domain.funding.lifecycle import FundingTiming
    from sandex.domain.funding.withdrawals import Limits
    from sandex.domain.instruments import Catalogue
    from sandex.runtime.cluster.follower import Follower
    from sandex.runtime.cluster.hot_standby import HotStandby
    from sandex.runtime.cluster.leader import Leader
    from sandex.runtime.faults import FaultRegistry
    from sandex.runtime.funding_clock import FundingClock
    from sandex.runtime.funding_rate_clock import FundingRateClock
    from sandex.runtime.market import MarketRuntime
    from sandex.runtime.sequencer import ExchangeWriter, Sequencer
    from sandex.services.accounts.ports import Mailer
    from sandex.services.control.ports import Resettable
    from sandex.services.convert.service import ConvertService
    from sandex.services.exchange.accounts import LedgerAccounts
    from sandex.services.exchange.core import ExchangeCore
    from sandex.services.exchange.factory import Exchange
    from sandex.services.exchange.funding import FundingState
    from sandex.services.funding.allowlist import WithdrawAddressService
    from sandex.services.funding.service import FundingService
    from sandex.services.funding.web_withdrawal import WebWithdrawals
    from sandex.services.keys.factory import KeyServices
    from sandex.services.simulation.board import MarketBoard
    from sandex.services.swap_funding.liquidation_orders import LiquidationReader
    from sandex.services.swap_funding.service import FundingRateService
    from sandex.services.trading.service import TradingService
    from sandex.storage.db import SnapshotSessions
    from sandex.storage.repositories.exchange import SqlExchangeStore


@dataclass(slots=True)
class Runtime:
    """Everything one sandex process holds: built once per app, never a module global."""

    settings: Settings
    clock: SystemClock
    engine: Engine
    sessions: SnapshotSessions
    catalogue: Catalogue
    cipher: AesGcmCipher
    hasher: BoundedHasher
    random: OsRandom
    mailer: Mailer
    accounts: AccountsService
    hub: Hub
    keys: KeyServices
    trading: TradingParts
    funding: FundingParts  # transfers, deposits, withdrawals (issue "Funding")
    admin_token: str  # the control API's bearer token (settings, or the data dir's admin-token file)
    faults: FaultRegistry  # faults injected through the control API, checked by the transports
    market: MarketRuntime  # reference prices, market data, the market maker (issue "Market data")
    convert: ConvertService  # firm quotes and convert trades against the convert desk (Flash Exchange)
    funding_rates: FundingRateParts  # swaps' funding rates: minute samples, settlements on the clock
    resettables: list[Resettable]  # in-memory mirrors of the database: a control reset drops them
    leader: Leader | None = None  # `--role sequencer`: takes API processes' commands, publishes batches
    hot_standby: HotStandby | None = None  # `--role sequencer`: follows the cluster while a standby


@dataclass(slots=True)
class TradingParts:
    """The exchange core: storage, the in-memory exchanges, their single writer, the use cases."""

    store: SqlExchangeStore
    core: ExchangeCore
    sequencer: ExchangeWriter  # the sequencer; in an API process (`--role api`) its follower
    service: TradingService
    accounts: LedgerAccounts  # ledger-account ids and owners: trading, funding and the writer share it


@dataclass(slots=True)
class FundingParts:
    """Funding: its state inside the exchange's writer, the use cases, the allow-lists, the clock task."""

    core: FundingState
    service: FundingService
    addresses: WithdrawAddressService
    clock: FundingClock
    web_withdrawals: WebWithdrawals  # withdrawals confirmed with codes (the console)


@dataclass(slots=True)
class FundingRateParts:
    """Swap funding rates: the service (reads, control) and the task that samples and settles."""

    service: FundingRateService
    clock: FundingRateClock
    liquidations: LiquidationReader  # public liquidation orders


@dataclass(slots=True)
class AccountsRuntime:
    """Users, sub-accounts and API keys without the exchange: what `open_runtime` builds first, and all
    `sandex user …`/`sandex keys …` open (they skip importing the exchange, the market and funding)."""

    settings: Settings
    clock: SystemClock
    engine: Engine
    sessions: SnapshotSessions
    catalogue: Catalogue
    cipher: AesGcmCipher
    keyring: ReloadingCipher
    hasher: BoundedHasher
    random: OsRandom
    mailer: Mailer
    accounts: AccountsService
    hub: Hub
    keys: KeyServices
    admin_token: str
    owner: str  # this process's lease identity; its PostgreSQL sessions carry it as application_name


def open_accounts(settings: Settings, *, fast_hashing: bool = False) -> AccountsRuntime:
    """Open the database (migrating it to the newest schema), the key files and the catalogue, and
    wire accounts and API keys. `fast_hashing` lowers the argon2 cost: for test suites only."""
    private_dir(settings.data_dir)  # 0700: the database, the keys and the admin token live here
    owner = lease_owner()
    engine = create_db_engine(settings.resolved_database_url(), application_name=owner)
    migrate(engine)
    clock, sessions, hub = SystemClock(), session_factory(engine), Hub()
    uow, catalogue = unit_of_work_factory(sessions), load_catalogue(settings.catalogue)
    cipher = load_master_keys(settings.data_dir, settings.master_key)
    # Secrets are read through a keyring that follows `sandex keys rotate-master` run by another process.
    keyring = ReloadingCipher(cipher, None if settings.master_key else settings.data_dir)
    hasher = BoundedHasher(Argon2Hasher(fast=fast_hashing))  # one per process: bounds argon2's memory
    random, outbox = OsRandom(), SqlMailOutbox(sessions)
    mailer = build_mailer(settings.smtp_url, outbox, clock)
    pepper = cipher.derive_key(b"email-codes")
    accounts = AccountsService(
        uow,
        clock=clock,
        hasher=hasher,
        cipher=keyring,
        random=random,
        mailer=mailer,
        outbox=outbox,
        email_pepper=pepper,
    )
    passphrase_key = cipher.derive_key(passphrases.KEY_PURPOSE)  # from the oldest key: survives rotations
    keys = keys_factory.build(uow, accounts, keyring, hasher, random, clock, hub, passphrase_key)
    return AccountsRuntime(
        settings, clock, engine, sessions, catalogue, cipher, keyring, hasher, random, mailer, accounts,
        hub, keys, _admin_token(settings), owner,
    )  # fmt: skip


def open_runtime(
    settings: Settings,
    *,
    fast_hashing: bool = False,
    funding_limits: Limits | None = None,
    funding_timing: FundingTiming | None = None,
) -> Runtime:
    """Open the database (migrating it to the newest schema) and load the catalogue.

    `fast_hashing` lowers the argon2 cost: for test suites only. `funding_limits`/`funding_timing`
    replace the default withdrawal limits and deposit/withdrawal timing (tests, demos).
    """
    # deferred: the exchange's half, so that importing this module (the CLI) does not load it
    from sandex.domain.funding.lifecycle import DEFAULT_TIMING
    from sandex.domain.funding.withdrawals import DEFAULT_LIMITS
    from sandex.runtime.cluster.hot_standby import HotStandby
    from sandex.runtime.faults import FaultRegistry
    from sandex.runtime.funding_clock import FundingClock
    from sandex.runtime.funding_rate_clock import FundingRateClock
    from sandex.runtime.market import build_market
    from sandex.runtime.sequencer import Sequencer
    from sandex.services.convert import factory as convert_factory
    from sandex.services.exchange import factory as exchange_factory
    from sandex.services.funding import factory as funding_factory
    from sandex.services.funding.chain_inbox import ChainDepositInbox
    from sandex.services.marketdata.venue import CoreVenue
    from sandex.services.swap_funding.liquidation_orders import LiquidationReader
    from sandex.services.swap_funding.service import FundingRateService
    from sandex.services.trading import factory as trading_factory
    from sandex.storage.repositories.convert import SqlConvertStore
    from sandex.storage.repositories.exchange import SqlExchangeStore
    from sandex.storage.repositories.funding import SqlFundingStore
    from sandex.storage.repositories.funding_addresses import SqlAddressBook
    from sandex.storage.repositories.funding_rates import SqlFundingRateStore
    from sandex.storage.repositories.marketdata import SqlMarketStore

    base = open_accounts(settings, fast_hashing=fast_hashing)
    sessions, catalogue, clock, hub, cipher = base.sessions, base.catalogue, base.clock, base.hub, base.cipher
    uow, accounts, keys = unit_of_work_factory(sessions), base.accounts, base.keys
    # The exchange: one core holds trading's and funding's state, one sequencer writes it.
    store, funding_store = SqlExchangeStore(sessions), SqlFundingStore(sessions)
    timing, limits = funding_timing or DEFAULT_TIMING, funding_limits or DEFAULT_LIMITS
    exchange = exchange_factory.build(store, funding_store, catalogue, clock, timing)
    sequencer: ExchangeWriter
    leader = None
    if settings.role == "api":  # forwards to the sequencer's process, follows it with a replica
        sequencer = _follower(settings, exchange, store, sessions, hub, base.owner)
    else:
        sequencer = writer = Sequencer(exchange.core, store, clock, hub, exchange.accounts, owner=base.owner)
        if settings.role == "sequencer":
            leader = _leader(settings, writer, base.owner)
    trading = trading_factory.build(exchange, sequencer)
    address_secret = cipher.derive_key(b"deposit-addresses")  # deposit addresses are derived from it
    book = SqlAddressBook(sessions)
    funding = funding_factory.build(
        exchange, sequencer, funding_store, book, uow, accounts, address_secret, limits, timing
    )
    if settings.role != "api":  # chain deposits run as the sequencer's tasks
        chain_inbox = ChainDepositInbox(funding.service, catalogue, lambda: sequencer.running)
        exchange.core.serve(chain_deposits=chain_inbox)  # `sandex deposit --chain`
    market_store = SqlMarketStore(sessions)
    market = build_market(settings, catalogue, clock, hub, market_store, trading, sequencer, store, store)
    convert = convert_factory.build(
        exchange, sequencer, SqlConvertStore(sessions), market_store, market.board
    )
    venue = CoreVenue(exchange.core, catalogue, clock)
    rate_store = SqlFundingRateStore(sessions)
    rates = FundingRateService(catalogue, venue, market.board, sequencer, rate_store, clock)
    faults = FaultRegistry(clock)
    _join_cluster(sequencer, leader, market.board, rates, clock, faults)
    hot = None
    if leader is not None:  # a standby sequencer keeps a replica, as API processes do
        replica = _follower(settings, exchange, store, sessions, hub, f"{base.owner}:standby")
        hot = HotStandby(replica, market, store)
    return Runtime(
        settings=settings,
        clock=clock,
        engine=base.engine,
        sessions=sessions,
        catalogue=catalogue,
        cipher=cipher,
        hasher=base.hasher,
        random=base.random,
        mailer=base.mailer,
        accounts=accounts,
        hub=hub,
        keys=keys,
        trading=TradingParts(store, exchange.core, sequencer, trading, exchange.accounts),
        funding=FundingParts(
            exchange.funding,
            funding.service,
            funding.addresses,
            FundingClock(funding.service, clock),
            funding.web_withdrawals,
        ),
        admin_token=base.admin_token,
        faults=faults,
        market=market,
        convert=convert,
        funding_rates=FundingRateParts(
            rates, FundingRateClock(rates), LiquidationReader(catalogue, rate_store)
        ),
        resettables=[exchange.accounts, keys.auth, convert],
        leader=leader,
        hot_standby=hot,
    )


def _follower(
    settings: Settings,
    exchange: Exchange,
    store: SqlExchangeStore,
    sessions: SnapshotSessions,
    hub: Hub,
    owner: str,
) -> Follower:
    from sandex.runtime.cluster.follower import Follower
    from sandex.runtime.cluster.link import Subjects, cluster_name

    if not settings.nats_url:
        raise ValueError("--role api needs --nats-url (the NATS server its sequencer listens on)")
    if settings.uses_sqlite:
        raise ValueError("--role api needs a PostgreSQL --database-url shared with its sequencer")
    subjects = Subjects.of(cluster_name(settings.resolved_database_url(), settings.cluster))
    return Follower(
        exchange.core, store, sessions, hub, exchange.accounts, settings.nats_url, subjects, name=owner
    )


def _join_cluster(
    writer: ExchangeWriter,
    leader: Leader | None,
    board: MarketBoard,
    rates: FundingRateService,
    clock: SystemClock,
    faults: FaultRegistry,
) -> None:
    """The sequencer's process sends its simulated market's moves and funding rates; an API process
    follows them. The
    sandbox clock and the faults armed are one for all: a control change in one process reaches the
    others."""
    from sandex.runtime.cluster.follower import Follower
    from sandex.runtime.cluster.mirror import clock_mirror, faults_mirror

    member = leader if leader is not None else writer if isinstance(writer, Follower) else None
    if member is None:
        return
    member.board, member.funding = board, rates
    subjects, name = member.subjects, member.name
    member.mirrors = [clock_mirror(clock, subjects.clock, name), faults_mirror(faults, subjects.faults, name)]
    _decide_faults_once(writer, leader, faults)
    if leader is not None:
        leader.clock = clock


def _decide_faults_once(writer: ExchangeWriter, leader: Leader | None, faults: FaultRegistry) -> None:
    """A fault fires as if one process served every request: the sequencer's process decides (its
    registry counts, rolls and records), an API process asks it when one of its faults could hit."""
    from sandex.runtime.cluster.fault_decisions import FaultDecisionClient, FaultDecisionServer
    from sandex.runtime.cluster.follower import Follower

    if leader is not None:
        leader.responders.append(
            FaultDecisionServer(faults, leader.subjects.fault_decisions, lambda: not writer.lease_lost)
        )
    elif isinstance(writer, Follower):
        follower = writer
        client = FaultDecisionClient(lambda: follower.nats, follower.subjects.fault_decisions, faults)
        faults.decide_elsewhere(client)


def _leader(settings: Settings, sequencer: Sequencer, owner: str) -> Leader:
    from sandex.runtime.cluster.leader import Leader
    from sandex.runtime.cluster.link import Subjects, cluster_name

    if not settings.nats_url:
        raise ValueError("--role sequencer needs --nats-url (the NATS server API processes use)")
    subjects = Subjects.of(cluster_name(settings.resolved_database_url(), settings.cluster))
    leader = Leader(sequencer, settings.nats_url, subjects, name=owner)
    sequencer.followers = leader
    return leader


def _admin_token(settings: Settings) -> str:
    token = load_admin_token(settings.data_dir, settings.admin_token)
    tighten(settings.data_dir / name for name in (ADMIN_TOKEN_FILE, MASTER_KEY_FILE))  # older sandex
    return token
