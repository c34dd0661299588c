"""The servers the fuzz tests run against: one per API, each for its whole module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandex.testing.server import RunningServer, serve_in_thread
from tests.support.fuzz import Fuzzed, funded_keys, server_settings


@pytest.fixture(scope="module")
def okx_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    with serve_in_thread(server_settings(tmp_path_factory.mktemp("okx-fuzz"))) as server:
        live, demo = funded_keys(server)
        yield Fuzzed(server, live, demo)


@pytest.fixture(scope="module")
def control_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of its own: the control fuzz resets, moves the clock and injects faults."""
    with serve_in_thread(server_settings(tmp_path_factory.mktemp("control-fuzz"))) as server:
        yield server
