"""The one uvicorn configuration: read timeout protocol, keep-alive, descriptor limit, settings."""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.types import Receive, Scope, Send
from uvicorn.server import ServerState

from sandex.config import Settings
from sandex.runtime.http_server import (
    KEEP_ALIVE_S,
    ReadTimeoutProtocol,
    raise_open_files_limit,
    server_config,
)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("not served in these tests")


@pytest.fixture
def lowered_soft_limit() -> Iterator[int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard < 64:
        pytest.fail(f"unexpected hard open-files limit {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard - 1, hard))
    yield hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_soft_open_files_limit_is_raised_to_the_hard_one(lowered_soft_limit: int) -> None:
    assert raise_open_files_limit() == lowered_soft_limit
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (lowered_soft_limit, lowered_soft_limit)


def test_every_server_gets_the_read_timeout_protocol_and_a_short_keep_alive(
    tmp_path: Path, lowered_soft_limit: int
) -> None:
    settings = Settings(data_dir=tmp_path, header_timeout=7.5)
    config = server_config(app, settings, host="127.0.0.1", port=0, log_level="warning")
    config.load()
    loop = asyncio.new_event_loop()
    try:
        make = config.http_protocol_class
        protocol = make(config=config, server_state=ServerState(), app_state={}, _loop=loop)  # type: ignore[call-arg]
    finally:
        loop.close()
    assert isinstance(protocol, ReadTimeoutProtocol)
    assert protocol._read_timeout_s == 7.5
    assert config.timeout_keep_alive == KEEP_ALIVE_S < settings.header_timeout
    assert config.proxy_headers is False
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == lowered_soft_limit


def test_the_read_timeout_is_a_setting_and_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().header_timeout == 10.0
    monkeypatch.setenv("SANDEX_HEADER_TIMEOUT", "3")
    assert Settings().header_timeout == 3.0
    with pytest.raises(ValueError, match="header_timeout"):
        Settings(header_timeout=0)
