from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.keys import Kit, kit_on_copy


@pytest.fixture
def kit(tmp_path: Path) -> Iterator[Kit]:
    built = kit_on_copy(tmp_path)
    yield built
    built.engine.dispose()
