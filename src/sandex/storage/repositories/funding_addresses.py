"""The address book: deposit addresses handed out (found again by address when credited) and the
withdrawal allow-lists. Not exchange state: written directly, outside the sequencer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sandex.domain.accounts.model import Environment
from sandex.domain.funding.withdrawals import AllowedAddress
from sandex.services.funding.ports import AddressRecord, AllowListRecord
from sandex.storage.orm.funding import DepositAddressRow, WithdrawAddressRow
from sandex.storage.repositories._sql import dialect_insert


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


ADDRESSES, ALLOWED = _table(DepositAddressRow), _table(WithdrawAddressRow)


class SqlAddressBook:
    """Implements `sandex.services.funding.ports.AddressBook`."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def remember_addresses(self, records: Sequence[AddressRecord], now_ms: int) -> None:
        with self._sessions.begin() as s:
            for r in records:
                values = {
                    "user_id": r.user_id,
                    "environment": r.environment.value,
                    "chain": r.chain,
                    "addr": r.addr,
                    "tag": r.tag,
                    "created_ms": now_ms,
                }
                statement = dialect_insert(s, ADDRESSES).values(**values)
                s.execute(
                    statement.on_conflict_do_update(
                        index_elements=["user_id", "environment", "chain"],
                        set_={"addr": statement.excluded.addr, "tag": statement.excluded.tag},
                    )
                )

    def find_address(self, environment: Environment, chain: str, addr: str, tag: str) -> AddressRecord | None:
        a = ADDRESSES.c
        with self._sessions() as s:
            row = s.execute(
                select(ADDRESSES)
                .where(a.environment == environment.value, a.chain == chain, a.addr == addr, a.tag == tag)
                .order_by(a.user_id)
                .limit(1)
            ).first()
        return (
            None
            if row is None
            else AddressRecord(row.user_id, Environment(row.environment), row.chain, row.addr, row.tag)
        )

    def allow_list(self, user_id: int) -> list[AllowListRecord]:
        a = ALLOWED.c
        with self._sessions() as s:
            rows = s.execute(select(ALLOWED).where(a.user_id == user_id).order_by(a.id)).all()
        return [
            AllowListRecord(r.id, r.user_id, AllowedAddress(r.chain, r.addr, r.tag, r.label), r.created_ms)
            for r in rows
        ]


class SqlAllowList:
    """Implements `sandex.services.funding.ports.AllowListRepository` in a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user_id: int, entry: AllowedAddress, now_ms: int) -> AllowListRecord | None:
        row = WithdrawAddressRow(
            user_id=user_id,
            chain=entry.chain,
            addr=entry.addr,
            tag=entry.tag,
            label=entry.label,
            created_ms=now_ms,
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError:  # the same (chain, address, tag) is already listed
            return None  # the session now needs a rollback: the caller leaves without committing
        return AllowListRecord(row.id, user_id, entry, now_ms)

    def remove(self, user_id: int, entry_id: int) -> bool:
        done = self._session.execute(
            delete(ALLOWED).where(ALLOWED.c.id == entry_id, ALLOWED.c.user_id == user_id)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]
