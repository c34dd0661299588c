"""SWAP entries of the catalogue: OKX's contract specs and position tiers, and what is refused."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from sandex.domain.derivatives.contracts import CtType, InstType
from sandex.storage.catalogue_file import CatalogueError, load_catalogue

D = Decimal
SWAPS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "BNB", "ADA", "TRX", "LTC")


def test_the_bundled_swaps_carry_okx_specs() -> None:
    catalogue = load_catalogue()
    btc = catalogue.instruments["BTC-USDT-SWAP"]
    spec = btc.contract
    assert spec is not None
    assert (btc.inst_type, btc.base_ccy, btc.quote_ccy) == (InstType.SWAP, "BTC", "USDT")
    assert (btc.tick_sz, btc.lot_sz, btc.min_sz) == (D("0.1"), D("0.01"), D("0.01"))
    assert (spec.ct_val, spec.ct_mult, spec.ct_val_ccy, spec.settle_ccy) == (D("0.01"), D(1), "BTC", "USDT")
    assert (spec.ct_type, spec.max_lever, spec.inst_family, spec.index_id) == (
        CtType.LINEAR,
        D(100),
        "BTC-USDT",
        "BTC-USDT",
    )
    ct_vals = {c: catalogue.instruments[f"{c}-USDT-SWAP"].contract.ct_val for c in SWAPS}  # type: ignore[union-attr]
    assert ct_vals == {
        "BTC": D("0.01"),
        "ETH": D("0.1"),
        "SOL": D(1),
        "XRP": D(100),
        "DOGE": D(1000),
        "BNB": D("0.01"),
        "ADA": D(100),
        "TRX": D(1000),
        "LTC": D(1),
    }


def test_swap_tiers_are_contiguous_with_falling_leverage() -> None:
    catalogue = load_catalogue()
    for coin in SWAPS:
        inst = catalogue.instruments[f"{coin}-USDT-SWAP"]
        spec = inst.contract
        assert spec is not None
        assert inst.ref_px % inst.tick_sz == 0
        assert catalogue.instruments[spec.index_id].contract is None
        tiers = spec.tiers
        assert tiers[0].min_sz == 0 and tiers[0].max_lever == spec.max_lever
        for low, high in pairwise(tiers):
            assert high.min_sz == low.max_sz + 1
            assert high.max_lever < low.max_lever and high.mmr > low.mmr
        for tier in tiers:
            assert tier.imr == 1 / tier.max_lever and tier.mmr < tier.imr
    btc = catalogue.instruments["BTC-USDT-SWAP"].contract
    assert btc is not None
    assert btc.tier_for(D(2000)).tier == 1 and btc.tier_for(D("2000.01")).tier == 2


def test_spot_pairs_keep_their_codes_and_have_no_contract() -> None:
    catalogue = load_catalogue()
    btc = catalogue.instruments["BTC-USDT"]
    assert (btc.contract, btc.inst_type, btc.inst_id_code) == (None, InstType.SPOT, 1)
    codes = [i.inst_id_code for i in catalogue.instruments.values()]
    assert len(set(codes)) == len(codes)


def _swap(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "instId": "FOO-USDT-SWAP",
        "instType": "SWAP",
        "refPx": "1.5",
        "tickSz": "0.1",
        "lotSz": "1",
        "minSz": "1",
        "ctVal": "10",
        "lever": "20",
        "tiers": [
            {"tier": "1", "minSz": "0", "maxSz": "100", "mmr": "0.01", "imr": "0.05", "maxLever": "20"},
            {"tier": "2", "minSz": "101", "maxSz": "500", "mmr": "0.02", "imr": "0.1", "maxLever": "10"},
        ],
    }
    entry.update(changes)
    return entry


def _write(tmp_path: Path, *instruments: dict[str, Any]) -> Path:
    spot = {"instId": "FOO-USDT", "refPx": "1.5", "tickSz": "0.1", "lotSz": "1", "minSz": "1"}
    currencies = [{"ccy": c, "name": c, "chains": []} for c in ("FOO", "USDT")]
    path = tmp_path / "cat.json"
    path.write_text(json.dumps({"instruments": [spot, *instruments], "currencies": currencies}))
    return path


def test_an_operator_swap_is_parsed(tmp_path: Path) -> None:
    catalogue = load_catalogue(_write(tmp_path, _swap()))
    spec = catalogue.instruments["FOO-USDT-SWAP"].contract
    assert spec is not None
    assert (spec.ct_val, spec.max_lever, len(spec.tiers), spec.tiers[1].max_sz) == (D(10), D(20), 2, D(500))
    assert spec.funding_interval_h == 8


@pytest.mark.parametrize(
    "changes",
    [
        {"instId": "FOO-USDT-PERP"},
        {"ctType": "inverse"},
        {"settleCcy": "USDC"},
        {"indexId": "BAR-USDT"},
        {"tiers": []},
        {"lever": "50"},  # tier 1 must allow the instrument's leverage
        {
            "tiers": [
                {"tier": "1", "minSz": "0", "maxSz": "100", "mmr": "0.01", "imr": "0.05", "maxLever": "20"},
                {"tier": "2", "minSz": "150", "maxSz": "500", "mmr": "0.02", "imr": "0.1", "maxLever": "10"},
            ]
        },
        {
            "tiers": [
                {"tier": "1", "minSz": "0", "maxSz": "100", "mmr": "0.06", "imr": "0.05", "maxLever": "20"},
            ]
        },
        {"instType": "FUTURES"},
    ],
)
def test_a_malformed_swap_is_refused(tmp_path: Path, changes: dict[str, Any]) -> None:
    with pytest.raises(CatalogueError):
        load_catalogue(_write(tmp_path, _swap(**changes)))
