"""Any single-byte change to a correctly signed request is refused, for exactly the right reason."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.model import ApiKeyPolicyView
from sandex.domain.keys.policy import SignedRequest, authenticate
from sandex.domain.keys.timestamps import WINDOW_MS, format_rest_timestamp
from tests.support.keys import NOW_MS, lookup_of, make_key, plain_passphrase_check, signed

KEY = make_key()
LOOKUP = lookup_of(KEY)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# An independent reading of the accepted REST form, as the oracle for timestamp mutations.
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?Z")
_TEXT_CHARS = st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x7E), st.sampled_from("٣é\x00\n"))

methods = st.sampled_from(["GET", "POST", "PUT", "DELETE"])
paths = st.sampled_from([b"/api/v5/account/balance", b"/api/v5/trade/order", b"/api/v5/asset/transfer"])
queries = st.binary(max_size=40).map(lambda q: b"?" + q if q else b"")
bodies = st.binary(max_size=120)
offsets = st.integers(-WINDOW_MS, WINDOW_MS)


def oracle_ms(text: str) -> int | None:
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except ValueError:
        return None
    return (moment - _EPOCH) // timedelta(milliseconds=1) + int(((fraction or "") + "000")[:3])


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    ops = ["insert", "substitute", "delete"] if data else ["insert"]
    op = draw(st.sampled_from(ops))
    if op == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at:]
    at = draw(st.integers(0, len(data) - 1))
    if op == "delete":
        return data[:at] + data[at + 1 :]
    new = draw(st.integers(0, 255).filter(lambda b: b != data[at]))
    return data[:at] + bytes([new]) + data[at + 1 :]


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    op = draw(st.sampled_from(["insert", "substitute", "delete"]))
    at = draw(st.integers(0, len(text) - (0 if op == "insert" else 1)))
    if op == "insert":
        return text[:at] + draw(_TEXT_CHARS) + text[at:]
    if op == "delete":
        return text[:at] + text[at + 1 :]
    return text[:at] + draw(_TEXT_CHARS.filter(lambda c: c != text[at])) + text[at + 1 :]


def run(request: SignedRequest) -> ApiKeyPolicyView | Rejected:
    return authenticate(request, NOW_MS, LOOKUP, plain_passphrase_check)


@st.composite
def requests(draw: st.DrawFn) -> SignedRequest:
    target = draw(paths) + draw(queries)
    return signed(method=draw(methods), target=target, body=draw(bodies), now_ms=NOW_MS + draw(offsets))


@settings(max_examples=300)
@given(requests())
def test_unchanged_requests_pass(request: SignedRequest) -> None:
    assert run(request) is KEY


@settings(max_examples=300)
@given(st.data(), requests(), st.sampled_from(["method", "raw_target", "body"]))
def test_changed_method_target_or_body_breaks_the_signature(
    data: st.DataObject, request: SignedRequest, field: str
) -> None:
    original = getattr(request, field)
    if isinstance(original, str):
        changed: object = data.draw(mutated_text(original))
    else:
        changed = data.draw(mutated_bytes(original))
    result = run(_with(request, field, changed))
    assert result == Rejected.of(Reason.SIGNATURE_INVALID, field="sign")


@settings(max_examples=500)
@given(st.data(), requests())
def test_changed_timestamp_is_refused_precisely(data: st.DataObject, request: SignedRequest) -> None:
    assert request.timestamp is not None
    changed = data.draw(mutated_text(request.timestamp))
    when = oracle_ms(changed)
    if when is None:
        expected = Reason.TIMESTAMP_INVALID
    elif abs(when - NOW_MS) > WINDOW_MS:
        expected = Reason.TIMESTAMP_EXPIRED
    else:
        expected = Reason.SIGNATURE_INVALID
    event(expected.value)  # shows how often each outcome is exercised (--hypothesis-show-statistics)
    result = run(_with(request, "timestamp", changed))
    assert isinstance(result, Rejected)
    assert result.reason is expected


@given(st.integers(0, 2**44))
def test_timestamp_formatting_round_trips_through_the_oracle(epoch_ms: int) -> None:
    assert oracle_ms(format_rest_timestamp(epoch_ms)) == epoch_ms


def _with(request: SignedRequest, field: str, value: Any) -> SignedRequest:
    changes: dict[str, Any] = {field: value}
    return replace(request, **changes)
