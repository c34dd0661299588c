"""schemathesis against a real sandex server on loopback: settings, checks, request signers.

Signing happens on the prepared request (`requests` auth), so the signature covers the path, query
and body exactly as they go out, whatever schemathesis generated.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sandex.client.models import Credentials
from sandex.client.sync import ControlClient
from sandex.config import Settings
from sandex.domain.keys.signing import prehash, sign
from sandex.domain.keys.timestamps import format_rest_timestamp
from sandex.testing.server import RunningServer
from sandex.transport.okx.auth import is_public_path
from sandex.transport.okx.demo import DEMO_HEADER
from tests.support.db import migrated_data_dir

# No 5xx, and every answer as documented. Bounded so that both APIs together take a few minutes on
# a loaded 2-core box: few examples per operation, no shrinking (a failure still names its request).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# SANDEX_FUZZ_EXAMPLES=1000 SANDEX_FUZZ_RANDOM=1 explores further by hand.
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("SANDEX_FUZZ_EXAMPLES", "40")),
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    derandomize=os.environ.get("SANDEX_FUZZ_RANDOM") != "1",  # by default the same requests every run
    database=None,
    suppress_health_check=list(HealthCheck),
)
FUNDS = {"USDT": "100000", "BTC": "10", "ETH": "100"}
LOOPBACK = "127.0.0.1"
SUB_ACCOUNT = "fuzzsub01"


@dataclass(frozen=True, slots=True)
class Fuzzed:
    server: RunningServer
    live: Credentials  # every permission, bound to 127.0.0.1: private handlers are reached
    demo: Credentials


def server_settings(tmp: Path) -> Settings:
    """No rate limits (every request reaches its handler) and a still market (no background trades)."""
    return Settings(data_dir=migrated_data_dir(tmp / "data"), rate_limits="off", market=False)


def funded_keys(server: RunningServer) -> tuple[Credentials, Credentials]:
    with ControlClient(server.base_url, server.runtime.admin_token) as control:
        user = control.create_user("fuzz@sandex.test")
        control.create_subaccount(user.uid, SUB_ACCOUNT)
        keys = []
        for demo in (False, True):
            key = control.create_key(user.uid, perm="read_only,trade,withdraw", ip=LOOPBACK, demo=demo)
            for ccy, amount in FUNDS.items():
                control.deposit(user.uid, ccy, amount, demo=demo)
            keys.append(key.credentials)
    return keys[0], keys[1]


def load_schema(server: RunningServer, path: str) -> schemathesis.BaseSchema:
    """The document as the server serves it."""
    answer = requests.get(f"{server.base_url}{path}", timeout=30)
    answer.raise_for_status()
    return schemathesis.openapi.from_dict(answer.json())


def fuzz(
    schema: schemathesis.BaseSchema,
    route: str,
    base_url: str,
    auth: requests.auth.AuthBase,
    examples: int = FUZZ_SETTINGS.max_examples,
) -> None:
    """Send the documented example, then valid and invalid requests to one operation (`route`:
    "METHOD /path") and check every answer.

    schemathesis's own pytest integration does not run under pytest 9, so this drives hypothesis
    directly with the operation's strategies."""
    method, path = route.split(" ")
    operation = schema[path][method]
    documented = schema.get_strategies_from_examples(operation)  # e.g. an order that gets placed
    cases = st.one_of(*documented, *(operation.as_strategy(mode) for mode in GenerationMode))

    @settings(FUZZ_SETTINGS, max_examples=examples)
    @given(case=cases)
    def run(case: Case) -> None:
        case.call_and_validate(base_url=base_url, checks=CHECKS, auth=auth, timeout=60)

    run()


class OkxSigner(requests.auth.AuthBase):
    """OK-ACCESS-* headers over the request as sent; the demo header follows the key."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        target = request.path_url
        if is_public_path(target):
            return request
        body = request.body or b""
        timestamp = format_rest_timestamp(time.time_ns() // 1_000_000)
        message = prehash(
            timestamp, str(request.method), target, body.encode() if isinstance(body, str) else body
        )
        creds = self.credentials
        request.headers.update(
            {
                "OK-ACCESS-KEY": creds.api_key,
                "OK-ACCESS-SIGN": sign(creds.secret_key, message),
                "OK-ACCESS-TIMESTAMP": timestamp,
                "OK-ACCESS-PASSPHRASE": creds.passphrase,
            }
        )
        request.headers.pop(DEMO_HEADER, None)
        if creds.demo:
            request.headers[DEMO_HEADER] = "1"
        return request


class Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request
