"""Loads the instrument catalogue: the bundled data file, or one the operator supplies."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from sandex.domain.derivatives.contracts import ContractSpec, CtType, InstType, Tier
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
    ids = {inst.inst_id for inst in instruments}
    for inst in instruments:
        for ccy in (inst.base_ccy, inst.quote_ccy):
            if ccy not in known:
                raise CatalogueError(f"{inst.inst_id}: currency {ccy} is not in the currencies list")
        if inst.contract is not None and inst.contract.index_id not in ids:
            raise CatalogueError(f"{inst.inst_id}: index {inst.contract.index_id} is not a listed spot pair")
    return Catalogue(instruments, currencies)


def _dec(value: Any) -> Decimal:
    result = Decimal(str(value))
    if not result.is_finite() or result <= 0:
        raise CatalogueError(f"expected a positive number, got {value!r}")
    return result


def _instrument(entry: dict[str, Any], code: int, list_time: int) -> Instrument:
    contract = None
    if entry.get("instType", "SPOT") == InstType.SWAP:
        contract = _contract(entry)
        base, quote = contract.ct_val_ccy, contract.settle_ccy
    elif entry.get("instType", "SPOT") != InstType.SPOT:
        raise CatalogueError(f"{entry['instId']}: instType must be SPOT or SWAP")
    else:
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
        contract=contract,
    )
    if "maxLmtSz" in entry:  # sub-cent coins trade in far larger sizes than the default allows
        inst = replace(inst, max_lmt_sz=_dec(entry["maxLmtSz"]))
    if "maxMktSz" in entry:
        inst = replace(inst, max_mkt_sz=_dec(entry["maxMktSz"]))
    if inst.ref_px % inst.tick_sz != 0:
        raise CatalogueError(f"{inst.inst_id}: refPx {inst.ref_px} is not a multiple of tickSz")
    return inst


def _contract(entry: dict[str, Any]) -> ContractSpec:
    """A linear USDT-margined perpetual: `<coin>-<settle>-SWAP`, sizes in contracts."""
    inst_id = entry["instId"]
    parts = inst_id.split("-")
    if len(parts) != 3 or parts[2] != "SWAP":
        raise CatalogueError(f"{inst_id}: a swap's instId is <coin>-<settle ccy>-SWAP")
    ct_type = CtType(entry.get("ctType", "linear"))
    if ct_type is not CtType.LINEAR:
        raise CatalogueError(f"{inst_id}: only linear swaps are supported")
    ct_val_ccy, settle_ccy = entry.get("ctValCcy", parts[0]), entry.get("settleCcy", parts[1])
    if (ct_val_ccy, settle_ccy) != (parts[0], parts[1]):
        raise CatalogueError(f"{inst_id}: ctValCcy/settleCcy do not match the instId")
    max_lever = _dec(entry["lever"])
    tiers = tuple(_tier(t) for t in entry["tiers"])
    _check_tiers(inst_id, tiers, max_lever)
    max_rate = _dec(entry.get("maxFundingRate", "0.0075"))
    min_rate = Decimal(str(entry.get("minFundingRate", -max_rate)))
    if min_rate >= max_rate:
        raise CatalogueError(f"{inst_id}: minFundingRate must be below maxFundingRate")
    return ContractSpec(
        inst_family=f"{parts[0]}-{parts[1]}",
        ct_val=_dec(entry["ctVal"]),
        ct_mult=_dec(entry.get("ctMult", "1")),
        ct_val_ccy=ct_val_ccy,
        settle_ccy=settle_ccy,
        ct_type=ct_type,
        max_lever=max_lever,
        tiers=tiers,
        index_id=entry.get("indexId", f"{parts[0]}-{parts[1]}"),
        funding_interval_h=int(entry.get("fundingIntervalH", 8)),
        max_funding_rate=max_rate,
        min_funding_rate=min_rate,
    )


def _tier(entry: dict[str, Any]) -> Tier:
    max_lever = _dec(entry["maxLever"])
    return Tier(
        tier=int(entry["tier"]),
        min_sz=Decimal(str(entry["minSz"])),
        max_sz=_dec(entry["maxSz"]),
        mmr=_dec(entry["mmr"]),
        imr=_dec(entry.get("imr", 1 / max_lever)),
        max_lever=max_lever,
    )


def _check_tiers(inst_id: str, tiers: tuple[Tier, ...], max_lever: Decimal) -> None:
    """Tiers 1..n, contiguous (each starts one contract above the last one's max, as OKX lists
    them), leverage falling and maintenance rates rising, each mmr below its imr."""
    if not tiers:
        raise CatalogueError(f"{inst_id}: a swap needs at least one position tier")
    if tiers[0].min_sz != 0 or tiers[0].max_lever != max_lever:
        raise CatalogueError(f"{inst_id}: tier 1 must start at 0 and allow the instrument's lever")
    for n, tier in enumerate(tiers, 1):
        if tier.tier != n or tier.min_sz > tier.max_sz or tier.mmr >= tier.imr:
            raise CatalogueError(f"{inst_id}: tier {tier.tier} is malformed")
        if n > 1:
            prev = tiers[n - 2]
            if tier.min_sz != prev.max_sz + 1 or tier.max_lever > prev.max_lever or tier.mmr < prev.mmr:
                raise CatalogueError(f"{inst_id}: tier {tier.tier} does not follow tier {prev.tier}")


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
