"""`sandex serve` starts without cyclic garbage collection; the app's lifespan turns it back on."""

from __future__ import annotations

import gc

from sandex.app import create_app
from sandex.config import Settings


async def test_collections_are_back_on_once_the_app_has_started(settings: Settings) -> None:
    gc.disable()  # as `sandex serve` does before it imports and builds the app
    try:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            assert gc.isenabled()  # a long-running server must not keep its garbage cycles
    finally:
        gc.enable()
