"""Property: whatever one client sends, another client's outcome is the same, nothing answers 5xx,
and a request that is refused changes nothing.

Alice sends generated garbage (huge and odd numbers as strings or JSON numbers, bad fields, objects
where strings belong) as single orders, batches, amends and transfers, at the same moment as Bob
places and cancels a plain order: both go through the same group commits. Hypothesis shrinks any
failure to the smallest request that shows it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandex.domain.accounts.model import Environment
from sandex.process import Runtime
from sandex.services.funding.views import Funder
from sandex.services.trading.views import Trader as Owner
from tests.support.apps import sandbox
from tests.support.rest import INST, LIMIT, Trader, trader

T = TypeVar("T")

# JSON number literals, small to absurd (60 digits, 45 decimals, exponents to 999), edge values that
# broke the engine once, and texts that are not numbers at all
NUMBER_LITERALS = st.from_regex(
    r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,45})?([eE][+-]?[0-9]{1,3})?", fullmatch=True
)
EDGE_LITERALS = st.sampled_from(
    [
        "1e308",
        "-1e308",
        "1e28",
        "1E+30",
        "1e20",
        "99999999999999999999",
        "9223372036854775808",
        "1e-400",
        "0.0100000000000000000000000000000000000001",
        "100000001",
        "0",
        "-0",
        "20000",
        "0.01",
    ]
)
ODD_TEXTS = st.sampled_from(
    ["NaN", "Infinity", "", ".", "1e", "0x10", " 1 ", "+5", "5.", ".5", "9" * 70, "１", "1,5", "0.000000001"]
)
NUMBER = st.one_of(
    EDGE_LITERALS,  # as JSON numbers
    NUMBER_LITERALS,
    st.one_of(EDGE_LITERALS, NUMBER_LITERALS, ODD_TEXTS).map(json.dumps),  # as JSON strings
    st.sampled_from(["true", "null", "[]", '{"x": 1}']),
)
FIELDS = ("instId", "tdMode", "side", "ordType", "px", "sz", "clOrdId", "tgtCcy", "stpMode", "ordId")
WORDS = st.sampled_from(
    ['"BTC-USDT"', '"buy"', '"sell"', '"limit"', '"market"', '"cash"', '"x"', "1", "null"]
)


@st.composite
def _item(draw: st.DrawFn, numbers: tuple[str, ...]) -> str:
    """One order-like JSON object: a valid limit buy with some fields replaced by garbage."""
    fields = {key: json.dumps(value) for key, value in LIMIT.items()}
    for name in numbers:
        if draw(st.booleans()):
            fields[name] = draw(NUMBER)
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=2)):
        fields[name] = draw(st.one_of(NUMBER, WORDS))
    return "{" + ", ".join(f"{json.dumps(key)}: {value}" for key, value in fields.items()) + "}"


def _amend(numbers: str) -> str:
    return "{" + f'"instId": "{INST}", "ordId": "ORD", {numbers}' + "}"


REQUESTS = st.one_of(
    st.tuples(st.just("trade/order"), _item(("px", "sz"))),
    st.tuples(
        st.just("trade/batch-orders"),
        st.lists(_item(("px", "sz")), min_size=1, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    ),
    st.tuples(
        st.just("trade/amend-order"),
        st.tuples(NUMBER, NUMBER).map(lambda pair: _amend(f'"newPx": {pair[0]}, "newSz": {pair[1]}')),
    ),
    st.tuples(
        st.just("trade/amend-batch-orders"),
        st.lists(NUMBER, min_size=1, max_size=4).map(
            lambda values: "[" + ", ".join(_amend(f'"newSz": {v}') for v in values) + "]"
        ),
    ),
    st.tuples(
        st.just("asset/transfer"),
        NUMBER.map(lambda amt: f'{{"ccy": "USDT", "amt": {amt}, "from": "18", "to": "6"}}'),
    ),
)


def test_garbage_from_one_client_never_touches_another(tmp_path: Path) -> None:
    with _served(tmp_path) as (run, box):
        alice, bob = trader(box), trader(box, "bob@example.com")
        run(alice.deposit("USDT", "100000"))
        run(bob.deposit("USDT", "1000"))
        resting = run(alice.placed_id(px="100", sz="1", clOrdId="rest"))
        rt = box.runtime

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(request=REQUESTS)
        def check(request: tuple[str, str]) -> None:
            path, body = request
            run(_one_round(rt, alice, bob, path, body.replace("ORD", resting)))

        check()
        assert rt.trading.sequencer.failures == 0


async def _one_round(rt: Runtime, alice: Trader, bob: Trader, path: str, body: str) -> None:
    before = _state(rt, alice)
    bob_before = _state(rt, bob)
    garbage, bobs = await asyncio.gather(alice.post_raw(path, body), bob.place(px="90", sz="0.01"))
    assert garbage.status_code < 500, (path, body, garbage.text)
    answer = garbage.json()
    assert answer["code"] != "50026", (path, body, answer)
    # Bob's order is placed whatever Alice sent, and canceling it gives him back exactly what he had
    assert [(i["sCode"], i["sMsg"]) for i in bobs["data"]] == [("0", "Order placed")], bobs
    canceled = await bob.post("trade/cancel-order", {"instId": INST, "ordId": bobs["data"][0]["ordId"]})
    assert canceled["data"][0]["sCode"] == "0", canceled
    assert _state(rt, bob) == bob_before
    items = answer.get("data") or []
    refused = answer["code"] != "0" and all(item.get("sCode", "1") != "0" for item in items)
    if refused:
        assert _state(rt, alice) == before, (path, body, answer)
    else:  # something went through: back to one resting order so every round starts alike
        await _cancel_all_but(rt, alice, before)


def _state(rt: Runtime, who: Trader) -> tuple[Any, ...]:
    """What a refusal must leave alone: balances of both accounts and the pending orders."""
    owner = Owner(who.user.id, Environment.LIVE)
    balances = rt.trading.service.balances(owner)
    pending = rt.trading.service.pending_orders(owner)
    funder = Funder(who.user.id, Environment.LIVE)
    funding = sorted((b.ccy, b.available, b.frozen) for b in rt.funding.service.balances(funder))
    return (
        sorted((d.ccy, d.available, d.frozen) for d in balances.details),
        sorted((o.ord_id, o.px, o.sz, o.state) for o in pending),
        funding,
    )


async def _cancel_all_but(rt: Runtime, alice: Trader, before: tuple[Any, ...]) -> None:
    keep = {ord_id for ord_id, *_ in before[1]}
    owner = Owner(alice.user.id, Environment.LIVE)
    for order in rt.trading.service.pending_orders(owner):
        if order.ord_id not in keep:
            await alice.post("trade/cancel-order", {"instId": INST, "ordId": order.ord_id})


@contextmanager
def _served(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """An in-process exchange on an event loop of its own, so that Hypothesis (synchronous, with
    shrinking) can drive it example by example."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="garbage-exchange", daemon=True)
    thread.start()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=120)

    opened = sandbox(tmp_path)
    box = run(opened.__aenter__())
    try:
        yield run, box
    finally:
        run(opened.__aexit__(None, None, None))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
