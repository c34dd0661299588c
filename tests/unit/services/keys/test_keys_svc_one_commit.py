"""Console key use cases are one transaction: the code is spent in the commit that writes the key.

Only the guess is committed before (it is counted before it is checked, so a later failure never
gives it back); then the code, the key, its audit entry and the change counter commit together, and
a failure in between leaves the code usable and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pytest
from sqlalchemy import Connection, text

from sandex.domain.accounts.email_codes import CodePurpose
from sandex.domain.errors import Rejected
from sandex.domain.keys.rules import CreateKeyRequest, EditKeyRequest
from sandex.services.accounts.views import UserView
from sandex.services.keys.views import ConsoleConfirmation
from sandex.storage.repositories.keys import SqlKeyRepository
from tests.support.factories import PASSPHRASE
from tests.support.keys import Kit


class State(NamedTuple):
    codes: int
    spent_codes: int
    keys: int
    audit_entries: int
    keys_version: int


def _state(connection: Connection) -> State:
    def count(sql: str) -> int:
        return int(connection.scalar(text(sql)) or 0)

    return State(
        count("SELECT count(*) FROM email_codes"),
        count("SELECT count(*) FROM email_codes WHERE used_ms IS NOT NULL"),
        count("SELECT count(*) FROM api_keys"),
        count("SELECT count(*) FROM api_key_audit"),
        count("SELECT version FROM change_counters WHERE topic = 'keys'"),
    )


Run = Callable[[str], object]  # a use case run with a given code
# A flow prepares, for a fresh user, what the use case acts on: the run, how many keys (and new
# codes: a created key's activation code) it adds, and the code that confirms it.
Flow = Callable[[Kit, UserView], tuple[Run, int, str]]


def _create_flow(kit: Kit, alice: UserView) -> tuple[Run, int, str]:
    code = kit.send_code(alice, CodePurpose.API_KEY_CREATE)
    request = CreateKeyRequest("console bot", PASSPHRASE, "read_only", "203.0.113.7")

    def run(c: str) -> object:
        return kit.keys.create_from_console(alice.id, request, ConsoleConfirmation(email_code=c))

    return run, 1, code


def _edit_flow(kit: Kit, alice: UserView) -> tuple[Run, int, str]:
    api_key = kit.key(alice.id).info.api_key
    code = kit.send_code(alice, CodePurpose.API_KEY_EDIT)

    def run(c: str) -> object:
        edit = EditKeyRequest(label="renamed")
        return kit.keys.update_from_console(alice.id, api_key, edit, ConsoleConfirmation(email_code=c))

    return run, 0, code


def _delete_flow(kit: Kit, alice: UserView) -> tuple[Run, int, str]:
    api_key = kit.key(alice.id).info.api_key
    code = kit.send_code(alice, CodePurpose.API_KEY_DELETE)

    def run(c: str) -> object:
        return kit.keys.delete_from_console(api_key, alice.id, ConsoleConfirmation(email_code=c))

    return run, 0, code


def _activate_flow(kit: Kit, alice: UserView) -> tuple[Run, int, str]:
    created_run, _, create_code = _create_flow(kit, alice)
    created = created_run(create_code)
    assert not isinstance(created, Rejected), created
    api_key = kit.keys.list(alice.id)[0].api_key
    activation = kit.email_code(alice.email or "")  # mailed once the key was stored

    def run(c: str) -> object:
        return kit.keys.activate(alice.id, api_key, c)

    return run, 0, activation


FLOWS = {
    "create": _create_flow,
    "edit": _edit_flow,
    "delete": _delete_flow,
    "activate": _activate_flow,
}


@pytest.mark.parametrize("flow", FLOWS.values(), ids=FLOWS.keys())
def test_the_code_the_key_its_audit_entry_and_the_counter_commit_together(
    kit: Kit, commit_log: Callable[..., list[State]], flow: Flow
) -> None:
    run, added, code = flow(kit, kit.user())
    with kit.engine.connect() as connection:
        before = _state(connection)
    log = commit_log(kit.engine, _state)
    done = run(code)
    assert not isinstance(done, Rejected), done
    after = State(
        before.codes + added,
        before.spent_codes + 1,
        before.keys + added,
        before.audit_entries + 1,
        before.keys_version + 1,
    )
    # first the guess is counted (nothing else changes), then ONE commit does all of it (with a
    # new key's activation code); the mail follows
    assert log[:2] == [before, after]
    assert all(state == after for state in log[2:])


@pytest.mark.parametrize("flow", FLOWS.values(), ids=FLOWS.keys())
def test_a_failure_after_the_code_check_leaves_the_code_usable_and_nothing_written(
    kit: Kit,
    commit_log: Callable[..., list[State]],
    monkeypatch: pytest.MonkeyPatch,
    flow: Flow,
) -> None:
    run, _, code = flow(kit, kit.user())
    with kit.engine.connect() as connection:
        before = _state(connection)
    events = len(kit.events)
    log = commit_log(kit.engine, _state)

    def broken(self: SqlKeyRepository, *args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(SqlKeyRepository, "add_audit", broken)
    with pytest.raises(RuntimeError):
        run(code)
    assert log and all(state == before for state in log)  # only the guess was committed
    assert len(kit.events) == events
    monkeypatch.undo()
    assert not isinstance(run(code), Rejected)  # the code still works
