"""The funding-rate service: minute samples from the book and the index, settlements on the clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import ContractSpec, CtType, Tier
from sandex.domain.errors import Rejected
from sandex.domain.instruments import Catalogue, Instrument
from sandex.services.exchange.funding_fees import FundingRateRecord, FundingSettled
from sandex.services.exchange.swap_commands import SettleFundingFee
from sandex.services.marketdata.ports import BookLevel, BookView
from sandex.services.swap_funding.ports import HistoryQuery
from sandex.services.swap_funding.service import FundingRateService
from sandex.testing.clock import ManualClock

D = Decimal

INST = "BTC-USDT-SWAP"


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def swap() -> Instrument:
    tiers = (Tier(1, D(0), D(10000), D("0.004"), D("0.01"), D(100)),)
    spec = ContractSpec(
        "BTC-USDT", D("0.01"), D(1), "BTC", "USDT", CtType.LINEAR, D(100), tiers, "BTC-USDT",
        max_funding_rate=D("0.00375"), min_funding_rate=D("-0.00375"),
    )  # fmt: skip
    return Instrument(INST, "BTC", "USDT", D("0.1"), D("0.01"), D("0.01"), D(50000), 1, 0, contract=spec)


class Books:
    def __init__(self) -> None:
        self.bid, self.ask = D(50000), D(50001)

    def depth(self, environment: Environment, inst_id: str, levels: int) -> BookView | None:
        assert environment is Environment.LIVE
        return BookView([BookLevel(self.ask, D(1000), 1)], [BookLevel(self.bid, D(1000), 1)], 0)


class Index:
    px: D | None = D(50000)

    def index_px(self, inst_id: str) -> D | None:
        assert inst_id == "BTC-USDT"
        return self.px


class Store:
    def __init__(self) -> None:
        self.rows: list[FundingRateRecord] = []

    def history(self, inst_id: str, query: HistoryQuery) -> list[FundingRateRecord]:
        return sorted((r for r in self.rows if r.funding_time >= query.since), key=lambda r: -r.funding_time)

    def last_settled(self) -> dict[str, FundingRateRecord]:
        return {r.inst_id: r for r in sorted(self.rows, key=lambda r: r.funding_time)}


class Bus:
    """The writer as the core answers: a time at or before the last one is `already` settled."""

    def __init__(self, store: Store, clock: ManualClock) -> None:
        self.store, self.clock = store, clock
        self.commands: list[SettleFundingFee] = []

    async def submit(self, command: SettleFundingFee) -> object:
        self.commands.append(command)
        record = FundingRateRecord(
            command.inst_id, command.funding_time, command.rate, command.rate, self.clock.now_ms()
        )
        last = self.store.last_settled().get(command.inst_id)
        if last is not None and command.funding_time <= last.funding_time:
            return FundingSettled(last, 0, already=True)
        self.store.rows.append(record)
        return FundingSettled(record, 0)


def build(start: str = "2026-01-01T05:00:00") -> tuple[FundingRateService, ManualClock, Books, Bus, Store]:
    clock, books, store = ManualClock(ms(start)), Books(), Store()
    bus = Bus(store, clock)
    service = FundingRateService(Catalogue([swap()], []), books, Index(), bus, store, clock)
    service.load()
    return service, clock, books, bus, store


def view(service: FundingRateService):  # type: ignore[no-untyped-def]
    found = service.current(INST)
    assert not isinstance(found, Rejected)
    return found[0]


def test_a_fresh_swap_pays_the_interest_rate_at_the_next_eight_hour_mark() -> None:
    service, _, _, _, _ = build()
    v = view(service)
    assert v.funding_rate == D("0.0001")
    assert v.funding_time == ms("2026-01-01T08:00:00")
    assert v.next_funding_time == ms("2026-01-01T16:00:00")
    assert (v.min_funding_rate, v.max_funding_rate, v.interest_rate) == (
        D("-0.00375"),
        D("0.00375"),
        D("0.0001"),
    )


def test_a_book_above_the_index_raises_the_rate_minute_by_minute() -> None:
    service, clock, books, _, _ = build()
    books.bid, books.ask = D(50100), D(50101)  # impact bid 0.2 % over the index
    service.sample(clock.now_ms())
    assert view(service).premium == D("0.002")
    assert view(service).funding_rate == D("0.0015")  # 0.2 % − 0.05 %
    service.sample(clock.now_ms())  # the same minute: no second sample
    clock.advance(seconds=60)
    books.bid, books.ask = D(50000), D(50001)
    service.sample(clock.now_ms())  # (1·0.002 + 2·0) / 3
    assert view(service).funding_rate == (D("0.002") / 3 - D("0.0005")).quantize(D("1E-12"))


def test_the_clock_reaching_a_funding_time_settles_it_once_at_the_current_rate() -> None:
    service, clock, _, bus, store = build()
    assert asyncio.run(service.tick()) == 0
    clock.advance(ms=ms("2026-01-01T08:00:00") - clock.now_ms())
    assert asyncio.run(service.tick()) == 1
    assert bus.commands == [SettleFundingFee(INST, D("0.0001"), ms("2026-01-01T08:00:00"))]
    assert asyncio.run(service.tick()) == 0
    assert view(service).funding_time == ms("2026-01-01T16:00:00")
    assert [r.funding_time for r in store.rows] == [ms("2026-01-01T08:00:00")]


def test_a_clock_jump_settles_every_funding_time_it_passed() -> None:
    service, clock, _, bus, _ = build()
    clock.advance(days=1)  # 05:00 → next day 05:00: 08:00, 16:00, 00:00
    assert asyncio.run(service.tick()) == 3
    times = [c.funding_time for c in bus.commands]
    assert times == [ms("2026-01-01T08:00:00"), ms("2026-01-01T16:00:00"), ms("2026-01-02T00:00:00")]


def test_a_restart_goes_on_from_the_last_settled_time_and_does_not_settle_it_again() -> None:
    service, clock, _, bus, store = build()
    clock.advance(ms=ms("2026-01-01T08:00:00") - clock.now_ms())
    asyncio.run(service.tick())
    again = FundingRateService(Catalogue([swap()], []), Books(), Index(), bus, store, clock)
    again.load()
    assert asyncio.run(again.tick()) == 0
    assert view(again).funding_time == ms("2026-01-01T16:00:00")
    assert view(again).sett_funding_rate == D("0.0001")


def test_a_frozen_rate_is_not_moved_by_the_samples_and_settles_as_set() -> None:
    service, clock, books, bus, _ = build()
    assert not isinstance(service.set_rate(INST, D("0.002"), True), Rejected)
    books.bid, books.ask = D(49000), D(49001)
    service.sample(clock.now_ms())
    assert view(service).funding_rate == D("0.002")
    clock.advance(ms=ms("2026-01-01T08:00:00") - clock.now_ms())
    asyncio.run(service.tick())
    assert bus.commands[0].rate == D("0.002")
    assert view(service).funding_rate == D("0.002")  # still frozen in the next interval
    service.set_rate(INST, None, False)
    assert view(service).funding_rate == D("0.0001")


def test_a_rate_outside_the_caps_or_an_unknown_swap_is_refused() -> None:
    service, _, _, _, _ = build()
    refused = service.set_rate(INST, D("0.01"), None)
    assert isinstance(refused, Rejected) and refused.params == {"field": "rate"}
    assert isinstance(service.set_rate("ETH-USDT-SWAP", D("0.001"), None), Rejected)
    assert isinstance(service.current("BTC-USDT"), Rejected)


def test_settle_now_books_an_extra_settlement_and_keeps_the_schedule() -> None:
    service, clock, _, bus, _ = build()
    done = asyncio.run(service.settle_now(INST))
    assert isinstance(done, FundingSettled) and done.record.funding_time == clock.now_ms()
    assert view(service).funding_time == ms("2026-01-01T08:00:00")
    assert view(service).sett_funding_rate == D("0.0001")
    assert len(bus.commands) == 1


def test_any_lists_every_swap_and_history_is_newest_first_within_three_months() -> None:
    service, clock, _, _, _ = build()
    assert [v.inst_id for v in service.current("ANY")] == [INST]  # type: ignore[union-attr]
    clock.advance(days=2)
    asyncio.run(service.tick())
    rows = service.history(INST, None, None, 400)
    assert not isinstance(rows, Rejected)
    assert [r.funding_time for r in rows] == sorted((r.funding_time for r in rows), reverse=True)
    assert len(rows) == 6
