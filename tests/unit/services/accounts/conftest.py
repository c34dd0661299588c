from __future__ import annotations

import pytest

from sandex.services.accounts.service import UserView
from tests.support.accounts import Kit, make_kit
from tests.support.factories import PASSWORD


@pytest.fixture
def kit() -> Kit:
    return make_kit()


@pytest.fixture
def alice(kit: Kit) -> UserView:
    """A registered user, alice@example.test, with the kit's password."""
    user = kit.service.register("alice@example.test", PASSWORD)
    assert isinstance(user, UserView)
    return user
