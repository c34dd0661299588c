"""Order steps are built for the WS `orders` channel only while a session subscribes to it: the hub
carries that demand from the WS sessions to the sequencer's notifier (books and tickers, which also
subscribe to order changes, need only each order's latest state)."""

from __future__ import annotations

from sandex.domain.accounts.model import Environment
from sandex.runtime.hub import Hub
from sandex.services.exchange.events import OrdersChanged
from sandex.transport.okx.ws.channels import ORDERS, Topic
from sandex.transport.okx.ws.protocol import Kind
from sandex.transport.okx.ws.sessions import Session, SessionRegistry


def test_the_hub_says_an_event_is_demanded_only_while_a_demand_says_so() -> None:
    hub, wanted = Hub(), [False]
    assert not hub.demanded(OrdersChanged)
    withdraw = hub.demand(OrdersChanged, lambda: wanted[0])
    assert not hub.demanded(OrdersChanged)
    wanted[0] = True
    assert hub.demanded(OrdersChanged)
    withdraw()
    assert not hub.demanded(OrdersChanged)


def test_the_registry_knows_whether_any_session_subscribes_to_a_channel() -> None:
    registry = SessionRegistry()
    one = Session("c1", Kind.PRIVATE, Environment.LIVE, "127.0.0.1")
    two = Session("c2", Kind.PRIVATE, Environment.LIVE, "127.0.0.1")
    for session in (one, two):
        registry.add(session)
    spot, eth = Topic(ORDERS, inst_type="SPOT"), Topic(ORDERS, inst_type="SPOT", inst_id="ETH-USDT")
    assert not registry.has_channel(ORDERS)
    assert registry.subscribe(one, spot)
    assert not registry.subscribe(one, spot)  # the same topic again counts once
    assert registry.subscribe(two, eth)
    assert registry.has_channel(ORDERS)
    assert registry.unsubscribe(one, spot)
    assert registry.has_channel(ORDERS)
    registry.remove(two)  # a closed connection takes its subscriptions with it
    assert not registry.has_channel(ORDERS)
