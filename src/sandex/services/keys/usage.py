"""Key use and auth failures collected in memory and written in batches (never one write per request).

Authentication notes every success (last use, per-permission use, a usage-log line) and every
failure of a known key (an audit line, where repeated same-reason failures coalesce into a count,
and a usage-log line whose code is the refusal's reason, so "Recent requests" shows it too). A
background task drains the buffer every few seconds. Within one such window, requests with the
same method, path and client IP coalesce into one usage line with a count: a bot at thousands of
requests a second writes a handful of rows, not hundreds.

The write runs between two of the exchange's group commits, so its duration is felt in their
latency. It therefore comes in batches of at most `BATCH_KEYS` keys: each batch's rows are built
before its turn (`prepare`, ~1 ms, on the event loop), and the writer's turn only runs the
statements, one transaction of a fixed number of them (`KeyRepository.write_uses`), with group
commits between turns. Short turns matter more than few: at 10,000 keys in use, the p99 of orders
was 80-150 ms with one turn of all keys (~100 ms of the writer), 26-41 ms with turns of 1,000 and
~21-26 ms with turns of 250 (`bench_orders_http.py --wrk-keys`, `bench/bench_key_flush.py`).
Trimming a key's usage log to its newest `USAGE_KEEP` lines happens once `TRIM_EVERY` lines were
added to it in this process, not on every flush; each key starts with a head start of its own, so
keys first used together (all of them after a restart) trim in different windows and no window
pays for thousands of trims at once. `last_used` stays in memory after a flush, so expiry decisions
always see the freshest use.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sandex.domain.keys.model import Permission
from sandex.services.keys.ports import AuditEntry, AuditEvent, KeysUnitOfWork, KeyUse, UsageEntry, UseMark

log = logging.getLogger("sandex.keys")

USAGE_KEEP = 200  # usage-log lines kept per key in the database (and per key per window)
TRIM_EVERY = 50  # lines added to a key before its log is trimmed (it may hold up to keep + 2 x this)
BATCH_KEYS = 250  # keys per write transaction: a turn of ~4 ms of the writer
# (method, path without the query, client IP, outcome: "0" or the refusal's reason)
UsageKey = tuple[str, bytes | str, str, str]
Line = tuple[int, int, int]  # first ms, last ms, count
SUCCESS = "0"


@dataclass(slots=True)
class _Pending:
    """One key's use in the current window. A window with 10,000 keys in use makes 10,000 of these
    and they live until the flush, so each is ONE object the garbage collector tracks (five per key
    and window, with the line's dict and tuples and a tuple per key in `drain`, made the server run
    young collections of 20-50 ms at 10,000 keys, twice in 10 s, stalling every order in flight),
    and `drain` makes none: the per-permission last uses are fields, and so is the window's first
    usage line (most keys make one kind of request a window); a second distinct line moves the
    lines into a dict, ordered by last use. The failure list is only made when needed."""

    api_key: str
    last_used_ms: int = 0
    last_used_ip: str = ""
    read_only_ms: int = 0  # last success per permission required
    trade_ms: int = 0
    withdraw_ms: int = 0
    # the first usage line, inline while it is the only one (count 0: none, or moved to `log`)
    method: str = ""
    path: bytes | str = ""
    ip: str = ""
    code: str = ""
    first_ms: int = 0
    last_ms: int = 0
    count: int = 0
    log: dict[UsageKey, Line] | None = None  # every line, once there were two distinct ones
    failures: list[AuditEntry] | None = None
    verifier: tuple[str, str] | None = None  # (old, new) passphrase verifier
    trim: bool = False  # set by `drain`: trim the key's usage log with this write

    def note_perm(self, perm: Permission, now_ms: int) -> None:
        if perm is Permission.TRADE:
            if now_ms > self.trade_ms:
                self.trade_ms = now_ms
        elif perm is Permission.READ_ONLY:
            self.read_only_ms = max(self.read_only_ms, now_ms)
        else:
            self.withdraw_ms = max(self.withdraw_ms, now_ms)

    def note_line(self, method: str, path: bytes | str, ip: str, code: str, now_ms: int) -> None:
        """Count a request in its usage line (same method, path, IP and outcome in this window)."""
        if self.log is None:
            if not self.count:
                self.method, self.path, self.ip, self.code = method, path, ip, code
                self.first_ms = self.last_ms = now_ms
                self.count = 1
                return
            if self.method == method and self.path == path and self.ip == ip and self.code == code:
                if now_ms > self.last_ms:
                    self.last_ms = now_ms
                self.count += 1
                return
            self.log = {
                (self.method, self.path, self.ip, self.code): (self.first_ms, self.last_ms, self.count)
            }
            self.count = 0
        _note_line(self.log, (method, path, ip, code), now_ms)

    def lines(self) -> list[tuple[UsageKey, Line]]:
        if self.log is not None:
            return list(self.log.items())
        if self.count:
            return [((self.method, self.path, self.ip, self.code), (self.first_ms, self.last_ms, self.count))]
        return []

    def line_count(self) -> int:
        return len(self.log) if self.log is not None else (1 if self.count else 0)

    def by_perm(self) -> tuple[tuple[Permission, int], ...]:
        if not (self.read_only_ms or self.withdraw_ms):  # the usual window: trade only
            return ((Permission.TRADE, self.trade_ms),) if self.trade_ms else ()
        used = (
            (Permission.READ_ONLY, self.read_only_ms),
            (Permission.TRADE, self.trade_ms),
            (Permission.WITHDRAW, self.withdraw_ms),
        )
        return tuple((perm, ms) for perm, ms in used if ms)


Drained = list[_Pending]  # keys' use of a window, each with its `trim` decided (no tuple per key)


@dataclass(slots=True)
class Batch:
    """Keys' use ready for one write transaction: what the writer thread runs, nothing left to build."""

    uses: list[KeyUse] = field(default_factory=list)
    failures: list[tuple[str, list[AuditEntry]]] = field(default_factory=list)  # (api_key, runs)


class UsageBuffer:
    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}
        self._last_used: dict[str, int] = {}
        self._added: dict[str, int] = {}  # usage lines written per key since its log was last trimmed
        self._lock = threading.Lock()

    def note_use(
        self, api_key: str, now_ms: int, ip: str, perm: Permission, method: str, target: bytes | str
    ) -> None:
        with self._lock:
            pending = self._pending.get(api_key)
            if pending is None:
                pending = self._pending[api_key] = _Pending(api_key)
            if now_ms >= pending.last_used_ms:
                pending.last_used_ms, pending.last_used_ip = now_ms, ip
            pending.note_perm(perm, now_ms)
            pending.note_line(method, _path_only(target), ip, SUCCESS, now_ms)
            if now_ms > self._last_used.get(api_key, 0):
                self._last_used[api_key] = now_ms

    def note_failure(
        self, api_key: str, now_ms: int, ip: str, detail: str, method: str = "", target: bytes | str = ""
    ) -> None:
        """A refused request of a known key; `detail` is the reason. With `method`, it also goes in
        the usage log (refusals of one request coalesce there like successes do)."""
        with self._lock:
            pending = self._pending.get(api_key)
            if pending is None:
                pending = self._pending[api_key] = _Pending(api_key)
            if method:
                pending.note_line(method, _path_only(target), ip, detail, now_ms)
            runs = pending.failures
            if runs is None:
                runs = pending.failures = []
            last = runs[-1] if runs else None
            if last is not None and last.detail == detail:
                runs[-1] = AuditEntry(last.ts_ms, last.event, detail, ip, last.count + 1, now_ms)
            else:
                runs.append(AuditEntry(now_ms, AuditEvent.AUTH_FAILURE, detail, ip, 1, now_ms))

    def note_verifier(self, api_key: str, old: str, new: str) -> None:
        """Replace the key's stored passphrase verifier with the next write (if still `old`)."""
        with self._lock:
            pending = self._pending.get(api_key)
            if pending is None:
                pending = self._pending[api_key] = _Pending(api_key)
            pending.verifier = (old, new)

    def last_used(self, api_key: str) -> int | None:
        return self._last_used.get(api_key)

    def drain(self, batch_keys: int = BATCH_KEYS) -> list[Drained]:
        """Take everything noted so far, in batches of at most `batch_keys` keys (see `prepare`)."""
        with self._lock:
            drained, self._pending = self._pending, {}
            batches: list[Drained] = []
            for api_key, pending in drained.items():
                if not batches or len(batches[-1]) >= batch_keys:
                    batches.append([])
                pending.trim = self._trim_due(api_key, pending.line_count())
                batches[-1].append(pending)
        return batches

    @staticmethod
    def prepare(drained: Drained) -> Batch:
        """A drained batch's rows, built before the writer's turn: it then only runs statements."""
        batch = Batch()
        for pending in drained:
            batch.uses.append(_use(pending))
            if pending.failures:
                batch.failures.append((pending.api_key, pending.failures))
        return batch

    def _trim_due(self, api_key: str, lines: int) -> bool:
        added = self._added.get(api_key)
        if added is None:  # a head start of the key's own: keys first used together trim apart
            added = zlib.crc32(api_key.encode()) % TRIM_EVERY
        added += lines
        trim = added >= TRIM_EVERY
        self._added[api_key] = 0 if trim else added
        return trim

    def write(self, uow: Callable[[], KeysUnitOfWork], batch: Batch) -> int:
        """One drained batch in one transaction; returns the number of keys in it."""
        with uow() as unit:
            unit.keys.write_uses(batch.uses, USAGE_KEEP)
            for api_key, runs in batch.failures:
                try:
                    unit.keys.add_failures(api_key, runs)
                except LookupError:  # the key vanished meanwhile: its failures no longer matter
                    log.debug("auth failures of an unknown key dropped")
            unit.commit()
        return len(batch.uses)

    def flush(self, uow: Callable[[], KeysUnitOfWork]) -> int:
        """Write everything noted so far, batch after batch; returns the number of keys written."""
        return sum(self.write(uow, self.prepare(drained)) for drained in self.drain())


def _use(pending: _Pending) -> KeyUse:
    mark = None
    if pending.last_used_ms:
        mark = UseMark(pending.last_used_ms, pending.last_used_ip, pending.by_perm())
    entries = [
        UsageEntry(first, method, _text(path), ip, code, count, last if count > 1 else None)
        for (method, path, ip, code), (first, last, count) in pending.lines()
    ]
    return KeyUse(pending.api_key, mark, entries, pending.trim, pending.verifier)


def _note_line(log: dict[UsageKey, Line], key: UsageKey, now_ms: int) -> None:
    line = log.pop(key, None)  # re-inserted below: the dict stays ordered by last use
    if line is None:
        if len(log) >= USAGE_KEEP:  # more distinct lines than are kept: the least recent goes
            del log[next(iter(log))]
        log[key] = (now_ms, now_ms, 1)
    else:
        first, last, count = line
        log[key] = (first, max(last, now_ms), count + 1)


def _path_only(target: bytes | str) -> bytes | str:
    """The path of a request target, without its query (kept raw on the hot path)."""
    return target.partition(b"?")[0] if isinstance(target, bytes) else target.partition("?")[0]


def _text(path: bytes | str) -> str:
    return path.decode("utf-8", "replace") if isinstance(path, bytes) else path
