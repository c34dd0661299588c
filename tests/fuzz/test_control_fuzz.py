"""schemathesis over every route of the control API (/sandex/v1) of a real server, with the admin token.

No request may crash sandex (HTTP 5xx), and every answer must be what /sandex/v1/openapi.json
promises. The server is the module's own: this fuzz resets state, moves the clock, injects faults.
"""

from __future__ import annotations

from typing import cast

import pytest
import schemathesis

from sandex.testing.server import RunningServer
from sandex.transport.control import PREFIX, ControlContext, build_control_app
from sandex.transport.okx.auth import served_routes
from tests.support.fuzz import Bearer, fuzz, load_schema

pytestmark = pytest.mark.slow

# The routes the control app serves (its context is not needed to list them).
ROUTES = sorted(
    f"{route.method} {route.path}"
    for route in served_routes(build_control_app(cast(ControlContext, None)))
    if route.dependant is not None  # FastAPI's own docs pages are not part of the API
)


@pytest.fixture(scope="module")
def control_schema(control_server: RunningServer) -> schemathesis.BaseSchema:
    return load_schema(control_server, f"{PREFIX}/openapi.json")


@pytest.mark.parametrize("route", ROUTES)
def test_no_control_request_crashes_sandex_or_breaks_the_document(
    route: str, control_server: RunningServer, control_schema: schemathesis.BaseSchema
) -> None:
    base_url = f"{control_server.base_url}{PREFIX}"
    fuzz(control_schema, route, base_url, Bearer(control_server.runtime.admin_token))
