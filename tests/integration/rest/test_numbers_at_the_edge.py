"""Numbers over signed REST: one rule whatever form they take, and magnitudes no request may pass.

A number is the same number as a JSON string or a JSON number; a value the engine could not hold
(1e308, a cursor past 2**63) is refused at the edge with an OKX code naming the field, per item in
batches, and never reaches the group commit (where it used to fail every other user's command).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.apps import sandbox
from tests.support.rest import INST, LIMIT, Trader, trader

# A JSON number with 40 decimals: orjson alone read it as the float 0.01 (and placed 0.01 BTC).
FORTY_DECIMALS = "0.0100000000000000000000000000000000000001"


def _order_body(sz: str, px: str, *, quoted: bool) -> str:
    """A limit-order body with `sz` and `px` spelled exactly as given, as strings or as JSON numbers."""
    fields = {key: value for key, value in LIMIT.items() if key not in ("sz", "px")}
    head = json.dumps(fields)[:-1]
    spell = (lambda text: json.dumps(text)) if quoted else (lambda text: text)
    return f'{head}, "sz": {spell(sz)}, "px": {spell(px)}}}'


async def _outcome(alice: Trader, sz: str, px: str, *, quoted: bool) -> tuple[int, str, str]:
    response = await alice.post_raw("trade/order", _order_body(sz, px, quoted=quoted))
    answer = response.json()
    item = answer["data"][0] if answer.get("data") else {}
    return response.status_code, item.get("sCode", answer["code"]), item.get("sMsg", answer["msg"])


@pytest.mark.parametrize(
    ("sz", "px"),
    [
        ("0.01", "2e4"),
        ("1e-2", "20000"),
        ("1E-2", "2E+4"),
        ("0.01000000000000000000000000000000000000000", "20000.0"),  # trailing zeros: still 0.01
        (FORTY_DECIMALS, "20000"),  # refused either way: more decimals than any number sandex reads
        ("0.01", "1e308"),
        ("1e308", "20000"),
        ("0.01", "-1e400"),  # not even a double: once a JSON syntax error (50002), now 51000 as well
        ("100000001", "0.1"),  # above maxLmtSz: 51203 either way
    ],
)
async def test_a_number_gets_the_same_answer_as_a_string_or_a_json_number(
    tmp_path: Path, sz: str, px: str
) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        as_string = await _outcome(alice, sz, px, quoted=True)
        as_number = await _outcome(alice, sz, px, quoted=False)
        assert as_string == as_number
        assert as_string[0] == 200 and as_string[1] in ("0", "51000", "51203"), as_string
        assert box.runtime.trading.sequencer.failures == 0


async def test_spellings_only_a_string_can_carry_place_the_same_order(tmp_path: Path) -> None:
    """ "+20000", " 20000", "20000." and ".01" are not JSON numbers (a body with them is 50002), but as
    strings they are the same numbers as "20000" and "0.01"."""
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "10000")
        for px in ("20000", "2e4", "+20000", " 20000", "20000.", "2E+4"):
            ord_id = await alice.placed_id(px=px, sz=".01")
            order = await alice.order(ord_id)
            assert (order["px"], order["sz"]) == ("20000", "0.01"), px


async def test_huge_values_are_refused_per_item_and_the_rest_of_the_batch_goes_on(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice, bob = trader(box), trader(box, "bob@example.com")
        await alice.deposit("USDT", "1000")
        await bob.deposit("USDT", "1000")
        answer = await alice.post(
            "trade/batch-orders",
            [
                {**LIMIT, "clOrdId": "h1", "px": "1e308"},
                {**LIMIT, "clOrdId": "h2", "sz": "1e28"},
                {**LIMIT, "clOrdId": "h3", "sz": "100000001", "px": "0.1"},
                {**LIMIT, "clOrdId": "ok1"},
            ],
        )
        codes = [(item["clOrdId"], item["sCode"], item["sMsg"]) for item in answer["data"]]
        assert codes == [
            ("h1", "51000", "Parameter px error"),
            ("h2", "51000", "Parameter sz error"),
            ("h3", "51203", "Order amount exceeds the limit 100000000."),
            ("ok1", "0", "Order placed"),
        ]
        ord_id = answer["data"][3]["ordId"]
        amended = await alice.post(
            "trade/amend-batch-orders",
            [
                {"instId": INST, "ordId": ord_id, "newPx": "1e308", "reqId": "r1"},
                {"instId": INST, "ordId": ord_id, "newSz": "100000001", "reqId": "r2"},
                {"instId": INST, "ordId": ord_id, "newPx": "19000", "reqId": "r3"},
            ],
        )
        assert [(i["reqId"], i["sCode"]) for i in amended["data"]] == [
            ("r1", "51000"),
            ("r2", "51203"),
            ("r3", "0"),
        ]
        assert (await bob.place(clOrdId="bob1"))["data"][0]["sCode"] == "0"
        assert box.runtime.trading.sequencer.failures == 0
        assert (await alice.balance("USDT"))["frozenBal"] == "190"


CURSORS: list[tuple[str, dict[str, Any]]] = [
    ("market/candles", {"instId": INST}),
    ("market/history-candles", {"instId": INST}),
    ("market/history-trades", {"instId": INST}),
    ("account/bills", {}),
    ("account/bills-archive", {}),
    ("trade/fills", {}),
    ("trade/fills-history", {"instType": "SPOT"}),
    ("trade/orders-history", {"instType": "SPOT"}),
    ("trade/orders-history-archive", {"instType": "SPOT"}),
    ("asset/withdrawal-history", {}),
    ("asset/deposit-history", {}),
    ("asset/bills", {}),
]
CURSOR_NAMES = ("after", "before", "begin", "end", "limit")
BAD_CURSORS = ("9223372036854775808", "99999999999999999999999", "-1", "1.5", "1e3", "9" * 5000)


@pytest.mark.parametrize(("path", "required"), CURSORS, ids=[path for path, _ in CURSORS])
async def test_cursors_out_of_range_are_51000_naming_the_parameter(
    tmp_path: Path, path: str, required: dict[str, Any]
) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        for name in CURSOR_NAMES:
            for value in BAD_CURSORS:
                response = await alice.get_raw(path, **required, **{name: value})
                answer = response.json()
                if answer["code"] == "0":  # a parameter this endpoint does not read
                    continue
                assert (response.status_code, answer["code"]) == (400, "51000"), (path, name, value[:30])
                assert answer["msg"] == f"Parameter {name} error", (path, name, answer)
        largest = await alice.get_raw(path, **required, after="9223372036854775807")
        assert largest.json()["code"] == "0", largest.text


async def test_public_candles_refuse_a_huge_cursor_without_a_login(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        response = await box.client().get(f"/api/v5/market/candles?instId={INST}&after=99999999999999999999")
        assert response.status_code == 400
        assert response.json() == {"code": "51000", "msg": "Parameter after error", "data": []}


@pytest.mark.parametrize("amt", ["1e308", "1e20", FORTY_DECIMALS + "1"])
async def test_huge_transfer_and_withdrawal_amounts_are_51000_and_move_nothing(
    tmp_path: Path, amt: str
) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box, perm="read_only,trade,withdraw")
        await alice.deposit("USDT", "1000")
        for quoted in (True, False):
            body = f'{{"ccy": "USDT", "amt": {json.dumps(amt) if quoted else amt}, "from": "18", "to": "6"}}'
            response = await alice.post_raw("asset/transfer", body)
            assert (response.status_code, response.json()["code"], response.json()["msg"]) == (
                400,
                "51000",
                "Parameter amt error",
            ), body
        assert (await alice.balance("USDT"))["availBal"] == "1000"
        assert box.runtime.trading.sequencer.failures == 0


IDS: list[tuple[str, str, dict[str, Any]]] = [
    ("asset/withdrawal-history", "wdId", {}),
    ("asset/deposit-history", "depId", {}),
    ("asset/deposit-history", "fromWdId", {}),
    ("asset/transfer-state", "transId", {}),
    ("trade/order", "ordId", {"instId": INST}),
    ("trade/fills", "ordId", {}),
]


@pytest.mark.parametrize(("path", "name", "required"), IDS, ids=[f"{p}:{n}" for p, n, _ in IDS])
async def test_ids_beyond_64_bits_are_refused_not_a_server_error(
    tmp_path: Path, path: str, name: str, required: dict[str, Any]
) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        for value in ("9223372036854775808", "9999999999999999999", "9" * 5000):
            response = await alice.get_raw(path, **required, **{name: value})
            assert response.status_code < 500, (path, name, response.text)
            answer = response.json()
            assert answer["code"] in ("0", "51000", "51603"), (path, name, answer)


async def test_max_size_at_a_tiny_price_is_capped_at_the_largest_order_not_an_error(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        alice = trader(box)
        await alice.deposit("USDT", "1000")
        for px, max_buy in (("1e-30", "100000000"), ("0.1", "10000"), ("99999999999999999999", "0")):
            answer = await alice.get("account/max-size", instId=INST, tdMode="cash", px=px)
            assert answer["code"] == "0" and answer["data"][0]["maxBuy"] == max_buy, (px, answer)
