"""A master account's API keys for its sub-accounts (OKX `users/subaccount/*apikey`).

Only a master may manage them (59500); the sub-account must be its own (59510) and the key the
sub-account's, in the caller's environment (59506 otherwise). Keys made this way are active at once
and act for the sub-account. The domain rules refuse `withdraw` for sub-accounts (59504).
"""

from __future__ import annotations

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import KeyState
from sandex.domain.keys.rules import CreateKeyRequest, EditKeyRequest
from sandex.services.keys.ports import KeyOwners, OwnerView
from sandex.services.keys.service import KeysService
from sandex.services.keys.views import CreatedKey, KeyInfo, KeyOrigin


class SubAccountKeysService:
    def __init__(self, keys: KeysService, owners: KeyOwners) -> None:
        self._keys = keys
        self._owners = owners

    def subaccount(self, master_id: int, name: str) -> OwnerView | Rejected:
        """`name` among the master's sub-accounts (MASTER_ONLY when the caller is a sub-account)."""
        master = self._owners.get_user(master_id)
        if master is None:
            return Rejected.of(Reason.USER_NOT_FOUND)
        if master.is_sub_account:
            return Rejected.of(Reason.MASTER_ONLY)
        return self._owners.get_subaccount(master_id, name)

    def create(
        self, master_id: int, name: str, request: CreateKeyRequest, environment: Environment
    ) -> CreatedKey | Rejected:
        sub = self.subaccount(master_id, name)
        if isinstance(sub, Rejected):
            return sub
        return self._keys.create(sub.id, request, environment=environment, origin=KeyOrigin.API)

    def list(
        self, master_id: int, name: str, environment: Environment, api_key: str | None = None
    ) -> list[KeyInfo] | Rejected:
        sub = self.subaccount(master_id, name)
        if isinstance(sub, Rejected):
            return sub
        keys = [key for key in self._keys.list(sub.id) if key.environment is environment]
        if api_key is None:
            return keys
        chosen = [key for key in keys if key.api_key == api_key]
        return chosen or Rejected.of(Reason.KEY_DOES_NOT_EXIST, field="apiKey")

    def update(
        self, master_id: int, name: str, api_key: str, request: EditKeyRequest, environment: Environment
    ) -> KeyInfo | Rejected:
        sub = self._key_of_sub(master_id, name, api_key, environment)
        if isinstance(sub, Rejected):
            return sub
        return self._keys.update(sub.id, api_key, request)

    def delete(self, master_id: int, name: str, api_key: str, environment: Environment) -> KeyInfo | Rejected:
        sub = self._key_of_sub(master_id, name, api_key, environment)
        if isinstance(sub, Rejected):
            return sub
        return self._keys.delete(api_key, user_id=sub.id)

    def _key_of_sub(
        self, master_id: int, name: str, api_key: str, environment: Environment
    ) -> OwnerView | Rejected:
        sub = self.subaccount(master_id, name)
        if isinstance(sub, Rejected):
            return sub
        key = self._keys.get(api_key)
        if key is None or key.user_id != sub.id or key.environment is not environment:
            return Rejected.of(Reason.KEY_DOES_NOT_EXIST, field="apiKey")
        if key.state is KeyState.DELETED:
            return Rejected.of(Reason.KEY_DOES_NOT_EXIST, field="apiKey")
        return sub
