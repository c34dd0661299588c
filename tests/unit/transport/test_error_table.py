"""Every domain refusal has exactly one OKX wire form."""

from __future__ import annotations

import string

import pytest

from sandex.domain.errors import Reason, Rejected
from sandex.transport.okx.envelope import body_for
from sandex.transport.okx.errors import ERRORS
from sandex.transport.okx.ws.protocol import login_error


def test_every_reason_is_mapped() -> None:
    missing = [reason for reason in Reason if reason not in ERRORS]
    assert missing == []


@pytest.mark.parametrize("reason", list(Reason))
def test_every_entry_renders_a_string_code_and_message(reason: Reason) -> None:
    names = [name for _, name, _, _ in string.Formatter().parse(ERRORS[reason].message) if name]
    status, body = body_for(Rejected(reason, {name: "X" for name in names}))
    assert isinstance(body["code"], str) and body["code"].isdigit() and body["code"] != "0"
    assert isinstance(body["msg"], str) and body["msg"]
    assert "{" not in body["msg"], f"unfilled placeholder in {reason}: {body['msg']}"
    assert 200 <= status < 600


def test_auth_failures_have_no_data_key_and_msg_comes_first() -> None:
    status, body = body_for(Rejected.of(Reason.SIGNATURE_INVALID))
    assert status == 401
    assert list(body) == ["msg", "code"] and body == {"msg": "Invalid Sign", "code": "50113"}


def test_parameter_errors_name_the_field() -> None:
    _, empty = body_for(Rejected.of(Reason.PARAM_EMPTY, field="instId"))
    _, bad = body_for(Rejected.of(Reason.PARAM_ERROR, field="sz"))
    assert empty == {"code": "50014", "msg": "Parameter instId can not be empty.", "data": []}
    assert bad == {"code": "51000", "msg": "Parameter sz error", "data": []}


def test_rate_limit_body_is_exactly_what_okx_sends() -> None:
    status, body = body_for(Rejected.of(Reason.RATE_LIMITED))
    assert (status, body) == (429, {"msg": "Too Many Requests", "code": "50011"})


def test_too_many_argon2_runs_for_a_key_is_60014_on_a_websocket_login() -> None:
    error = login_error(Rejected.of(Reason.RATE_LIMITED))
    assert (error.code, error.message) == ("60014", "Requests too frequent.")


def test_an_oversized_body_names_the_body_and_the_limit() -> None:
    status, body = body_for(Rejected.of(Reason.BODY_TOO_LARGE, field="body", limit="65536"))
    assert (status, body) == (
        413,
        {"code": "70413", "msg": "Request body too large: at most 65536 bytes.", "data": []},
    )
