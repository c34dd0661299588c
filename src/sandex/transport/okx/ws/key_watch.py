"""Closing sessions whose key changed in another process (the CLI, a second server): 4007.

In this process a key change arrives as a `KeyChanged` event and closes its sessions at once. A
change made elsewhere only shows as the auth cache being dropped (it polls the change counters).
So, about once a second, every key that logged-in sessions use and that is no longer cached is
read back: a key that is gone, no longer active, edited (label, permissions, IPs), or whose owner
was frozen closes its sessions with 4007, as OKX does when a key is updated or deleted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from sandex.domain.accounts.model import UserStatus
from sandex.domain.keys.model import KeyState
from sandex.services.accounts.service import AccountsService
from sandex.services.keys.auth import AuthService, Principal
from sandex.services.keys.service import KeysService

log = logging.getLogger("sandex.ws")

CHECK_S = 1.0


class KeyWatch:
    def __init__(self, auth: AuthService, keys: KeysService | None, accounts: AccountsService | None) -> None:
        self._auth = auth
        self._keys = keys
        self._accounts = accounts
        self._running = False
        self._due = 0.0

    def due(self, now_s: float) -> bool:
        return self._keys is not None and not self._running and now_s >= self._due

    async def check(
        self, principals: Iterable[Principal], close: Callable[[str], None], now_s: float
    ) -> None:
        """Close the sessions of every key (among `principals`') that changed since its login."""
        self._running, self._due = True, now_s + CHECK_S
        try:
            cold = {p.api_key: p for p in principals if not self._auth.is_warm(p.api_key)}
            if cold:
                changed = await asyncio.to_thread(self._changed, list(cold.values()))
                for api_key in changed:
                    close(api_key)
        except Exception:  # a check is housekeeping: the next one tries again
            log.exception("checking WebSocket keys failed")
        finally:
            self._running = False

    def _changed(self, principals: list[Principal]) -> list[str]:
        return [p.api_key for p in principals if not self._unchanged(p)]

    def _unchanged(self, principal: Principal) -> bool:
        assert self._keys is not None
        info = self._keys.get(principal.api_key)
        if info is None or info.state is not KeyState.ACTIVE:
            return False
        if (info.label, info.perms, info.ips.to_text()) != (
            principal.label,
            principal.perms,
            principal.ip_text,
        ):
            return False
        accounts = self._accounts
        return accounts is None or accounts.effective_status(principal.user_id) is not UserStatus.FROZEN
