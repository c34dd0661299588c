"""Master-key rotation: every secret re-encrypted under the new key, old ciphertexts still readable."""

from __future__ import annotations

from sandex.runtime.crypto import AesGcmCipher
from sandex.services.keys.auth import Principal
from sandex.services.keys.ports import SecretRow
from tests.support.keys import Kit

NEW_KEY = bytes(range(100, 132))


def _secrets(kit: Kit) -> list[SecretRow]:
    with kit.uow() as uow:
        return uow.keys.list_secrets()


def test_rotation_reencrypts_api_secrets_and_totp_seeds(kit: Kit) -> None:
    alice = kit.user()
    seed = kit.enable_totp(alice)
    first, second = kit.key(alice.id, label="one"), kit.key(alice.id, label="two")
    before = _secrets(kit)
    assert {row.kind for row in before} == {"api_key", "totp"} and {row.key_id for row in before} == {"mk-1"}

    rotated = AesGcmCipher({"mk-1": kit.cipher_material(), "mk-2": NEW_KEY}, "mk-2")
    assert kit.maintenance.rotate_master_key(rotated) == 3
    after = _secrets(kit)
    assert {row.key_id for row in after} == {"mk-2"}
    for old, new in zip(before, after, strict=True):
        assert new.ciphertext != old.ciphertext
        # old ciphertexts stay readable with the old key; the new ones give the same plaintext
        assert rotated.decrypt("mk-1", old.ciphertext, old.associated) == rotated.decrypt(
            "mk-2", new.ciphertext, new.associated
        )
    assert kit.maintenance.rotate_master_key(rotated) == 0  # nothing left under an old key

    server = kit.second_process_with(rotated)
    for created in (first, second):
        assert isinstance(server.auth.authenticate(server.signed(created)), Principal)
    assert server.accounts.verify_second_factor(alice.id, server.totp(seed)) is None  # the seed decrypts
