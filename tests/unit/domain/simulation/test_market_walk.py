"""The reference price walk: seeded, tick-rounded, and obedient to set, shift, freeze and follow."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from sandex.domain.simulation.walk import ReferencePath, volatility_for
from sandex.storage.catalogue_file import load_catalogue

D = Decimal
CAT = load_catalogue()
T0 = 1_767_225_600_000


def walk(seed: int, steps: int, vol: float = 0.8) -> list[Decimal]:
    path = ReferencePath(D("106684.2"), D("0.1"), vol, random.Random(seed))
    out = []
    for k in range(steps):
        path.step(1000, T0 + k * 1000)
        out.append(path.px)
    return out


def test_the_same_seed_gives_the_same_path_and_another_seed_another() -> None:
    assert walk(7, 200) == walk(7, 200)
    assert walk(7, 200) != walk(8, 200)


def test_prices_stay_on_the_tick_and_move_about_as_volatile_as_asked() -> None:
    prices = walk(1, 3600)
    assert all(p % D("0.1") == 0 for p in prices)
    assert len(set(prices)) > 100  # it moves
    change = abs(prices[-1] / D("106684.2") - 1)
    assert change < D("0.05")  # an hour at 80 %/year is a fraction of a percent; 5 % would be absurd


def test_tiny_prices_keep_their_decimals() -> None:
    shib = CAT.instruments["SHIB-USDT"]
    path = ReferencePath(shib.ref_px, shib.tick_sz, 0.8, random.Random(3))
    path.step(60_000, T0)
    assert path.px > 0 and "E" not in str(path.px) and path.px % shib.tick_sz == 0


def test_set_jumps_shift_moves_linearly_and_freeze_stops_the_noise() -> None:
    path = ReferencePath(D(100), D("0.01"), 0.8, random.Random(1))
    path.set(D("95000"))
    assert path.px == D("95000")
    path.shift(D("1.1"), T0, over_ms=10_000)
    path.step(1000, T0 + 5_000)
    assert abs(path.px - D(95000) * D("1.05")) < D(300)  # halfway (in log space: almost linear)
    path.step(1000, T0 + 10_000)
    assert path.px == D("104500.00")
    assert not path.shifting
    before = path.px
    for k in range(10):
        path.step(1000, T0 + 20_000 + k, frozen=True)
    assert path.px == before


def test_follow_replays_imported_points_then_walks_on() -> None:
    path = ReferencePath(D(100), D("0.01"), 0.8, random.Random(1))
    path.follow([(T0, D(100)), (T0 + 1000, D(110)), (T0 + 2000, D(90))])
    path.step(500, T0 + 1000)
    assert path.px == D(110)
    path.step(500, T0 + 2000)
    assert path.px == D(90) and not path.shifting


def test_stablecoin_pairs_barely_move() -> None:
    assert (
        volatility_for(CAT.instruments["USDC-USDT"], 0.5)
        < volatility_for(CAT.instruments["BTC-USDT"], 0.5) / 10
    )


def test_refuses_nonsense_prices() -> None:
    path = ReferencePath(D(100), D("0.01"), 0.8, random.Random(1))
    with pytest.raises(ValueError, match="positive"):
        path.set(D(0))
