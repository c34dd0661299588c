"""schemathesis over every documented OKX route of a real server, signed with a real key.

No request, valid or not, may crash sandex (HTTP 5xx), and every answer must be what
/sandex/openapi.json promises (status, content type, `{code,msg,data}` body).
"""

from __future__ import annotations

import pytest
import schemathesis

from sandex.transport.okx.auth import is_public_path
from sandex.transport.okx.openapi import OKX_ROUTES
from tests.support.fuzz import Fuzzed, OkxSigner, fuzz, load_schema

pytestmark = pytest.mark.slow

ROUTES = sorted(OKX_ROUTES)
PRIVATE = [key for key in ROUTES if not is_public_path(key.partition(" ")[2])]
DEMO_EXAMPLES = 15


@pytest.fixture(scope="module")
def okx_schema(okx_server: Fuzzed) -> schemathesis.BaseSchema:
    return load_schema(okx_server.server, "/sandex/openapi.json")


@pytest.mark.parametrize("route", ROUTES)
def test_no_okx_request_crashes_sandex_or_breaks_the_document(
    route: str, okx_server: Fuzzed, okx_schema: schemathesis.BaseSchema
) -> None:
    fuzz(okx_schema, route, okx_server.server.base_url, OkxSigner(okx_server.live))


@pytest.mark.parametrize("route", PRIVATE)
def test_no_demo_request_crashes_sandex_or_breaks_the_document(
    route: str, okx_server: Fuzzed, okx_schema: schemathesis.BaseSchema
) -> None:
    """The same with a demo key (x-simulated-trading: 1): the demo exchange and its accounts."""
    fuzz(okx_schema, route, okx_server.server.base_url, OkxSigner(okx_server.demo), examples=DEMO_EXAMPLES)
