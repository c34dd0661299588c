from __future__ import annotations

import pytest
from accounts_kit import Kit, make_kit


@pytest.fixture
def kit() -> Kit:
    return make_kit()
