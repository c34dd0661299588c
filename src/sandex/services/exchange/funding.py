"""Funding state inside the single writer: commands that move money, applied one at a time.

The sequencer applies every funding command in order with the trading commands, on the same
ledger, and commits its postings and rows in the same group commit. What must be decided there
and nowhere else lives here, in memory (rebuilt from the database by `load`):

* client ids already used (a retried transfer or withdrawal answers its first result),
* the daily withdrawal limit (concurrent withdrawals cannot both pass it),
* the balance (58116 / 58350), with deposits that are credited but not yet withdrawable held back,
* open withdrawals and deposits, which `AdvanceFunding` moves through their states on the clock.

`apply` is synchronous and does no I/O; it answers a `FundingApplied` (result, postings, rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.clock import DAY_MS, Clock
from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding import settlement
from sandex.domain.funding.lifecycle import (
    DEFAULT_TIMING,
    DepositClock,
    FundingTiming,
    cancel_withdrawal,
    deposit_next_ms,
    deposit_state,
    fail_withdrawal,
    withdrawal_next_ms,
    withdrawal_state,
)
from sandex.domain.funding.model import (
    DepositState,
    DepositType,
    Dest,
    TransferState,
    WithdrawalState,
)
from sandex.domain.funding.withdrawals import check_quota
from sandex.domain.ids import IdGenerator, SequentialIds
from sandex.domain.instruments import Catalogue
from sandex.domain.ledger.balances import Ledger
from sandex.services.exchange.commands import (
    TRANSFER_ID_BASE,
    WITHDRAWAL_ID_BASE,
    AdvanceFunding,
    CancelWithdrawal,
    ChainDeposit,
    FailWithdrawal,
    FundingApplied,
    FundingCommand,
    Transfer,
    Withdraw,
    tx_hash,
)
from sandex.services.exchange.records import (
    DepositRecord,
    FundingChanges,
    FundingSnapshot,
    TransferRecord,
    WithdrawalRecord,
)
from sandex.services.exchange.store import FundingStore

_W = WithdrawalState


_ClientKey = tuple[Environment, int, str]


class FundingState:
    def __init__(
        self, store: FundingStore, catalogue: Catalogue, clock: Clock, timing: FundingTiming = DEFAULT_TIMING
    ) -> None:
        self._store = store
        self._catalogue = catalogue
        self._clock = clock
        self.timing = timing
        self.transfer_ids = SequentialIds(TRANSFER_ID_BASE)
        self.withdrawal_ids = SequentialIds(WITHDRAWAL_ID_BASE)
        self._transfers_by_client: dict[_ClientKey, TransferRecord] = {}
        self._withdrawals_by_client: dict[_ClientKey, WithdrawalRecord] = {}
        self._open_withdrawals: dict[int, WithdrawalRecord] = {}
        self._recent: dict[int, WithdrawalRecord] = {}  # last 24 h, for daily limits
        self._open_deposits: dict[int, DepositRecord] = {}

    # --- rebuild -------------------------------------------------------------------------------
    def load(self) -> int:
        """Rebuild from the database; answers the highest deposit id stored (ids are shared)."""
        snap: FundingSnapshot = self._store.load_funding(self._clock.now_ms() - DAY_MS)
        self.transfer_ids = SequentialIds(max(snap.max_trans_id + 1, TRANSFER_ID_BASE))
        self.withdrawal_ids = SequentialIds(max(snap.max_wd_id + 1, WITHDRAWAL_ID_BASE))
        self._transfers_by_client = {
            (t.environment, t.user_id, t.client_id): t for t in snap.transfers_with_client_id
        }
        self._withdrawals_by_client = {
            (w.environment, w.user_id, w.client_id): w for w in snap.withdrawals_with_client_id
        }
        self._open_withdrawals = {w.wd_id: w for w in snap.open_withdrawals}
        self._recent = {w.wd_id: w for w in snap.recent_withdrawals}
        self._open_deposits = {d.dep_id: d for d in snap.open_deposits}
        return snap.max_dep_id

    # --- reads (from the event loop, between commands) -----------------------------------------
    def transfer_for_client(
        self, environment: Environment, user_id: int, client_id: str
    ) -> TransferRecord | None:
        return self._transfers_by_client.get((environment, user_id, client_id)) if client_id else None

    def withdrawal_for_client(
        self, environment: Environment, user_id: int, client_id: str
    ) -> WithdrawalRecord | None:
        return self._withdrawals_by_client.get((environment, user_id, client_id)) if client_id else None

    def locked(self, environment: Environment, account_id: int, ccy: str) -> int:
        """Credited deposits not yet withdrawable (OKX deposit state 1)."""
        return sum(
            d.amount
            for d in self._open_deposits.values()
            if (d.environment, d.account_id, d.ccy) == (environment, account_id, ccy)
            and d.state is DepositState.CREDITED
        )

    def next_due_ms(self, environment: Environment) -> int | None:
        """When the next open withdrawal or deposit of `environment` changes state."""
        times = [t for t in self._due_times(environment) if t is not None]
        return min(times) if times else None

    def _due_times(self, environment: Environment) -> Iterator[int | None]:
        for w in self._open_withdrawals.values():
            if w.environment is environment:
                yield withdrawal_next_ms(w.state, w.created_ms, self.timing)
        for d in self._open_deposits.values():
            if d.environment is environment:
                yield deposit_next_ms(_clock_of(d), d.state, self.timing)

    # --- the writer ----------------------------------------------------------------------------
    def apply(
        self, command: FundingCommand, ledger: Ledger, deposit_ids: IdGenerator, ts: int
    ) -> FundingApplied:
        handlers: dict[type, Callable[..., FundingApplied]] = {
            Transfer: self._transfer,
            Withdraw: self._withdraw,
            CancelWithdrawal: self._cancel,
            FailWithdrawal: self._fail,
            ChainDeposit: self._chain_deposit,
            AdvanceFunding: self._advance,
        }
        return handlers[type(command)](command, ledger, deposit_ids, ts)

    def instant_deposit(
        self,
        environment: Environment,
        dep_id: int,
        user_id: int,
        account_id: int,
        ccy: str,
        units: int,
        ts: int,
    ) -> DepositRecord:
        """The deposit-history row of an operator credit the trading core booked at once (on the
        currency's main chain, successful from the start)."""
        currency = self._catalogue.currency(ccy)
        chain = currency.chains[0].name if currency is not None and currency.chains else ""
        tx_id = tx_hash(environment.value, "dep", dep_id)
        return DepositRecord(
            dep_id,
            environment,
            user_id,
            account_id,
            ccy,
            chain,
            units,
            DepositType.ON_CHAIN,
            "",
            "",
            "",
            None,
            tx_id,
            DepositState.SUCCESS,
            0,
            0,
            ts,
            ts,
        )

    def _transfer(self, cmd: Transfer, ledger: Ledger, _ids: IdGenerator, ts: int) -> FundingApplied:
        key = (cmd.environment, cmd.user_id, cmd.client_id)
        first = self._transfers_by_client.get(key) if cmd.client_id else None
        if first is not None:
            return FundingApplied(first)
        trans_id = self.transfer_ids.next_id()
        postings = ledger.transfer(cmd.src_account, cmd.dst_account, cmd.ccy, cmd.units, trans_id)
        if isinstance(postings, Rejected):
            return FundingApplied(postings)
        record = TransferRecord(
            trans_id,
            cmd.environment,
            cmd.user_id,
            cmd.type,
            cmd.ccy,
            cmd.units,
            cmd.src_user,
            cmd.src,
            cmd.dst_user,
            cmd.dst,
            cmd.sub_acct,
            cmd.client_id,
            TransferState.SUCCESS,
            ts,
        )
        if cmd.client_id:
            self._transfers_by_client[key] = record
        return FundingApplied(record, postings, FundingChanges(transfers=[record]))

    def _withdraw(self, cmd: Withdraw, ledger: Ledger, deposit_ids: IdGenerator, ts: int) -> FundingApplied:
        key = (cmd.environment, cmd.user_id, cmd.client_id)
        first = self._withdrawals_by_client.get(key) if cmd.client_id else None
        if first is not None:
            return FundingApplied(first)
        refused = check_quota(self._used_usd(cmd.environment, cmd.user_id, ts), cmd.usd_value, cmd.quota_usd)
        if refused is not None:
            return FundingApplied(refused)
        withdrawable = ledger.available(cmd.account_id, cmd.ccy) - self.locked(
            cmd.environment, cmd.account_id, cmd.ccy
        )
        wd_id = self.withdrawal_ids.next_id()
        if cmd.dest is Dest.INTERNAL:
            return self._internal(cmd, ledger, deposit_ids, withdrawable, wd_id, ts)
        held = settlement.hold(
            ledger, cmd.account_id, cmd.ccy, cmd.units + cmd.fee_units, withdrawable, wd_id
        )
        if isinstance(held, Rejected):
            return FundingApplied(held)
        record = self._new_withdrawal(cmd, wd_id, _W.WAITING, "", ts)
        self._open_withdrawals[wd_id] = record
        return FundingApplied(record, held, FundingChanges(withdrawals=[record]))

    def _internal(
        self, cmd: Withdraw, ledger: Ledger, deposit_ids: IdGenerator, withdrawable: int, wd_id: int, ts: int
    ) -> FundingApplied:
        assert cmd.receiver_id is not None and cmd.receiver_account is not None
        dep_id = deposit_ids.next_id()
        moved = settlement.move_internal(
            ledger, cmd.account_id, cmd.receiver_account, cmd.ccy, cmd.units, withdrawable, wd_id, dep_id
        )
        if isinstance(moved, Rejected):
            return FundingApplied(moved)
        record = self._new_withdrawal(cmd, wd_id, _W.SUCCESS, "", ts)
        deposit = DepositRecord(
            dep_id,
            cmd.environment,
            cmd.receiver_id,
            cmd.receiver_account,
            cmd.ccy,
            "",
            cmd.units,
            DepositType.INTERNAL,
            "",
            "",
            cmd.from_text,
            wd_id,
            "",
            DepositState.SUCCESS,
            0,
            0,
            ts,
            ts,
        )
        return FundingApplied(record, moved, FundingChanges(withdrawals=[record], deposits=[deposit]))

    def _new_withdrawal(
        self, cmd: Withdraw, wd_id: int, state: WithdrawalState, tx_id: str, ts: int
    ) -> WithdrawalRecord:
        record = WithdrawalRecord(
            wd_id,
            cmd.environment,
            cmd.user_id,
            cmd.account_id,
            cmd.ccy,
            cmd.chain,
            cmd.units,
            cmd.fee_units,
            cmd.dest,
            cmd.to_addr,
            cmd.tag,
            cmd.addr_type,
            cmd.receiver_id,
            cmd.client_id,
            state,
            tx_id,
            cmd.usd_value,
            cmd.from_text,
            ts,
            ts,
        )
        self._recent[wd_id] = record
        if cmd.client_id:
            self._withdrawals_by_client[(cmd.environment, cmd.user_id, cmd.client_id)] = record
        return record

    def _used_usd(self, environment: Environment, user_id: int, ts: int) -> Decimal:
        since = ts - DAY_MS
        for wd_id in [w.wd_id for w in self._recent.values() if w.created_ms < since]:
            del self._recent[wd_id]
        return sum(
            (
                w.usd_value
                for w in self._recent.values()
                if w.environment is environment and w.user_id == user_id and w.state.counts_toward_quota
            ),
            Decimal(0),
        )

    def _cancel(self, cmd: CancelWithdrawal, ledger: Ledger, _ids: IdGenerator, ts: int) -> FundingApplied:
        record = self._open_withdrawals.get(cmd.wd_id)
        if record is None or record.user_id != cmd.user_id or record.environment is not cmd.environment:
            return FundingApplied(Rejected(Reason.WITHDRAWAL_NOT_CANCELLABLE))  # finished meanwhile
        current = withdrawal_state(record.state, record.created_ms, ts, self.timing)
        canceled = cancel_withdrawal(current)
        if isinstance(canceled, Rejected):
            return FundingApplied(canceled)
        return self._finish(record, _W.CANCELED, ledger, ts)

    def _fail(self, cmd: FailWithdrawal, ledger: Ledger, _ids: IdGenerator, ts: int) -> FundingApplied:
        record = self._open_withdrawals.get(cmd.wd_id)
        if record is None or record.environment is not cmd.environment:
            return FundingApplied(Rejected(Reason.WITHDRAWAL_NOT_FOUND))
        failed = fail_withdrawal(record.state)
        if isinstance(failed, Rejected):
            return FundingApplied(failed)
        return self._finish(record, _W.FAILED, ledger, ts)

    def _finish(
        self, record: WithdrawalRecord, state: WithdrawalState, ledger: Ledger, ts: int
    ) -> FundingApplied:
        """Move an open withdrawal to a final state and settle its hold."""
        if state is _W.SUCCESS:
            postings = settlement.complete(
                ledger, record.account_id, record.ccy, record.amount, record.fee, record.wd_id
            )
        else:
            postings = settlement.release(
                ledger, record.account_id, record.ccy, record.amount + record.fee, record.wd_id
            )
        tx_id = record.tx_id or (
            tx_hash(record.environment.value, "wd", record.wd_id) if state is _W.SUCCESS else ""
        )
        done = replace(record, state=state, tx_id=tx_id, updated_ms=ts)
        self._open_withdrawals.pop(record.wd_id, None)
        self._remember(done)
        return FundingApplied(done, postings, FundingChanges(withdrawals=[done]))

    def _remember(self, record: WithdrawalRecord) -> None:
        """Keep the daily-limit and client-id views of a withdrawal current as it moves on."""
        if record.wd_id in self._recent:
            self._recent[record.wd_id] = record
        key = (record.environment, record.user_id, record.client_id)
        if record.client_id and key in self._withdrawals_by_client:
            self._withdrawals_by_client[key] = record

    def _chain_deposit(
        self, cmd: ChainDeposit, ledger: Ledger, deposit_ids: IdGenerator, ts: int
    ) -> FundingApplied:
        dep_id = deposit_ids.next_id()
        record = DepositRecord(
            dep_id,
            cmd.environment,
            cmd.user_id,
            cmd.account_id,
            cmd.ccy,
            cmd.chain,
            cmd.units,
            DepositType.ON_CHAIN,
            cmd.to_addr,
            cmd.tag,
            "",
            None,
            cmd.tx_id or tx_hash(cmd.environment.value, "dep", dep_id),
            DepositState.WAITING,
            cmd.arrival,
            cmd.unlock,
            ts,
            ts,
        )
        out = FundingApplied(record)
        self._open_deposits[dep_id] = record
        if not self._step_deposit(record, ledger, ts, out):  # no confirmations to wait for: credited now
            out.rows.deposits.append(record)
        out.result = out.rows.deposits[-1]
        return out

    # --- the clock -----------------------------------------------------------------------------
    def _advance(self, cmd: AdvanceFunding, ledger: Ledger, _ids: IdGenerator, ts: int) -> FundingApplied:
        out = FundingApplied(0)
        for record in [w for w in self._open_withdrawals.values() if w.environment is cmd.environment]:
            self._step_withdrawal(record, ledger, ts, out)
        for deposit in [d for d in self._open_deposits.values() if d.environment is cmd.environment]:
            self._step_deposit(deposit, ledger, ts, out)
        out.result = len(out.rows.withdrawals) + len(out.rows.deposits)
        return out

    def _step_withdrawal(
        self, record: WithdrawalRecord, ledger: Ledger, ts: int, out: FundingApplied
    ) -> None:
        state = withdrawal_state(record.state, record.created_ms, ts, self.timing)
        if state is record.state:
            return
        if state.is_final:
            done = self._finish(record, state, ledger, ts)
            out.postings.extend(done.postings)
            out.rows.extend(done.rows)
            return
        moved = replace(
            record, state=state, tx_id=tx_hash(record.environment.value, "wd", record.wd_id), updated_ms=ts
        )
        self._open_withdrawals[record.wd_id] = moved
        self._remember(moved)
        out.rows.withdrawals.append(moved)

    def _step_deposit(self, record: DepositRecord, ledger: Ledger, ts: int, out: FundingApplied) -> bool:
        """Move a deposit to the state the clock says; False when it stays where it is."""
        state = deposit_state(_clock_of(record), ts, self.timing)
        if state is record.state:
            return False
        if record.state is DepositState.WAITING:  # reaching its arrival confirmations: money in
            out.postings.extend(
                settlement.credit(ledger, record.account_id, record.ccy, record.amount, record.dep_id)
            )
        moved = replace(record, state=state, updated_ms=ts)
        if state is DepositState.SUCCESS:
            self._open_deposits.pop(record.dep_id, None)
        else:
            self._open_deposits[record.dep_id] = moved
        out.rows.deposits.append(moved)
        return True


def _clock_of(record: DepositRecord) -> DepositClock:
    return DepositClock(record.created_ms, record.arrival, record.unlock)
