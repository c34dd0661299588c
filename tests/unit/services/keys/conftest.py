from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from keys_kit import Kit, kit_on_copy, migrated_template


@pytest.fixture(scope="session")
def keys_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("keys-template"))


@pytest.fixture
def kit(keys_template: Path, tmp_path: Path) -> Iterator[Kit]:
    built = kit_on_copy(keys_template, tmp_path)
    yield built
    built.engine.dispose()
