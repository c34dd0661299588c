"""Which `Host` headers sandex serves: its own names with any port, never a rebound stranger."""

from __future__ import annotations

import pytest

from sandex.transport.hosts import AllowedHosts


@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "[::1]", "LOCALHOST.", "sandex.test"],
)
def test_loopback_names_are_served_with_or_without_a_port(host: str) -> None:
    assert AllowedHosts("127.0.0.1").allows(host)


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil.example", "10.0.0.5"],
)
def test_a_rebound_name_or_another_address_is_refused_on_a_loopback_server(host: str) -> None:
    assert not AllowedHosts("127.0.0.1").allows(host)


def test_the_listen_address_and_allowed_names_are_served() -> None:
    allowed = AllowedHosts("192.168.1.5", ["sandex.lan", "Box.Example"])
    for host in ("192.168.1.5:8000", "sandex.lan", "box.example:443", "localhost:8000"):
        assert allowed.allows(host), host
    assert not allowed.allows("evil.example")
    assert not allowed.allows("192.168.1.6")


def test_an_ipv6_listen_address_is_served_in_brackets() -> None:
    allowed = AllowedHosts("fd00::5")
    assert allowed.allows("[fd00::5]:8000")
    assert not allowed.allows("[fd00::6]:8000")


def test_listening_everywhere_serves_ip_literals_but_still_not_strange_names() -> None:
    allowed = AllowedHosts("0.0.0.0")  # noqa: S104 - a setting, not a bind
    assert allowed.allows("192.168.1.5:8000") and allowed.allows("[fd00::5]:8000")
    assert not allowed.allows("evil.example")
    assert not allowed.allows("0.0.0.0.evil.example")


def test_a_star_serves_any_name() -> None:
    assert AllowedHosts("127.0.0.1", ["*"]).allows("anything.example")
