"""Over HTTP: changing one character of what was signed (method, path, query, body, timestamp) is 50113
(or 50112/50102 for the timestamp), whatever the client library."""

from __future__ import annotations

import asyncio
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.apps import sandbox
from tests.support.okx import headers_for

PATH = "/api/v5/test/read/orders"
QUERY = "instId=BTC-USDT&ccy=BTC%2CETH&limit=100"
BODY = '{"instId": "BTC-USDT", "side": "buy", "sz": "0.01"}'
SAFE = string.ascii_letters + string.digits + "-_.~"
OK_CODES = {"timestamp": {"50113", "50112", "50102"}}


def _swap(text: str, index: int, pick: int, pool: str = string.digits + "TZ:.-") -> str:
    index %= len(text)
    choices = [ch for ch in pool if ch != text[index]]
    return text[:index] + choices[pick % len(choices)] + text[index + 1 :]


def test_one_changed_character_is_refused(tmp_path: Path) -> None:
    asyncio.run(_run(tmp_path))


async def _run(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box:
        created = box.key(box.user().id)
        http = box.client()
        tail = PATH.rsplit("/", 1)[1]

        async def send(
            signed: tuple[str, str, str], sent: tuple[str, str, str], stamp: tuple[int, int] | None
        ) -> str:
            (s_method, s_target, s_body), (method, target, body) = signed, sent
            headers = headers_for(created, s_method, s_target, s_body, now_ms=box.now_ms())
            if stamp is not None:  # the header differs from the timestamp that was signed
                headers["OK-ACCESS-TIMESTAMP"] = _swap(headers["OK-ACCESS-TIMESTAMP"], *stamp)
            response = await http.request(method, target, content=body.encode() or None, headers=headers)
            code: str = response.json()["code"]
            return code

        original = ("POST", f"{PATH}?{QUERY}", BODY)
        assert await send(original, original, None) == "0"
        cases: list[tuple[str, tuple[str, str, str], tuple[int, int] | None]] = []

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            part=st.sampled_from(["method", "path", "query", "body", "timestamp"]),
            index=st.integers(0, 1000),
            pick=st.integers(0, 1000),
        )
        def collect(part: str, index: int, pick: int) -> None:
            method, target, body = original
            stamp = None
            if part == "method":
                method = "GET"
            elif part == "path":
                target = f"{PATH[: -len(tail)]}{_swap(tail, index, pick, SAFE)}?{QUERY}"
            elif part == "query":
                target = f"{PATH}?{_swap(QUERY, index, pick, SAFE + '=&%')}"
            elif part == "body":
                body = _swap(BODY, index, pick, SAFE + ' {}":,')
            else:
                stamp = (index, pick)
            cases.append((part, (method, target, body), stamp))

        collect()
        for part, sent, stamp in cases:
            code = await send(original, sent, stamp)
            assert code in OK_CODES.get(part, {"50113"}), (part, sent, stamp, code)
