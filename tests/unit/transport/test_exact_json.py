"""Request bodies read with numbers exact, and every amount field read by the one rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.transport.okx import exact_json
from sandex.transport.okx.envelope import OkxRejection
from sandex.transport.okx.funding_wire import parse_transfer, parse_withdrawal
from sandex.transport.okx.params import decimal

FORTY = "0.0100000000000000000000000000000000000001"


def test_a_body_of_strings_and_integers_is_read_as_it_is() -> None:
    body = b'{"instId":"BTC-USDT","sz":"0.01","px":"20000","n":12,"list":[1,"2"]}'
    assert exact_json.loads(body) == {
        "instId": "BTC-USDT",
        "sz": "0.01",
        "px": "20000",
        "n": 12,
        "list": [1, "2"],
    }


def test_fractions_and_exponents_become_exact_decimals_wherever_they_are() -> None:
    body = f'[{{"sz": {FORTY}, "px": 2e4}}, {{"nested": {{"x": [1.5]}}}}]'
    parsed = exact_json.loads(body)
    assert parsed[0] == {"sz": Decimal(FORTY), "px": Decimal("2e4")}
    assert parsed[1]["nested"]["x"] == [Decimal("1.5")]


def test_numbers_no_double_holds_are_still_numbers() -> None:
    assert exact_json.loads('{"px": 1e400}') == {"px": Decimal("1e400")}
    assert exact_json.loads('{"id": 18446744073709551616}') == {"id": 18446744073709551616}


@pytest.mark.parametrize("body", ['{"px": NaN}', '{"px": Infinity}', '{"px": .5}', '{"px": +1}', "{", ""])
def test_what_is_not_json_is_a_syntax_error(body: str) -> None:
    with pytest.raises(exact_json.JsonSyntaxError):
        exact_json.loads(body)


def _refusal(read: Any, body: dict[str, Any]) -> Rejected:
    with pytest.raises(OkxRejection) as caught:
        read(body)
    return caught.value.rejected


@pytest.mark.parametrize("value", ["1e308", Decimal("1e308"), Decimal(FORTY), 10**30, FORTY, True, [1]])
def test_an_amount_out_of_bounds_is_51000_naming_its_field_in_any_form(value: object) -> None:
    assert _refusal(lambda body: decimal(body, "sz"), {"sz": value}) == Rejected.of(
        Reason.PARAM_ERROR, field="sz"
    )


@pytest.mark.parametrize("value", ["1e3", 1000, Decimal("1E+3"), " 1000", "+1000", "1000.", 1000.0])
def test_every_form_of_a_number_reads_the_same(value: object) -> None:
    assert decimal({"sz": value}, "sz") == Decimal(1000)


@pytest.mark.parametrize("amt", ["1e308", Decimal("-1e400"), Decimal(FORTY)])
def test_transfer_and_withdrawal_amounts_follow_the_same_rule(amt: object) -> None:
    transfer = {"ccy": "USDT", "amt": amt, "from": "18", "to": "6"}
    withdrawal = {"ccy": "USDT", "amt": amt, "dest": "4", "toAddr": "TXyz", "chain": "USDT-TRC20"}
    amt_error = Rejected.of(Reason.PARAM_ERROR, field="amt")
    assert _refusal(parse_transfer, transfer) == amt_error
    assert _refusal(parse_withdrawal, withdrawal) == amt_error


def test_a_decimal_echoed_back_renders_as_text() -> None:
    assert exact_json.default(Decimal("1.50")) == "1.50"
    with pytest.raises(TypeError):
        exact_json.default(object())
