from __future__ import annotations

import pytest
from accounts_kit import PASSWORD, Kit, make_kit

from sandex.services.accounts.service import UserView


@pytest.fixture
def kit() -> Kit:
    return make_kit()


@pytest.fixture
def alice(kit: Kit) -> UserView:
    """A registered user, alice@example.test, with the kit's password."""
    user = kit.service.register("alice@example.test", PASSWORD)
    assert isinstance(user, UserView)
    return user
