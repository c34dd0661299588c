"""The blocking facades: usable from plain code and from inside a running event loop alike."""

from __future__ import annotations

import threading

import httpx

from sandex.client import ControlClient, Credentials, OkxClient


def _time(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"code": "0", "msg": "", "data": [{"ts": "1700000000000"}]})


def test_a_sync_client_calls_and_closes_its_thread() -> None:
    before = threading.active_count()
    with OkxClient("http://x", Credentials("k", "s", "p"), transport=httpx.MockTransport(_time)) as okx:
        assert okx.server_time() == 1_700_000_000_000
        assert threading.active_count() == before + 1
    assert threading.active_count() == before


async def test_a_sync_client_works_inside_a_running_event_loop() -> None:
    clock = {"now_ms": 5, "frozen": True, "offset_ms": -1}
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, json=clock))
    with ControlClient("http://x", "t" * 20, transport=transport) as control:
        state = control.clock()
    assert (state.now_ms, state.frozen, state.offset_ms) == (5, True, -1)


def test_the_control_client_sends_the_admin_token_as_a_bearer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"took_ms": 1.5})

    with ControlClient("http://x/", "secret-token-123456", transport=httpx.MockTransport(handler)) as control:
        assert control.reset() == 1.5
    assert seen[0].headers["authorization"] == "Bearer secret-token-123456"
    assert seen[0].url.path == "/sandex/v1/reset"
