"""A real sandex server (uvicorn on 127.0.0.1, real sockets) with keys, for unmodified ccxt and python-okx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandex.domain.accounts.model import Environment
from sandex.testing.server import serve_in_thread
from tests.support.factories import ELSEWHERE, api_key, register, subaccount
from tests.support.okx import Creds
from tests.support.servers import SUB_NAME, World, server_settings


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with serve_in_thread(server_settings(tmp_path_factory.mktemp("compat") / "data")) as server:
        rt = server.runtime
        user = register(rt.accounts, "bot@example.test")
        sub = subaccount(rt.accounts, user, SUB_NAME, "desk")
        keys = rt.keys.keys
        yield World(
            server=server,
            uid=user.uid,
            sub_uid=sub.uid,
            live=Creds.of(api_key(keys, user.id, "live")),
            demo=Creds.of(api_key(keys, user.id, "demo", environment=Environment.DEMO)),
            elsewhere=Creds.of(api_key(keys, user.id, "elsewhere", ip=ELSEWHERE)),
            sub_key=api_key(keys, sub.id, "sub").info.api_key,
        )
