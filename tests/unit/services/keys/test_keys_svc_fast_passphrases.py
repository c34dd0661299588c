"""Passphrase verifiers checked in microseconds: an HMAC under a master-derived key, never argon2 for
a new key; an old argon2 hash moves to it on its first successful check; a rotation keeps it working."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.runtime.crypto import AesGcmCipher
from sandex.services.keys.auth import Principal
from sandex.services.keys.passphrases import KEY_PURPOSE
from tests.support.keys import Kit, kit_on_copy, make_kit

NEW_MASTER = bytes(range(100, 132))


@pytest.fixture
def fast(tmp_path: Path) -> Iterator[Kit]:
    built = kit_on_copy(tmp_path, passphrase_key=_key(AesGcmCipher({"mk-1": Kit.cipher_material()}, "mk-1")))
    yield built
    built.engine.dispose()


def _key(cipher: AesGcmCipher) -> bytes:
    return cipher.derive_key(KEY_PURPOSE)  # as the server derives it (sandex.process)


def _stored_verifier(kit: Kit, api_key: str) -> str:
    with kit.uow() as uow:
        record = uow.keys.get(api_key)
    assert record is not None
    return record.passphrase_hash


def _reason(outcome: Principal | Rejected) -> Reason:
    assert isinstance(outcome, Rejected), outcome
    return outcome.reason


def test_a_new_key_is_checked_without_argon2_and_a_wrong_passphrase_is_still_refused(fast: Kit) -> None:
    created = fast.key(fast.user().id)
    before = fast.hasher.verifications
    assert fast.auth.is_warm(created.info.api_key) is False  # not loaded yet
    assert isinstance(fast.auth.authenticate(fast.signed(created)), Principal)
    assert fast.auth.is_warm(created.info.api_key)
    for wrong in ("Wrong#Pass1", created.passphrase + "x", created.passphrase.lower()):
        assert (
            _reason(fast.auth.authenticate(fast.signed(created, passphrase=wrong)))
            is Reason.PASSPHRASE_INCORRECT
        )
    other = fast.second_process()  # a cold cache: the first check of the key is as cheap
    assert isinstance(other.auth.authenticate(other.signed(created)), Principal)
    assert fast.hasher.verifications == before == 0
    verifier = _stored_verifier(fast, created.info.api_key)
    assert verifier.startswith("hmac-sha256$") and created.passphrase not in verifier


def test_a_verifier_made_under_another_master_key_matches_nothing(fast: Kit) -> None:
    created = fast.key(fast.user().id)
    stranger = make_kit(fast.engine, fast.cipher, passphrase_key=bytes(32))  # a copy of the database alone
    assert _reason(stranger.auth.authenticate(stranger.signed(created))) is Reason.PASSPHRASE_INCORRECT


def test_an_argon2_hash_moves_to_the_fast_verifier_after_its_first_successful_check(kit: Kit) -> None:
    created = kit.key(kit.user().id)  # made before fast verifiers: argon2
    old = _stored_verifier(kit, created.info.api_key)
    assert old.startswith("$argon2")
    server = make_kit(kit.engine, kit.cipher, passphrase_key=_key(kit.cipher))
    wrong = server.signed(created, passphrase="Wrong#Pass1")
    assert _reason(server.auth.authenticate(wrong)) is Reason.PASSPHRASE_INCORRECT
    server.auth.flush_usage()
    assert _stored_verifier(kit, created.info.api_key) == old  # a wrong guess upgrades nothing
    assert isinstance(server.auth.authenticate(server.signed(created)), Principal)
    runs = server.hasher.verifications
    assert runs == 2  # the wrong guess and the one successful check
    assert isinstance(server.auth.authenticate(server.signed(created)), Principal)
    server.auth.flush_usage()
    assert _stored_verifier(kit, created.info.api_key).startswith("hmac-sha256$")
    restarted = make_kit(kit.engine, kit.cipher, passphrase_key=_key(kit.cipher))
    assert isinstance(restarted.auth.authenticate(restarted.signed(created)), Principal)
    bad = restarted.signed(created, passphrase="Wrong#Pass1")
    assert _reason(restarted.auth.authenticate(bad)) is Reason.PASSPHRASE_INCORRECT
    assert server.hasher.verifications == runs and restarted.hasher.verifications == 0


def test_fast_verifiers_survive_a_master_key_rotation(fast: Kit) -> None:
    alice = fast.user()
    created = fast.key(alice.id)
    rotated = AesGcmCipher({"mk-1": Kit.cipher_material(), "mk-2": NEW_MASTER}, "mk-2")
    assert fast.maintenance.rotate_master_key(rotated) == 1
    server = make_kit(fast.engine, rotated, passphrase_key=_key(rotated))  # restarted on the new key file
    assert isinstance(server.auth.authenticate(server.signed(created)), Principal)
    newer = server.key(alice.id, label="after")
    assert isinstance(server.auth.authenticate(server.signed(newer)), Principal)
    bad = server.signed(created, passphrase="Wrong#Pass1")
    assert _reason(server.auth.authenticate(bad)) is Reason.PASSPHRASE_INCORRECT


def test_a_cached_key_accepts_only_the_passphrase_its_verifier_accepted(fast: Kit) -> None:
    created = fast.key(fast.user().id)
    first_wrong = fast.auth.authenticate(fast.signed(created, passphrase="Wrong#Pass1"))  # the first sight
    assert _reason(first_wrong) is Reason.PASSPHRASE_INCORRECT
    assert isinstance(fast.auth.authenticate(fast.signed(created)), Principal)  # a refusal taught nothing
    # From here on the entry compares with what the verifier accepted: the same answers as before.
    for wrong in ("Wrong#Pass1", created.passphrase[:-1], "Sändex#2026", "\udcff", " " + created.passphrase):
        outcome = fast.auth.authenticate(fast.signed(created, passphrase=wrong))
        assert _reason(outcome) is Reason.PASSPHRASE_INCORRECT
    assert isinstance(fast.auth.authenticate(fast.signed(created)), Principal)
