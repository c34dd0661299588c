"""API-key passphrase verifiers, and checks that spare argon2 for keys that still have an argon2 hash.

A passphrase travels with every request, like the key's secret, so its stored verifier must be
checked in microseconds on a key's first use, yet be useless to whoever copies the database:
`PassphraseMac` makes "hmac-sha256$<salt>$<mac>", HMAC-SHA256 under a key derived from the data
dir's master key (never stored in the database) over a random per-key salt and the passphrase.
Keys made before it kept an argon2 hash; a successful check of one gives the new verifier to store
in its place (`PassphraseMac.upgrade`), so the argon2 path below serves each old key once.

argon2 is deliberately expensive (argon2-cffi's default: 64 MiB and tens of ms per run), so a
request must not be able to make the server run it at will:

* Right passphrase: after one successful argon2 run the memo keeps HMAC(process-random pepper,
  passphrase) per verifier (the key's argon2 hash) and later checks compare in constant time. Once a
  key is known, a wrong passphrase on it is decided by the same comparison, without argon2.
* Wrong passphrase on a key not yet known in this process: the HMAC of each wrong guess is kept in a
  bounded LRU, so a repeated wrong passphrase costs microseconds, not another argon2 run.
* Budget: at most `RUNS_PER_KEY` argon2 runs per key in each `WINDOW_S` of real time; beyond
  that the check answers 50011 (Too Many Requests) without hashing. Real time, not the exchange's
  clock: this bounds CPU and memory, and a test clock may stand still.
* One run per key at a time: concurrent checks of one key wait for the run in progress and then
  read its memo, so a burst of correct logins on a fresh key costs one argon2 run, not a budget's
  worth. At most `QUEUED_PER_KEY` checks of one key hold or wait for its turn (each in a worker
  thread); beyond that 50011 at once, so a flood on one key cannot take the whole thread pool.
  The process-wide bound on concurrent runs is the hasher's (`runtime/crypto.py`).

All memos are keyed by the argon2 hash, which changes with the passphrase: no invalidation needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sandex.domain.errors import Reason, Rejected
from sandex.services.ports import RandomSource, SlowHasher

RUNS_PER_KEY = 5  # argon2 runs per key and window: a few retries of a mistyped passphrase
WINDOW_S = 1.0
WRONG_MEMO_SIZE = 4096  # wrong guesses remembered, all keys together (~0.5 MiB)
QUEUED_PER_KEY = 8  # checks of one key running or waiting for argon2 at once
TRACKED_KEYS = 4096  # budgets kept before stale ones are dropped
MAC_PREFIX = "hmac-sha256$"
KEY_PURPOSE = b"api-key-passphrases"  # the master-key derivation the HMAC key comes from
SALT_BYTES = 16


class PassphraseMac:
    """Fast passphrase verifiers under a secret key (see the module's docstring)."""

    def __init__(self, key: bytes, random: RandomSource) -> None:
        self._key = key
        self._random = random

    def make(self, passphrase: str) -> str:
        salt = self._random.token_bytes(SALT_BYTES)
        return MAC_PREFIX + _b64(salt) + "$" + _b64(self._mac(salt, passphrase))

    def matches(self, verifier: str, candidate: str) -> bool:
        """Whether `candidate` is the passphrase of a verifier made by `make` (constant time)."""
        _, _, rest = verifier.partition(MAC_PREFIX)
        salt_text, _, mac_text = rest.partition("$")
        try:
            salt, mac = base64.b64decode(salt_text, validate=True), base64.b64decode(mac_text, validate=True)
        except ValueError:
            return False
        return hmac.compare_digest(mac, self._mac(salt, candidate))

    def upgrade(self, verifier: str, passphrase: str) -> str | None:
        """The verifier to store in place of `verifier` after `passphrase` matched it, or None when it
        is already the fast kind."""
        return None if is_fast(verifier) else self.make(passphrase)

    def _mac(self, salt: bytes, passphrase: str) -> bytes:
        message = salt + passphrase.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()


def is_fast(verifier: str) -> bool:
    return verifier.startswith(MAC_PREFIX)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(slots=True)
class _Turns:
    """One key's argon2 runs, one at a time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    queued: int = 0  # checks holding or waiting for `lock` (changed under the guard's lock)


class PassphraseGuard:
    def __init__(
        self,
        hasher: SlowHasher,
        pepper: bytes,
        *,
        fast: PassphraseMac | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        runs_per_key: int = RUNS_PER_KEY,
        window_s: float = WINDOW_S,
        wrong_memo_size: int = WRONG_MEMO_SIZE,
        queued_per_key: int = QUEUED_PER_KEY,
    ) -> None:
        self._hasher = hasher
        self._pepper = pepper
        self._fast = fast
        self._monotonic = monotonic
        self._runs_per_key = runs_per_key
        self._window_s = window_s
        self._wrong_memo_size = wrong_memo_size
        self._queued_per_key = queued_per_key
        self._right: dict[str, bytes] = {}  # verifier -> HMAC(pepper, passphrase)
        self._wrong: OrderedDict[tuple[str, bytes], None] = OrderedDict()  # (verifier, HMAC), LRU
        self._budgets: dict[str, tuple[float, int]] = {}  # verifier -> (window start, runs in it)
        self._lock = threading.Lock()  # guards the dicts above (checks run in worker threads)
        self._turns: dict[str, _Turns] = {}  # verifier -> its argon2 runs

    def knows(self, verifier: str) -> bool:
        """True when any passphrase for this verifier is decided without argon2."""
        return (self._fast is not None and is_fast(verifier)) or verifier in self._right

    def check(self, verifier: str, candidate: str) -> bool | Rejected:
        """Whether `candidate` matches `verifier`, or RATE_LIMITED when argon2 may not run now."""
        if is_fast(verifier):  # microseconds: no budget or memo needed
            return self._fast is not None and self._fast.matches(verifier, candidate)
        mac = hmac.new(self._pepper, candidate.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
        known = self._memo(verifier, mac)
        if known is not None:
            return known
        turns = self._queue_for(verifier)
        if turns is None:  # enough checks of this key are waiting already
            return Rejected.of(Reason.RATE_LIMITED)
        try:
            with turns.lock:
                return self._run(verifier, candidate, mac)
        finally:
            with self._lock:
                turns.queued -= 1

    def queued(self, verifier: str) -> int:
        """Checks of this key running or waiting for argon2 now."""
        turns = self._turns.get(verifier)
        return turns.queued if turns is not None else 0

    def _run(self, verifier: str, candidate: str, mac: bytes) -> bool | Rejected:
        known = self._memo(verifier, mac)  # the run we waited for may have decided it
        if known is not None:
            return known
        if not self._spend(verifier):
            return Rejected.of(Reason.RATE_LIMITED)
        matches = self._hasher.verify(verifier, candidate)
        self._remember(verifier, mac, matches)
        return matches

    def _memo(self, verifier: str, mac: bytes) -> bool | None:
        right = self._right.get(verifier)
        if right is not None:
            return hmac.compare_digest(right, mac)
        with self._lock:
            if (verifier, mac) in self._wrong:
                self._wrong.move_to_end((verifier, mac))
                return False
        return None

    def _remember(self, verifier: str, mac: bytes, matches: bool) -> None:
        with self._lock:
            if matches:
                self._right[verifier] = mac
                return
            self._wrong[(verifier, mac)] = None
            while len(self._wrong) > self._wrong_memo_size:
                self._wrong.popitem(last=False)

    def _spend(self, verifier: str) -> bool:
        """Take one argon2 run from the key's budget for the current window; False when spent."""
        now = self._monotonic()
        with self._lock:
            start, runs = self._budgets.get(verifier, (now, 0))
            if not 0 <= now - start < self._window_s:
                start, runs = now, 0
            if runs >= self._runs_per_key:
                return False
            self._budgets[verifier] = (start, runs + 1)
            if len(self._budgets) > TRACKED_KEYS:
                self._drop_stale_budgets(now)
            return True

    def _drop_stale_budgets(self, now: float) -> None:
        stale = [key for key, (start, _) in self._budgets.items() if now - start >= self._window_s]
        for key in stale or list(self._budgets)[: len(self._budgets) // 2]:
            del self._budgets[key]

    def _queue_for(self, verifier: str) -> _Turns | None:
        with self._lock:
            turns = self._turns.get(verifier)
            if turns is None:
                if len(self._turns) > TRACKED_KEYS:
                    self._turns = {key: held for key, held in self._turns.items() if held.queued}
                turns = self._turns[verifier] = _Turns()
            if turns.queued >= self._queued_per_key:
                return None
            turns.queued += 1
            return turns
