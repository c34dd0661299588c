"""However many requests hash at once, at most `max_concurrent` argon2 runs are in memory together."""

from __future__ import annotations

import threading

from sandex.runtime.crypto import Argon2Hasher, BoundedHasher

WAIT_S = 30.0  # generous: CI is a loaded box


class HeldHasher:
    """Each run waits for `release`; records how many runs were inside at once."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.changed = threading.Condition()
        self.inside = 0
        self.most_inside = 0

    def hash(self, secret: str) -> str:
        return secret

    def verify(self, hashed: str, secret: str) -> bool:
        with self.changed:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            self.changed.notify_all()
        self.release.wait(WAIT_S)
        with self.changed:
            self.inside -= 1
        return hashed == secret


def test_concurrent_runs_are_bounded_and_the_others_wait_their_turn() -> None:
    inner = HeldHasher()
    hasher = BoundedHasher(inner, max_concurrent=2)
    results: list[bool] = []
    started = threading.Barrier(7)

    def call() -> None:
        started.wait(WAIT_S)
        results.append(hasher.verify("a", "a"))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    started.wait(WAIT_S)
    with inner.changed:
        assert inner.changed.wait_for(lambda: inner.inside == 2, WAIT_S)
    inner.release.set()
    for thread in threads:
        thread.join(WAIT_S)
    assert results == [True] * 6
    assert inner.most_inside == 2


def test_it_hashes_and_verifies_like_argon2() -> None:
    hasher = BoundedHasher(Argon2Hasher(fast=True))
    hashed = hasher.hash("Sandex#2026")
    assert hasher.verify(hashed, "Sandex#2026")
    assert not hasher.verify(hashed, "wrong")
