"""Funding rows <-> records, and the write the sequencer's group commit makes for them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from sandex.domain.accounts.model import Environment
from sandex.domain.funding.model import (
    AccountType,
    AddrType,
    DepositState,
    DepositType,
    Dest,
    TransferState,
    TransferType,
    WithdrawalState,
)
from sandex.services.exchange.records import DepositRecord, FundingChanges, TransferRecord, WithdrawalRecord
from sandex.storage.orm.funding import DepositRow, TransferRow, WithdrawalRow
from sandex.storage.repositories._sql import dialect_insert


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


TRANSFERS, WITHDRAWALS, DEPOSITS = _table(TransferRow), _table(WithdrawalRow), _table(DepositRow)


# --- the group commit ----------------------------------------------------------------------------
def write_funding_rows(s: Session, changes: FundingChanges) -> None:
    """Upsert a batch's funding rows, inside the sequencer's transaction (with their postings)."""
    for table, key, rows in (
        (TRANSFERS, "trans_id", [transfer_values(t) for t in changes.transfers]),
        (WITHDRAWALS, "wd_id", [withdrawal_values(w) for w in _latest(changes.withdrawals, "wd_id")]),
        (DEPOSITS, "dep_id", [deposit_values(d) for d in _latest(changes.deposits, "dep_id")]),
    ):
        if rows:
            statement = dialect_insert(s, table)
            columns = [c.name for c in table.columns if c.name != key]
            s.execute(
                statement.on_conflict_do_update(
                    index_elements=[key], set_={name: statement.excluded[name] for name in columns}
                ),
                rows,
            )


def _latest(records: Sequence[Any], key: str) -> list[Any]:
    """One row per id (its last state in the batch): a multi-row upsert may not touch a row twice."""
    return list({getattr(r, key): r for r in records}.values())


# --- mapping -------------------------------------------------------------------------------------
def transfer_values(t: TransferRecord) -> dict[str, Any]:
    return {
        "trans_id": t.trans_id,
        "environment": t.environment.value,
        "user_id": t.user_id,
        "type": t.type.value,
        "ccy": t.ccy,
        "amount": t.amount,
        "src_user": t.src_user,
        "src": t.src.value,
        "dst_user": t.dst_user,
        "dst": t.dst.value,
        "sub_acct": t.sub_acct,
        "client_id": t.client_id,
        "state": t.state.value,
        "ts": t.ts,
    }


def withdrawal_values(w: WithdrawalRecord) -> dict[str, Any]:
    return {
        "wd_id": w.wd_id,
        "environment": w.environment.value,
        "user_id": w.user_id,
        "account_id": w.account_id,
        "ccy": w.ccy,
        "chain": w.chain,
        "amount": w.amount,
        "fee": w.fee,
        "dest": w.dest.value,
        "to_addr": w.to_addr,
        "tag": w.tag,
        "addr_type": w.addr_type.value,
        "receiver_id": w.receiver_id,
        "client_id": w.client_id,
        "state": w.state.value,
        "tx_id": w.tx_id,
        "usd_value": w.usd_value,
        "from_text": w.from_text,
        "created_ms": w.created_ms,
        "updated_ms": w.updated_ms,
    }


def deposit_values(d: DepositRecord) -> dict[str, Any]:
    return {
        "dep_id": d.dep_id,
        "environment": d.environment.value,
        "user_id": d.user_id,
        "account_id": d.account_id,
        "ccy": d.ccy,
        "chain": d.chain,
        "amount": d.amount,
        "dep_type": d.dep_type.value,
        "to_addr": d.to_addr,
        "tag": d.tag,
        "from_text": d.from_text,
        "from_wd_id": d.from_wd_id,
        "tx_id": d.tx_id,
        "state": d.state.value,
        "arrival": d.arrival,
        "unlock": d.unlock,
        "created_ms": d.created_ms,
        "updated_ms": d.updated_ms,
    }


def transfer_record(r: Any) -> TransferRecord:
    return TransferRecord(
        r.trans_id,
        Environment(r.environment),
        r.user_id,
        TransferType(r.type),
        r.ccy,
        r.amount,
        r.src_user,
        AccountType(r.src),
        r.dst_user,
        AccountType(r.dst),
        r.sub_acct,
        r.client_id,
        TransferState(r.state),
        r.ts,
    )


def withdrawal_record(r: Any) -> WithdrawalRecord:
    return WithdrawalRecord(
        r.wd_id,
        Environment(r.environment),
        r.user_id,
        r.account_id,
        r.ccy,
        r.chain,
        r.amount,
        r.fee,
        Dest(r.dest),
        r.to_addr,
        r.tag,
        AddrType(r.addr_type),
        r.receiver_id,
        r.client_id,
        WithdrawalState(r.state),
        r.tx_id,
        r.usd_value,
        r.from_text,
        r.created_ms,
        r.updated_ms,
    )


def deposit_record(r: Any) -> DepositRecord:
    return DepositRecord(
        r.dep_id,
        Environment(r.environment),
        r.user_id,
        r.account_id,
        r.ccy,
        r.chain,
        r.amount,
        DepositType(r.dep_type),
        r.to_addr,
        r.tag,
        r.from_text,
        r.from_wd_id,
        r.tx_id,
        DepositState(r.state),
        r.arrival,
        r.unlock,
        r.created_ms,
        r.updated_ms,
    )
