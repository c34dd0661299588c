"""What OKX handlers may use, handed over by the composition root (`sandex.app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from sandex.domain.clock import Clock
from sandex.services.catalogue import CatalogueService


@dataclass(slots=True)
class OkxContext:
    clock: Clock
    catalogue: CatalogueService


def _context(request: Request) -> OkxContext:
    context: OkxContext = request.app.state.okx
    return context


Ctx = Annotated[OkxContext, Depends(_context)]
