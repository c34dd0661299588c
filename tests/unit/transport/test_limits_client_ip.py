"""The caller's IP: the peer, or X-Forwarded-For only through proxies the operator trusts."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from sandex.transport.okx.client_ip import UNKNOWN, client_ip


def request(peer: str | None, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""}
    if peer is not None:
        scope["client"] = (peer, 50000)
    return Request(scope)


def test_without_trusted_proxies_the_peer_is_the_client_and_the_header_is_ignored() -> None:
    assert client_ip(request("203.0.113.9", "6.6.6.6"), ()) == "203.0.113.9"


def test_an_untrusted_peer_cannot_choose_its_address() -> None:
    assert client_ip(request("203.0.113.9", "6.6.6.6"), ("10.0.0.0/8",)) == "203.0.113.9"


def test_a_trusted_proxy_forwards_the_client() -> None:
    assert client_ip(request("10.0.0.2", "198.51.100.7"), ("10.0.0.2",)) == "198.51.100.7"


def test_hops_are_read_from_the_right_so_a_spoofed_left_entry_is_ignored() -> None:
    # The client sent "X-Forwarded-For: 6.6.6.6"; our two proxies appended the real client and themselves.
    forwarded = request("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.1")
    assert client_ip(forwarded, ("10.0.0.0/8",)) == "198.51.100.7"


def test_several_header_lines_are_one_list() -> None:
    assert client_ip(request("10.0.0.2", "6.6.6.6", "198.51.100.7"), ("10.0.0.0/8",)) == "198.51.100.7"


def test_garbage_stops_at_the_last_trusted_hop() -> None:
    assert client_ip(request("10.0.0.2", "not-an-ip, 10.0.0.1"), ("10.0.0.0/8",)) == "10.0.0.1"
    assert client_ip(request("10.0.0.2", "nonsense"), ("10.0.0.0/8",)) == "10.0.0.2"


def test_all_hops_trusted_gives_the_leftmost() -> None:
    assert client_ip(request("10.0.0.2", "10.0.0.5, 10.0.0.1"), ("10.0.0.0/8",)) == "10.0.0.5"


def test_a_trusted_proxy_without_the_header_is_the_client() -> None:
    assert client_ip(request("10.0.0.2"), ("10.0.0.0/8",)) == "10.0.0.2"


@pytest.mark.parametrize(
    ("peer", "expected"),
    [("::ffff:192.0.2.1", "192.0.2.1"), ("2001:DB8::1", "2001:db8::1"), ("fe80::1%eth0", "fe80::1")],
)
def test_addresses_are_canonical(peer: str, expected: str) -> None:
    assert client_ip(request(peer), ()) == expected


def test_ipv6_proxies_and_clients() -> None:
    assert client_ip(request("2001:db8::2", "2001:db8:1::9"), ("2001:db8::/64",)) == "2001:db8:1::9"


def test_no_peer_is_a_fixed_placeholder() -> None:
    assert client_ip(request(None), ()) == UNKNOWN == "0.0.0.0"  # noqa: S104
