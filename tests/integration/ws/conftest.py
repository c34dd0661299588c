"""One real sandex server (uvicorn, real sockets) per test module, with funded users and their keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.ws import World, served_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with served_world(tmp_path_factory.mktemp("ws") / "data") as served:
        yield served
