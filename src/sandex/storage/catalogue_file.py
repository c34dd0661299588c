"""Loads the instrument catalogue: the bundled data file, or one the operator supplies."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from sandex.domain.instruments import Catalogue, Chain, Currency, Instrument, InstrumentState


class CatalogueError(ValueError):
    """The catalogue file is missing or malformed: sandex cannot start with it."""


def load_catalogue(path: Path | None = None) -> Catalogue:
    try:
        if path is None:
            text = resources.files("sandex.data").joinpath("catalogue.json").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        raw = json.loads(text, parse_float=Decimal)
        return _parse(raw)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogueError(f"cannot load catalogue {path or '(bundled)'}: {exc}") from exc


def _parse(raw: dict[str, Any]) -> Catalogue:
    list_time = int(raw.get("listTime", "1609459200000"))
    instruments = [_instrument(entry, code, list_time) for code, entry in enumerate(raw["instruments"], 1)]
    currencies = [_currency(entry) for entry in raw["currencies"]]
    known = {c.ccy for c in currencies}
    for inst in instruments:
        for ccy in (inst.base_ccy, inst.quote_ccy):
            if ccy not in known:
                raise CatalogueError(f"{inst.inst_id}: currency {ccy} is not in the currencies list")
    return Catalogue(instruments, currencies)


def _dec(value: Any) -> Decimal:
    result = Decimal(str(value))
    if not result.is_finite() or result <= 0:
        raise CatalogueError(f"expected a positive number, got {value!r}")
    return result


def _instrument(entry: dict[str, Any], code: int, list_time: int) -> Instrument:
    base, quote = entry["instId"].split("-")
    inst = Instrument(
        inst_id=entry["instId"],
        base_ccy=base,
        quote_ccy=quote,
        tick_sz=_dec(entry["tickSz"]),
        lot_sz=_dec(entry["lotSz"]),
        min_sz=_dec(entry["minSz"]),
        ref_px=_dec(entry["refPx"]),
        inst_id_code=int(entry.get("instIdCode", code)),
        list_time_ms=list_time,
        state=InstrumentState(entry.get("state", "live")),
    )
    if "maxLmtSz" in entry:  # sub-cent coins trade in far larger sizes than the default allows
        inst = replace(inst, max_lmt_sz=_dec(entry["maxLmtSz"]))
    if inst.ref_px % inst.tick_sz != 0:
        raise CatalogueError(f"{inst.inst_id}: refPx {inst.ref_px} is not a multiple of tickSz")
    return inst


def _currency(entry: dict[str, Any]) -> Currency:
    chains = tuple(
        Chain(
            name=c["chain"],
            needs_tag=bool(c.get("needTag", False)),
            min_dep=_dec(c.get("minDep", "0.00000001")),
            min_wd=_dec(c["minWd"]),
            wd_fee=Decimal(str(c["fee"])),
            wd_tick_sz=int(c.get("wdTickSz", 8)),
            confirmations=int(c.get("confirmations", 1)),
        )
        for c in entry.get("chains", [])
    )
    return Currency(ccy=entry["ccy"], name=entry["name"], chains=chains)
