from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from sandex.storage.catalogue_file import CatalogueError, load_catalogue


def test_bundled_catalogue_is_consistent() -> None:
    catalogue = load_catalogue()
    assert len(catalogue.instruments) >= 25
    for inst in catalogue.instruments.values():
        assert inst.ref_px % inst.tick_sz == 0
        assert inst.min_sz % inst.lot_sz == 0
        # at least four significant digits of price at the tick: a tick is < 0.1% of the price
        assert inst.tick_sz / inst.ref_px < Decimal("0.001"), inst.inst_id
        assert inst.base_ccy in catalogue.currencies and inst.quote_ccy in catalogue.currencies
    assert catalogue.instrument("PEPE-USDT") is not None
    assert all(c.chains for c in catalogue.currencies.values())


def test_operator_catalogue_replaces_the_bundled_one(tmp_path: Path) -> None:
    path = tmp_path / "cat.json"
    path.write_text(
        json.dumps(
            {
                "instruments": [
                    {"instId": "FOO-USDT", "refPx": "1.5", "tickSz": "0.1", "lotSz": "1", "minSz": "1"},
                    {
                        "instId": "BAR-USDT",
                        "refPx": "0.5",
                        "tickSz": "0.1",
                        "lotSz": "1",
                        "minSz": "1",
                        "maxLmtSz": "5000000000",
                    },
                ],
                "currencies": [
                    {"ccy": "FOO", "name": "Foo"},
                    {"ccy": "BAR", "name": "Bar"},
                    {"ccy": "USDT", "name": "Tether"},
                ],
            }
        )
    )
    catalogue = load_catalogue(path)
    assert list(catalogue.instruments) == ["FOO-USDT", "BAR-USDT"]
    assert catalogue.instruments["FOO-USDT"].max_lmt_sz == Decimal("100000000")  # the default
    assert catalogue.instruments["BAR-USDT"].max_lmt_sz == Decimal("5000000000")  # its own


@pytest.mark.parametrize(
    "instrument",
    [
        {"instId": "FOO-USDT", "refPx": "1.55", "tickSz": "0.1", "lotSz": "1", "minSz": "1"},
        {"instId": "FOO-USDT", "refPx": "1.5", "tickSz": "-0.1", "lotSz": "1", "minSz": "1"},
        {"instId": "BAR-USDT", "refPx": "1.5", "tickSz": "0.1", "lotSz": "1", "minSz": "1"},
        {"instId": "FOO-USDT", "tickSz": "0.1", "lotSz": "1", "minSz": "1"},
    ],
)
def test_malformed_catalogue_is_refused_with_a_reason(tmp_path: Path, instrument: dict[str, str]) -> None:
    path = tmp_path / "cat.json"
    path.write_text(
        json.dumps(
            {
                "instruments": [instrument],
                "currencies": [{"ccy": "FOO", "name": "Foo"}, {"ccy": "USDT", "name": "Tether"}],
            }
        )
    )
    with pytest.raises(CatalogueError):
        load_catalogue(path)
