"""`BookStream` on its own: the 400-level window, deletions, the seqId chain (no server needed)."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.instruments import Instrument
from sandex.domain.matching.book import LevelView
from sandex.transport.okx.ws.books import BookStream, bbo_item, top5_item

INST = Instrument(
    "BTC-USDT", "BTC", "USDT", Decimal("0.1"), Decimal("0.001"), Decimal("0.001"), Decimal(50000), 1, 0
)


def levels(*rows: tuple[int, int, int]) -> list[LevelView]:
    return [LevelView(px, lots, count) for px, lots, count in rows]


def test_snapshot_then_changed_new_and_gone_levels() -> None:
    stream = BookStream(INST, (levels((500000, 10, 1), (499990, 5, 2)), levels((500010, 3, 1))), 7, 0.0)
    snap = stream.snapshot(1)
    assert snap["bids"] == [["50000", "0.01", "0", "1"], ["49999", "0.005", "0", "2"]]
    assert (snap["prevSeqId"], snap["seqId"]) == (-1, 7)
    update = stream.apply((levels((500000, 12, 2), (499980, 1, 1)), levels((500010, 3, 1))), 2, 1.0)
    assert update is not None
    assert update["bids"] == [
        ["50000", "0.012", "0", "2"],
        ["49999", "0", "0", "0"],
        ["49998", "0.001", "0", "1"],
    ]
    assert update["asks"] == [] and (update["prevSeqId"], update["seqId"]) == (7, 8)


def test_no_change_no_update_and_heartbeats_keep_the_chain() -> None:
    depth = (levels((500000, 10, 1)), levels())
    stream = BookStream(INST, depth, 1, 0.0)
    assert stream.apply(depth, 2, 1.0) is None
    beat = stream.heartbeat(3, 2.0)
    assert (beat["bids"], beat["asks"], beat["prevSeqId"], beat["seqId"]) == ([], [], 1, 1)
    assert stream.snapshot(4)["seqId"] == 1


def test_tops_are_the_best_levels() -> None:
    bids = levels(*[(500000 - i, 1, 1) for i in range(8)])
    asks = levels(*[(500001 + i, 1, 1) for i in range(8)])
    stream = BookStream(INST, (bids, asks), 1, 0.0)
    _, five = top5_item(stream, 1)
    assert [lv[0] for lv in five["bids"]] == ["50000", "49999.9", "49999.8", "49999.7", "49999.6"]
    assert [lv[0] for lv in five["asks"]] == ["50000.1", "50000.2", "50000.3", "50000.4", "50000.5"]
    _, one = bbo_item(stream, 1)
    assert (one["bids"][0][0], one["asks"][0][0]) == ("50000", "50000.1")
