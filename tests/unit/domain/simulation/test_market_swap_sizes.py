"""The simulated market sizes swap orders in contracts worth the same notional as on spot."""

from __future__ import annotations

import random
from decimal import Decimal

from sandex.domain.simulation.flow import FlowParams, next_taker
from sandex.domain.simulation.quoting import QuoteParams, make_grid, unit_value
from sandex.storage.catalogue_file import load_catalogue

D = Decimal
CATALOGUE = load_catalogue()


def test_a_contract_is_worth_its_ct_val_of_the_coin() -> None:
    assert unit_value(CATALOGUE.instruments["BTC-USDT"]) == D(1)
    assert unit_value(CATALOGUE.instruments["BTC-USDT-SWAP"]) == D("0.01")
    assert unit_value(CATALOGUE.instruments["DOGE-USDT-SWAP"]) == D(1000)


def test_grid_levels_hold_the_same_notional_on_a_swap_as_on_its_spot_pair() -> None:
    params = QuoteParams()
    for coin in ("BTC", "ETH", "DOGE", "XRP"):
        spot, swap = CATALOGUE.instruments[f"{coin}-USDT"], CATALOGUE.instruments[f"{coin}-USDT-SWAP"]
        px = spot.ref_px
        spot_value = make_grid(spot, px, params).lots[0] * spot.lot_sz * px
        swap_value = make_grid(swap, px, params).lots[0] * swap.lot_sz * unit_value(swap) * px
        # both round the best level's 2,000 USDT up to a whole lot
        assert (
            params.level_notional <= swap_value < params.level_notional + swap.lot_sz * unit_value(swap) * px
        )
        assert params.level_notional <= spot_value


def test_a_swap_taker_is_sized_in_contracts() -> None:
    swap = CATALOGUE.instruments["BTC-USDT-SWAP"]
    grid = make_grid(swap, swap.ref_px, QuoteParams())
    params = FlowParams(mean_interval_ms=1, spread=0.0)  # a taker every step, exactly the notional
    ticks = int(swap.ref_px / swap.tick_sz)
    taker = next_taker(random.Random(1), params, swap, grid, ticks, 1000)
    assert taker is not None
    value = taker.lots * swap.lot_sz * unit_value(swap) * swap.ref_px
    assert params.notional - swap.lot_sz * unit_value(swap) * swap.ref_px < value <= params.notional
