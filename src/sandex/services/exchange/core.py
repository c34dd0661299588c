"""The exchange state one process owns: one `Exchange` per environment, fed by the sequencer.

Only the sequencer calls `apply` and `changes` (single writer, one command at a time); both are
synchronous and fast. `load` rebuilds everything from the database: on start, after a failed
commit, and in the CLI when no server is running.

Ids: order ids count up from 600,000,000,000,000,000 (18-19 digits like OKX's, still 64-bit),
trade ids from 100,000,000, bill ids from 700,000,000,000,000,000, deposit ids from 10,000,000;
always above the highest id stored, and shared by both environments (an id is unique everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.positions import PositionBook
from sandex.domain.errors import Reason, Rejected
from sandex.domain.ids import SequentialIds
from sandex.domain.instruments import Catalogue, InstrumentState
from sandex.domain.ledger.amounts import AMOUNT_DECIMALS, to_amount
from sandex.domain.ledger.balances import BalanceRow, Ledger
from sandex.domain.ledger.fees import DEFAULT_TIER, FeeSchedule, FeeTier
from sandex.domain.matching.events import outcome
from sandex.domain.matching.order import Side
from sandex.domain.matching.rules import DEFAULT_LIMITS, TradingLimits
from sandex.domain.trading import Exchange
from sandex.domain.trading.commands import CancelSpec
from sandex.domain.trading.events import Event, Liquidated, PositionChanged
from sandex.services.exchange.algo_desk import AlgoDesk
from sandex.services.exchange.algo_runner import ALGO_ID_BASE, AlgoRunner
from sandex.services.exchange.algo_swaps import BookPositions
from sandex.services.exchange.changes import ChangeBuilder
from sandex.services.exchange.commands import (
    ALGO_COMMANDS,
    FUNDING_COMMANDS,
    MARKET_COMMANDS,
    SERVER_COMMANDS,
    AlgoCommand,
    AmendAlgos,
    AmendBatch,
    Applied,
    CancelAlgos,
    CancelBatch,
    Command,
    ConvertTrade,
    Deposit,
    DepositView,
    FundingCommand,
    OrderAck,
    PlaceBatch,
    SetFeeTier,
    SimulateChainDeposit,
)
from sandex.services.exchange.convert import settle_convert
from sandex.services.exchange.funding import FundingState
from sandex.services.exchange.funding_fees import FundingRateRecord, FundingSettled
from sandex.services.exchange.ports import ChainDeposits, MarketControls
from sandex.services.exchange.records import (
    AlgoRecord,
    ChangeSet,
    ConvertTradeRecord,
    FeeTierRecord,
    FundingChanges,
    LedgerAccountKind,
)
from sandex.services.exchange.state_digest import Json, core_state, digest
from sandex.services.exchange.store import ExchangeStore
from sandex.services.exchange.swap_commands import (
    MARKET_WIDE_SWAP_COMMANDS,
    SWAP_COMMANDS,
    ForceLiquidation,
    SettleFundingFee,
    SwapCommand,
    UpdateMarks,
)
from sandex.services.exchange.swap_records import AccountSettingsRecord
from sandex.services.exchange.swap_state import mark_swaps, restore_swaps
from sandex.services.exchange.swaps import apply_market_wide, apply_swap
from sandex.services.exchange.units import OrderExtras, amount, snapshot_of

ORDER_ID_BASE = 600_000_000_000_000_000
TRADE_ID_BASE = 100_000_000
BILL_ID_BASE = 700_000_000_000_000_000
DEPOSIT_ID_BASE = 10_000_000
POS_ID_BASE = 500_000_000_000_000_000  # swap position ids (18 digits, like OKX's posId)


# --- commands ------------------------------------------------------------------------------------


FEE_LEVEL_MAX = 16


def check_fee_tier(
    maker: Decimal | None, taker: Decimal | None, level: str | None
) -> FeeTier | Rejected | None:
    """The tier asked for (None: the default again): rates in [0, 1) (no maker rebates: the fee
    account would pay them), a missing one taken from the default tier, a level name of 1-16
    printable characters ("custom" when only rates are given)."""
    if maker is None and taker is None and level is None:
        return None
    for name, rate in (("maker", maker), ("taker", taker)):
        if rate is not None and not (rate.is_finite() and Decimal(0) <= rate < Decimal(1)):
            return Rejected.of(Reason.PARAM_ERROR, field=name)
    name = (level or "").strip()
    if level is not None and not (0 < len(name) <= FEE_LEVEL_MAX and name.isprintable()):
        return Rejected.of(Reason.PARAM_ERROR, field="level")
    return FeeTier(
        DEFAULT_TIER.maker if maker is None else maker,
        DEFAULT_TIER.taker if taker is None else taker,
        name or "custom",
    )


def check_deposit(catalogue: Catalogue, ccy: str, amount: Decimal, to: LedgerAccountKind) -> int | Rejected:
    """A deposit's amount in ledger units, or why it is refused (unknown currency, not positive, or
    finer than the currency's smallest unit: the most decimals any of its chains allows)."""
    currency = catalogue.currency(ccy)
    if currency is None:
        return Rejected.of(Reason.CURRENCY_NOT_FOUND, field="ccy")
    if to not in (LedgerAccountKind.TRADING, LedgerAccountKind.FUNDING):
        return Rejected.of(Reason.PARAM_ERROR, field="to")
    if not amount.is_finite() or amount <= 0:
        return Rejected.of(Reason.PARAM_ERROR, field="amt")
    step = Decimal(1).scaleb(-min(currency.unit_decimals, AMOUNT_DECIMALS))
    units = to_amount(amount)
    try:
        fits = amount % step == 0
    except InvalidOperation:
        fits = False
    return units if units is not None and fits else Rejected.of(Reason.PARAM_ERROR, field="amt")


class ExchangeCore:
    def __init__(
        self,
        catalogue: Catalogue,
        store: ExchangeStore,
        *,
        fee_tier: FeeTier = DEFAULT_TIER,
        limits: TradingLimits = DEFAULT_LIMITS,
        funding: FundingState | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._funding = funding  # transfers, withdrawals, deposits: on the same ledgers, same writer
        self._store = store
        self._fee_tier = fee_tier
        self._limits = limits
        self._exchanges: dict[Environment, Exchange] = {}
        self._extras: dict[int, OrderExtras] = {}
        self._bill_ids = SequentialIds(BILL_ID_BASE)
        self._deposit_ids = SequentialIds(DEPOSIT_ID_BASE)
        self._id_generators: tuple[SequentialIds, ...] = ()  # every generator, in `next_ids` order
        self._algos: dict[Environment, AlgoRunner] = {}
        self._halted: set[str] = set()
        self._market: MarketControls | None = None
        self._chain_deposits: ChainDeposits | None = None
        self._marks: dict[str, tuple[Decimal, Decimal]] = {}  # last UpdateMarks (re-applied on rebuild)
        self._funding_settled: dict[str, FundingRateRecord] = {}  # per swap: its last settlement

    def serve(
        self, *, market: MarketControls | None = None, chain_deposits: ChainDeposits | None = None
    ) -> None:
        """Apply market controls and chain-deposit requests through these (a server's parts): until
        then such commands are refused, and `drain_inbox` leaves them for a server."""
        if market is not None:
            self._market = market
        if chain_deposits is not None:
            self._chain_deposits = chain_deposits

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    @property
    def loaded(self) -> bool:
        return bool(self._exchanges)

    def exchange(self, environment: Environment) -> Exchange:
        return self._exchanges[environment]

    def set_instrument_state(self, inst_id: str, state: InstrumentState) -> None:
        """Halt (any state but live) or resume an instrument in both environments: while halted, new
        orders and amends are refused with 51155, resting orders stay and can be canceled. Kept
        across rebuilds of this process (not stored: whoever halts re-applies it after a restart)."""
        if state is InstrumentState.LIVE:
            self._halted.discard(inst_id)
        else:
            self._halted.add(inst_id)

    @property
    def halted(self) -> frozenset[str]:
        return frozenset(self._halted)

    def set_marks(self, marks: Mapping[str, tuple[Decimal, Decimal]]) -> None:
        """The last marks a replica's sequencer applied (they are not stored): for the next `load`,
        and on the swaps and algo desks loaded already, as `load` leaves them (the state loaded
        holds what those marks triggered)."""
        self._marks = dict(marks)
        for x in self._exchanges.values():
            mark_swaps(x, self._catalogue.instruments, marks)
        for runner in self._algos.values():
            runner.desk.marks.clear()
            runner.desk.marks.update(marks)

    def next_ids(self) -> tuple[int, ...]:
        """The id each generator gives next (orders, trades, bills, deposits, algos, positions,
        priority stamps, transfers, withdrawals): a replica takes its sequencer's (`resume_ids`)."""
        return tuple(ids.upcoming for ids in self._id_generators)

    def resume_ids(self, upcoming: Sequence[int]) -> None:
        """Go on from a sequencer's `next_ids`: a command refused after taking an id (a transfer
        without the funds) leaves a gap that no table shows, so a replica loaded from the database
        alone would hand out ids its sequencer already passed."""
        if len(upcoming) != len(self._id_generators):
            raise ValueError(f"{len(upcoming)} ids for {len(self._id_generators)} generators")
        for ids, value in zip(self._id_generators, upcoming, strict=True):
            ids.resume_at(value)

    def set_halted(self, inst_ids: Iterable[str]) -> None:
        """Exactly these instruments halted (a replica follows its sequencer's)."""
        self._halted.clear()
        self._halted.update(inst_ids)

    # --- rebuild -------------------------------------------------------------------------------
    def load(self) -> None:
        """(Re)build both exchanges, their ledgers and the id generators from the database."""
        top = self._store.id_maxima()
        order_ids = SequentialIds(max(top.ord_id + 1, ORDER_ID_BASE))
        trade_ids = SequentialIds(max(top.trade_id + 1, TRADE_ID_BASE))
        self._bill_ids = SequentialIds(max(top.bill_id + 1, BILL_ID_BASE))
        top_funded = self._funding.load() if self._funding is not None else 0  # deposit ids are shared
        self._deposit_ids = SequentialIds(max(top.deposit_id + 1, top_funded + 1, DEPOSIT_ID_BASE))
        algo_ids = SequentialIds(max(top.algo_id + 1, ALGO_ID_BASE))
        exchanges: dict[Environment, Exchange] = {}
        extras: dict[int, OrderExtras] = {}
        algos: dict[Environment, AlgoRunner] = {}
        instruments = self._catalogue.instruments
        pos_ids = SequentialIds(max(top.pos_id + 1, POS_ID_BASE))
        # Priority stamps of every book of both environments: above every resting order's once
        # restored, and travelling with the others, so a replica numbers orders as its sequencer
        # does (a load alone sets them lower than a running sequencer's: IOC and filled orders
        # took stamps no table keeps).
        stamps = SequentialIds()
        generators = [order_ids, trade_ids, self._bill_ids, self._deposit_ids, algo_ids, pos_ids, stamps]
        if self._funding is not None:
            generators += [self._funding.transfer_ids, self._funding.withdrawal_ids]
        self._id_generators = tuple(generators)
        self._funding_settled = self._store.funding_settled()
        for environment in Environment:
            state = self._store.load_state(environment)
            ledger = Ledger(fee_account=self._store.fee_account(environment))
            x = Exchange(
                instruments.values(),
                ledger,
                order_ids=order_ids,
                trade_ids=trade_ids,
                fees=FeeSchedule(self._fee_tier, state.fee_tiers),
                limits=self._limits,
                positions=PositionBook(pos_ids),
                clearing_account=self._store.system_account(environment, LedgerAccountKind.CLEARING),
                insurance_account=self._store.system_account(environment, LedgerAccountKind.INSURANCE),
                stamps=stamps,
            )
            snaps = [snapshot_of(r, instruments[r.inst_id]) for r in state.pending_orders]
            rows = [BalanceRow(b.account_id, b.ccy, b.available, b.frozen) for b in state.balances]
            restore_swaps(x, state, instruments, self._marks)
            x.restore(snaps, rows, state.last_seqs)
            extras.update((r.ord_id, OrderExtras.of(r)) for r in state.pending_orders)
            exchanges[environment] = x
            desk = AlgoDesk()
            desk.restore(state.algos, self._store.last_prices(environment, list(instruments)))
            desk.marks.update(self._marks)  # swap algos watching the mark/index go on from the last
            for algo in state.algos:  # the TP/SL each pending order shows on its pushes
                if algo.waiting and algo.parent_ord_id in extras:
                    extras[algo.parent_ord_id].attached = tuple(desk.waiting_on(algo.parent_ord_id))
            positions = BookPositions(x, instruments)
            algos[environment] = AlgoRunner(
                environment, x, desk, instruments, algo_ids, extras, self._halted, positions
            )
        self._exchanges, self._extras, self._algos = exchanges, extras, algos

    # --- the writer ----------------------------------------------------------------------------
    def apply(self, command: Command, ts: int) -> Applied:
        if isinstance(command, SERVER_COMMANDS):
            return Applied(command, self._through_port(command), [], ts)
        if isinstance(command, SWAP_COMMANDS):
            return self._swap(command, ts)
        x = self._exchanges[command.environment]
        if isinstance(command, FUNDING_COMMANDS):
            return self._fund(x, command, ts)
        if isinstance(command, PlaceBatch):
            return self._place(x, command, ts)
        if isinstance(command, ALGO_COMMANDS):
            return self._algo(command, ts)
        if isinstance(command, CancelBatch):
            return self._cancel(x, command, ts)
        if isinstance(command, AmendBatch):
            return self._amend(x, command, ts)
        if isinstance(command, ConvertTrade):
            done = settle_convert(x.ledger, command, self._deposit_ids, ts)
            return Applied(command, done.result, list(done.postings), ts)
        if isinstance(command, SetFeeTier):
            return self._set_fee_tier(x, command, ts)
        return self._deposit(x, command, ts)

    @staticmethod
    def _set_fee_tier(x: Exchange, command: SetFeeTier, ts: int) -> Applied:
        tier = command.tier
        refused = None if tier is None else check_fee_tier(tier.maker, tier.taker, tier.level)
        if isinstance(refused, Rejected):  # from the inbox: checked again, as if new
            return Applied(command, refused, [], ts)
        x.fees.set_tier(command.account_id, command.tier)
        return Applied(command, x.fees.tier_for(command.account_id), [], ts)

    def changes(self, batch: Sequence[Applied], *, order_events: bool = False) -> ChangeSet:
        """The rows `batch` (just applied, in order) must write; call before applying anything else.
        `order_events`: also every step of every order, in order (for the WS `orders` channel)."""
        builder = ChangeBuilder(self._catalogue.instruments, self._exchanges, self._extras, self._bill_ids)
        builder.with_events = order_events
        for applied in batch:
            if isinstance(applied.command, MARKET_WIDE_SWAP_COMMANDS):  # both environments
                for environment, events in applied.env_events.items():
                    builder.add(environment, events, applied.ts)
            elif not isinstance(applied.command, SERVER_COMMANDS):  # they change no exchange
                builder.add(applied.command.environment, applied.events, applied.ts)
        out = builder.finish()
        algos: dict[int, AlgoRecord] = {}
        for applied in batch:
            for record in applied.algos:
                algos.pop(record.algo_id, None)  # the latest state, in the order of last change
                algos[record.algo_id] = record
        out.algos.extend(algos.values())
        self._side_rows(out, batch)
        return out

    @staticmethod
    def _side_rows(out: ChangeSet, batch: Sequence[Applied]) -> None:
        """Funding rows, fee tiers, convert trades and swap settings the batch's commands made."""
        for applied in batch:
            if applied.funding:
                out.funding.extend(applied.funding)
            if isinstance(applied.command, SetFeeTier) and not isinstance(applied.result, Rejected):
                command = applied.command
                out.fee_tiers.append(FeeTierRecord(command.account_id, command.tier, applied.ts))
            if isinstance(applied.result, ConvertTradeRecord):  # written with its postings
                out.convert_trades.append(applied.result)
            result = applied.result
            if isinstance(result, FundingSettled) and not result.already:  # with its postings
                out.funding_rates.append(result.record)
            for row in applied.swap_rows:
                if isinstance(row, AccountSettingsRecord):
                    out.settings.append(row)
                else:
                    out.leverages.append(row)

    def _swap(self, cmd: SwapCommand, ts: int) -> Applied:
        if isinstance(cmd, UpdateMarks | SettleFundingFee):
            return self._market_wide(cmd, ts)
        x = self._exchanges[cmd.environment]
        runner = self._algos[cmd.environment]
        done = apply_swap(x, cmd.environment, cmd, ts, runner.has_swap_algos)
        if isinstance(cmd, ForceLiquidation):
            self._liquidation_categories(done.events)
        applied = Applied(cmd, done.result, done.events, ts, swap_rows=done.rows)
        return self._settled(runner, applied) if done.events else applied

    def _market_wide(self, cmd: UpdateMarks | SettleFundingFee, ts: int) -> Applied:
        """A swap command for both environments: marks (kept here too, for rebuilds) and funding
        (a funding time at or before the swap's last settled one is answered, not applied again)."""
        if isinstance(cmd, SettleFundingFee):
            last = self._funding_settled.get(cmd.inst_id)
            if last is not None and cmd.funding_time <= last.funding_time:
                return Applied(cmd, FundingSettled(last, 0, already=True), [], ts)
        result, events = apply_market_wide(self._exchanges, cmd, ts, self._catalogue.instruments)
        algos: list[AlgoRecord] = []
        if isinstance(cmd, UpdateMarks) and not isinstance(result, Rejected):
            marks = dict(self._marks)  # replaced whole: readers on other threads see one or the other
            marks.update((inst_id, (mark, index)) for inst_id, mark, index in cmd.marks)
            self._marks = marks
            algos = self._algos_on_marks(cmd, events, ts)
        if isinstance(cmd, SettleFundingFee) and not isinstance(result, Rejected):
            record = FundingRateRecord(cmd.inst_id, cmd.funding_time, cmd.rate, cmd.rate, ts)
            self._funding_settled[cmd.inst_id] = record
            paid = sum(1 for evs in events.values() for ev in evs if isinstance(ev, PositionChanged))
            result = FundingSettled(record, paid)
        if isinstance(cmd, UpdateMarks):
            for evs in events.values():
                self._liquidation_categories(evs)
        return Applied(cmd, result, [], ts, algos=algos, env_events=events)

    def _algos_on_marks(
        self, cmd: UpdateMarks, events: dict[Environment, list[Event]], ts: int
    ) -> list[AlgoRecord]:
        """Each environment's swap algos after new marks: what the marks caused (liquidations) is
        settled first, then the algos watching mark/index fire; their orders join the events."""
        algos: list[AlgoRecord] = []
        for environment, runner in self._algos.items():
            caused = events.setdefault(environment, [])
            settled = runner.on_marks(cmd.marks, ts, caused)
            caused.extend(settled.events)
            algos.extend(settled.algos)
        return algos

    def _liquidation_categories(self, events: Sequence[Event]) -> None:
        """Liquidation orders carry their category from their first step (the WS `orders` pushes)."""
        for ev in events:
            if isinstance(ev, Liquidated) and ev.ord_id is not None:
                self._extras.setdefault(ev.ord_id, OrderExtras()).category = ev.category

    def marks(self) -> Mapping[str, tuple[Decimal, Decimal]]:
        """The last `UpdateMarks` prices per swap: (mark, index) (`swap_marks.CoreMarks` serves them
        as a `MarkSource`)."""
        return self._marks

    def _fund(self, x: Exchange, cmd: FundingCommand, ts: int) -> Applied:
        assert self._funding is not None, "funding commands need the funding core"
        done = self._funding.apply(cmd, x.ledger, self._deposit_ids, ts)
        return Applied(cmd, done.result, [*done.postings], ts, done.rows)

    def _place(self, x: Exchange, cmd: PlaceBatch, ts: int) -> Applied:
        acks: list[OrderAck] = []
        events: list[Event] = []
        attached: list[AlgoRecord] = []
        runner = self._algos[cmd.environment]
        batch_cl_ids: set[str] = set()
        for spec in cmd.items:
            if spec.cl_ord_id and spec.cl_ord_id in batch_cl_ids:  # OKX: unique within one batch too
                acks.append(OrderAck("", spec.cl_ord_id, spec.tag, ts, Rejected(Reason.CLORDID_EXISTS)))
                continue
            batch_cl_ids.add(spec.cl_ord_id)
            if spec.inst_id in self._halted:
                acks.append(OrderAck("", spec.cl_ord_id, spec.tag, ts, Rejected(Reason.INSTRUMENT_SUSPENDED)))
                continue
            refused = runner.check_attach(cmd.account_id, spec) if spec.attach_algo_ords else None
            if refused is not None:
                acks.append(OrderAck("", spec.cl_ord_id, spec.tag, ts, refused))
                continue
            evs = x.place(cmd.account_id, spec, ts)
            done = outcome(evs)
            if isinstance(done, Rejected):
                acks.append(OrderAck("", spec.cl_ord_id, spec.tag, ts, done))
                continue
            acks.append(OrderAck(str(done.ord_id), spec.cl_ord_id, spec.tag, ts))
            if spec.attach_algo_ords:
                attached.extend(runner.attach(cmd.account_id, spec, done.ord_id, ts))
            events.extend(evs)
        return self._settled(runner, Applied(cmd, acks, events, ts, algos=attached))

    def _cancel(self, x: Exchange, cmd: CancelBatch, ts: int) -> Applied:
        acks: list[OrderAck] = []
        events: list[Event] = []
        for spec in cmd.items:
            evs = x.cancel(cmd.account_id, spec, ts)
            acks.append(_ack(evs, spec.ord_id, spec.cl_ord_id, ts))
            events.extend(evs)
        return self._settled(self._algos[cmd.environment], Applied(cmd, acks, events, ts))

    def _amend(self, x: Exchange, cmd: AmendBatch, ts: int) -> Applied:
        acks: list[OrderAck] = []
        events: list[Event] = []
        algos: list[AlgoRecord] = []
        runner = self._algos[cmd.environment]
        for spec in cmd.items:
            if spec.inst_id in self._halted:
                refused = Rejected(Reason.INSTRUMENT_SUSPENDED)
                acks.append(OrderAck(_id_text(spec.ord_id), spec.cl_ord_id, "", ts, refused, spec.req_id))
                continue
            planned = runner.plan_attached(cmd.account_id, spec, ts) if spec.attach_algo_ords else None
            if isinstance(planned, Rejected):  # the order stays as it was (canceled if asked to)
                acks.append(OrderAck(_id_text(spec.ord_id), spec.cl_ord_id, "", ts, planned, spec.req_id))
                if spec.cxl_on_fail:
                    events.extend(
                        x.cancel(cmd.account_id, CancelSpec(spec.inst_id, spec.ord_id, spec.cl_ord_id), ts)
                    )
                continue
            evs = x.amend(cmd.account_id, spec, ts)
            ack = _ack(evs, spec.ord_id, spec.cl_ord_id, ts, spec.req_id)
            if planned and ack.rejected is None:
                runner.amend_attached(int(ack.ord_id), planned)
                algos.extend(planned)
            acks.append(ack)
            events.extend(evs)
        return self._settled(runner, Applied(cmd, acks, events, ts, algos=algos))

    def _algo(self, cmd: AlgoCommand, ts: int) -> Applied:
        runner = self._algos[cmd.environment]
        if isinstance(cmd, CancelAlgos):
            acks, records = runner.cancel(cmd, ts)
        elif isinstance(cmd, AmendAlgos):
            acks, records = runner.amend(cmd, ts)
        else:
            acks, records = runner.place(cmd, ts)
        return Applied(cmd, acks, [], ts, algos=records)

    @staticmethod
    def _settled(runner: AlgoRunner, applied: Applied) -> Applied:
        """`applied` with what its trades and finished orders did to algo orders (in the same
        commit: the orders algo orders placed, and their new states)."""
        settled = runner.settle(applied.events, applied.ts)
        applied.events.extend(settled.events)
        applied.algos.extend(settled.algos)
        return applied

    def _through_port(self, cmd: Command) -> object:
        """A server command, applied by the server part `serve` wired for it (refused without one)."""
        if isinstance(cmd, MARKET_COMMANDS) and self._market is not None:
            return self._market.control(cmd)
        if isinstance(cmd, SimulateChainDeposit) and self._chain_deposits is not None:
            return self._chain_deposits.accept(cmd)
        return Rejected.of(Reason.PARAM_ERROR, field="kind")

    def _deposit(self, x: Exchange, cmd: Deposit, ts: int) -> Applied:
        refused = check_deposit(self._catalogue, cmd.ccy, amount(cmd.amount), cmd.kind)
        if isinstance(refused, Rejected):  # from the inbox: checked again, as if new
            return Applied(cmd, refused, [], ts)
        dep_id = self._deposit_ids.next_id()
        postings = x.ledger.deposit(cmd.account_id, cmd.ccy, cmd.amount, dep_id)
        if isinstance(postings, Rejected):
            return Applied(cmd, postings, [], ts)
        available = amount(x.ledger.available(cmd.account_id, cmd.ccy))
        view = DepositView(
            str(dep_id), cmd.user_id, cmd.environment, cmd.ccy, amount(cmd.amount), cmd.kind, available, ts
        )
        rows = None
        if self._funding is not None:  # the credit's row in the deposit history
            record = self._funding.instant_deposit(
                cmd.environment, dep_id, cmd.user_id, cmd.account_id, cmd.ccy, cmd.amount, ts
            )
            rows = FundingChanges(deposits=[record])
        return Applied(cmd, view, list(postings), ts, rows)

    # --- reads of the in-memory state ------------------------------------------------------------
    def state(self) -> Json:
        """The whole in-memory state of both environments, canonical (see `state_digest`). Read it
        while the writer is idle (tests, audits, the CLI): it walks live objects."""
        envs = [(env, x, self._algos[env].desk) for env, x in sorted(self._exchanges.items())]
        return core_state(envs, self._funding_settled, self._marks)

    def state_digest(self) -> str:
        """sha256 of `state()`: equal for two cores loaded from the same database, and a restart
        (or a rebuild) gives the digest the state had before it."""
        return digest(self.state())

    def fee_tier(self, environment: Environment, account_id: int | None) -> FeeTier:
        x = self._exchanges.get(environment)
        if x is None or account_id is None:
            return self._fee_tier
        return x.fees.tier_for(account_id)

    def best_price(self, environment: Environment, inst_id: str, side: Side) -> Decimal | None:
        """The price a `side` order would trade at first: best ask for buys, best bid for sells."""
        x = self._exchanges.get(environment)
        engine = None if x is None else x.engine(inst_id)
        inst = self._catalogue.instrument(inst_id)
        if engine is None or inst is None:
            return None
        try:  # read from a reader thread while the sequencer may be changing the book: a hint only
            ticks = engine.best_ask() if side is Side.BUY else engine.best_bid()
        except (IndexError, KeyError):
            return None
        return None if ticks is None else ticks * inst.tick_sz


def _ack(events: list[Event], ord_id: int | None, cl_ord_id: str, ts: int, req_id: str = "") -> OrderAck:
    """An amend's or cancel's answer: the order it changed, else its refusal echoing the request."""
    done = outcome(events)
    if isinstance(done, Rejected):
        return OrderAck(_id_text(ord_id), cl_ord_id, "", ts, done, req_id)
    return OrderAck(str(done.ord_id), done.cl_ord_id, done.tag, ts, None, req_id)


def _id_text(ord_id: int | None) -> str:
    return "" if ord_id is None else str(ord_id)
