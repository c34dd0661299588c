"""Console tests: an in-process app per test (fast argon2) and a signed-up visitor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.console import Console, Visitor, console


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Console]:
    async with console(tmp_path) as running:
        yield running


@pytest.fixture
async def alice(app: Console) -> AsyncIterator[Visitor]:
    """Signed up and signed in (2FA off)."""
    async with app.visitor() as visitor:
        response = await visitor.sign_up()
        assert response.status_code == 303, response.text
        yield visitor
