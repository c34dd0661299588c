"""Any single-byte change to a signed request's method, path, query, body or timestamp is refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sandex.domain.errors import Reason, Rejected
from sandex.services.keys.auth import Principal
from tests.support.keys import kit_on_copy

TARGET_PATH = b"/api/v5/trade/order"
TARGET_QUERY = b"instId=BTC-USDT&ccy=BTC%2CETH&tag=x y"
BODY = b'{"instId": "BTC-USDT", "side": "buy", "sz": "0.01", "px": "65000"}'


def _mutate(data: bytes, index: int, value: int) -> bytes:
    index %= len(data)
    new = value if value != data[index] else (value + 1) % 256
    return data[:index] + bytes([new]) + data[index + 1 :]


def test_single_byte_changes_break_the_signature(tmp_path: Path) -> None:
    kit = kit_on_copy(tmp_path)
    created = kit.key(kit.user().id)
    good = kit.signed(created, method="POST", target=TARGET_PATH + b"?" + TARGET_QUERY, body=BODY)
    assert isinstance(kit.auth.authenticate(good), Principal)

    @settings(max_examples=400, deadline=None)
    @given(
        part=st.sampled_from(["method", "path", "query", "body", "timestamp"]),
        index=st.integers(min_value=0, max_value=10_000),
        value=st.integers(min_value=0, max_value=255),
    )
    def check(part: str, index: int, value: int) -> None:
        if part == "method":
            changed = replace(good, method=_mutate(good.method.encode(), index, value).decode("latin-1"))
        elif part == "path":
            changed = replace(good, raw_target=_mutate(TARGET_PATH, index, value) + b"?" + TARGET_QUERY)
        elif part == "query":
            changed = replace(good, raw_target=TARGET_PATH + b"?" + _mutate(TARGET_QUERY, index, value))
        elif part == "body":
            changed = replace(good, body=_mutate(BODY, index, value))
        else:
            stamp = (good.timestamp or "").encode("latin-1")
            changed = replace(good, timestamp=_mutate(stamp, index, value).decode("latin-1"))
        outcome = kit.auth.authenticate(changed)
        assert isinstance(outcome, Rejected), (part, changed)
        allowed = {Reason.SIGNATURE_INVALID}
        if part == "timestamp":
            allowed |= {Reason.TIMESTAMP_INVALID, Reason.TIMESTAMP_EXPIRED}
        assert outcome.reason in allowed, (part, outcome)

    check()
    kit.engine.dispose()
