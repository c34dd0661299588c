"""A real sandex server (uvicorn on 127.0.0.1, real sockets) with keys, for unmodified ccxt and python-okx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from compat_support import PASSPHRASE, SUB_NAME, Creds, World

from sandex.config import Settings
from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.keys.rules import CreateKeyRequest
from sandex.services.keys.views import CreatedKey
from sandex.testing.server import serve_in_thread


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir: Path = tmp_path_factory.mktemp("compat") / "data"
    with serve_in_thread(Settings(data_dir=data_dir, rate_limits="off")) as server:
        accounts, keys = server.runtime.accounts, server.runtime.keys.keys
        user = accounts.register("bot@example.test", "Correct-Horse-9")
        assert not isinstance(user, Rejected)
        sub = accounts.create_subaccount(user.id, SUB_NAME, "desk")
        assert not isinstance(sub, Rejected)

        def key(
            user_id: int, label: str, ip: str = "127.0.0.1", env: Environment = Environment.LIVE
        ) -> CreatedKey:
            created = keys.create(
                user_id, CreateKeyRequest(label, PASSPHRASE, "read_only,trade", ip), environment=env
            )
            assert isinstance(created, CreatedKey), created
            return created

        yield World(
            server=server,
            uid=user.uid,
            sub_uid=sub.uid,
            live=Creds.of(key(user.id, "live")),
            demo=Creds.of(key(user.id, "demo", env=Environment.DEMO)),
            elsewhere=Creds.of(key(user.id, "elsewhere", ip="198.51.100.7")),
            sub_key=key(sub.id, "sub").info.api_key,
        )
