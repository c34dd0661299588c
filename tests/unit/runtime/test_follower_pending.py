"""A pending batch sent again on the same commit count (its commit failed; it runs again in halves)
replaces the first, keeping the first's marks when it sends none (the sequencer sends marks only
when they changed since the last frame)."""

from decimal import Decimal

from sandex.runtime.cluster.follower import _carry_marks
from sandex.runtime.cluster.wire import Batch

MARKS = {"BTC-USDT-SWAP": (Decimal("100.5"), Decimal("100.4"))}


def test_a_retried_batch_keeps_the_marks_of_the_one_it_replaces() -> None:
    first = Batch(4, 5, 1, [], [], marks=MARKS, pending=True)
    again = Batch(4, 5, 2, [], [], pending=True)
    assert _carry_marks(first, again).marks == MARKS
    assert _carry_marks(first, again).ts == 2  # the rest is the new batch's


def test_marks_are_not_carried_to_a_batch_on_another_count_or_one_with_its_own() -> None:
    first = Batch(4, 5, 1, [], [], marks=MARKS, pending=True)
    newer = {"BTC-USDT-SWAP": (Decimal("101"), Decimal("101"))}
    assert _carry_marks(first, Batch(5, 6, 2, [], [], pending=True)).marks is None
    assert _carry_marks(first, Batch(4, 5, 2, [], [], marks=newer, pending=True)).marks == newer
    assert _carry_marks(None, Batch(4, 5, 2, [], [], pending=True)).marks is None
