"""Position objects, positions-history rows and posData items in OKX's words, from hand-made
records and views (the numbers follow OKX's examples: BTC-USDT-SWAP, ctVal 0.01)."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.derivatives.contracts import MgnMode, PosSide
from sandex.domain.ledger.amounts import to_amount
from sandex.services.exchange.swap_records import PositionRecord, PositionView
from sandex.transport.okx.positions_wire import (
    direction,
    history_wire,
    pnl_ratio,
    pos_data_wire,
    position_wire,
)

CT_SIZE = Decimal("0.01")  # BTC per contract


def units(text: str) -> int:
    value = to_amount(Decimal(text))
    assert value is not None
    return value


def record(**changes: object) -> PositionRecord:
    base = PositionRecord(
        environment=Environment.LIVE,
        account_id=7,
        pos_id=1,
        inst_id="BTC-USDT-SWAP",
        mgn_mode=MgnMode.ISOLATED,
        pos_side=PosSide.NET,
        pos=Decimal(2),
        avg_px=Decimal(50000),
        margin=units("100"),
        lever=Decimal(10),
        realized_pnl=units("-0.5"),
        pnl=units("0"),
        fee=units("-0.5"),
        funding_fee=0,
        liq_penalty=0,
        c_time=1_700_000_000_000,
        u_time=1_700_000_001_000,
        trade_id=42,
        open_max_pos=Decimal(2),
        close_total_pos=Decimal(0),
        close_avg_px=None,
        state="live",
        close_type=None,
    )
    return base._replace(**changes)  # type: ignore[arg-type]


def view(rec: PositionRecord) -> PositionView:
    return PositionView(
        record=rec,
        inst_type="SWAP",
        ccy="USDT",
        mark_px=Decimal(51000),
        idx_px=Decimal(50990),
        last=Decimal(51010),
        upl=Decimal(20),  # (51000 - 50000) x 2 x 0.01
        upl_last_px=Decimal("20.2"),
        upl_ratio=Decimal("0.2"),  # 20 / (50000 x 2 x 0.01 / 10)
        imr=None,
        margin=Decimal(100),
        mmr=Decimal("4.08"),
        mgn_ratio=Decimal("29.41"),
        liq_px=Decimal("45454.5"),
        bk_px=Decimal(45000),
        be_px=Decimal(50050),
        notional_usd=Decimal(1020),
        avail_pos=Decimal(2),
        tier=1,
        max_lever=Decimal(100),
    )


def test_position_object_has_okx_fields_and_values() -> None:
    wire = position_wire(view(record()))
    assert {k: wire[k] for k in ("instType", "instId", "mgnMode", "posId", "posSide", "pos", "availPos")} == {
        "instType": "SWAP",
        "instId": "BTC-USDT-SWAP",
        "mgnMode": "isolated",
        "posId": "1",
        "posSide": "net",
        "pos": "2",
        "availPos": "2",
    }
    assert (wire["avgPx"], wire["markPx"], wire["upl"], wire["uplRatio"], wire["uplLastPx"]) == (
        "50000",
        "51000",
        "20",
        "0.2",
        "20.2",
    )
    assert wire["uplRatioLastPx"] == "0.202"  # 20.2 over the same 100 USDT initial margin
    assert (wire["imr"], wire["margin"], wire["mmr"], wire["lever"], wire["liqPx"]) == (
        "",
        "100",
        "4.08",
        "10",
        "45454.5",
    )
    assert (wire["realizedPnl"], wire["fee"], wire["pnl"], wire["fundingFee"]) == ("-0.5", "-0.5", "0", "0")
    assert (wire["adl"], wire["interest"], wire["liab"], wire["optVal"], wire["closeOrderAlgo"]) == (
        "1",
        "0",
        "",
        "",
        [],
    )
    assert (wire["tradeId"], wire["cTime"], wire["uTime"], wire["ccy"]) == (
        "42",
        "1700000000000",
        "1700000001000",
        "USDT",
    )


def test_every_documented_position_field_is_present() -> None:
    documented = (
        "instType mgnMode posId posSide pos baseBal quoteBal baseBorrowed baseInterest quoteBorrowed "
        "quoteInterest posCcy availPos avgPx nonSettleAvgPx markPx upl uplRatio uplLastPx uplRatioLastPx "
        "instId lever liqPx imr margin mgnRatio mmr liab liabCcy interest tradeId optVal "
        "pendingCloseOrdLiabVal notionalUsd adl ccy last idxPx usdPx bePx deltaBS deltaPA gammaBS gammaPA "
        "thetaBS thetaPA vegaBS vegaPA spotInUseAmt spotInUseCcy clSpotInUseAmt maxSpotInUseAmt bizRefId "
        "bizRefType realizedPnl settledPnl pnl fee fundingFee liqPenalty closeOrderAlgo cTime uTime"
    )
    assert set(documented.split()) <= set(position_wire(view(record())))


def test_a_closed_position_shows_no_average_price() -> None:
    wire = position_wire(view(record(pos=Decimal(0), state="closed")))
    assert (wire["pos"], wire["avgPx"]) == ("0", "")


def test_positions_history_row() -> None:
    closed = record(
        pos=Decimal(0),
        state="closed",
        close_type=2,
        close_total_pos=Decimal(2),
        close_avg_px=Decimal(51000),
        pnl=units("20"),
        realized_pnl=units("19"),  # 20 pnl - 1 fee
        fee=units("-1"),
    )
    wire = history_wire(closed, "SWAP", "USDT", CT_SIZE)
    assert {k: wire[k] for k in ("type", "openAvgPx", "closeAvgPx", "openMaxPos", "closeTotalPos")} == {
        "type": "2",
        "openAvgPx": "50000",
        "closeAvgPx": "51000",
        "openMaxPos": "2",
        "closeTotalPos": "2",
    }
    assert (wire["pnl"], wire["realizedPnl"], wire["fee"], wire["direction"], wire["uly"]) == (
        "20",
        "19",
        "-1",
        "long",
        "BTC-USDT",
    )
    # realised 19 over the initial margin of what closed: 2 x 0.01 x 50000 / 10 = 100
    assert wire["pnlRatio"] == "0.19"
    assert (wire["triggerPx"], wire["settledPnl"], wire["nonSettleAvgPx"]) == ("", "", "")


def test_pnl_ratio_is_zero_before_anything_closed() -> None:
    assert pnl_ratio(record(), CT_SIZE) == 0


def test_direction_of_net_positions_open_and_closed() -> None:
    assert direction(record(pos=Decimal(-1))) == "short"
    assert direction(record(pos_side=PosSide.SHORT, pos=Decimal(1))) == "short"
    # a closed net short: it closed higher than it opened and lost
    lost_short = record(pos=Decimal(0), close_avg_px=Decimal(51000), pnl=units("-20"))
    assert direction(lost_short) == "short"
    won_long = record(pos=Decimal(0), close_avg_px=Decimal(51000), pnl=units("20"))
    assert direction(won_long) == "long"


def test_pos_data_item() -> None:
    wire = pos_data_wire(record(), "SWAP", "USDT")
    assert wire == {
        "posId": "1",
        "tradeId": "42",
        "instId": "BTC-USDT-SWAP",
        "instType": "SWAP",
        "mgnMode": "isolated",
        "avgPx": "50000",
        "ccy": "USDT",
        "posSide": "net",
        "pos": "2",
        "baseBal": "",
        "quoteBal": "",
        "posCcy": "",
        "nonSettleAvgPx": "",
        "settledPnl": "",
        "uTime": "1700000001000",
    }
