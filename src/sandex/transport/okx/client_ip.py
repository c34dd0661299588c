"""The caller's IP address: the socket peer, or X-Forwarded-For when the peer is a trusted proxy.

Used for per-IP rate limits and API-key IP allow-lists, so a client must not be able to choose it:
X-Forwarded-For is read only when the peer is listed in `Settings.trusted_proxies` (addresses or
CIDR networks), and then from the right, skipping trusted hops; the first untrusted hop is the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from starlette.requests import HTTPConnection

from sandex.domain.keys.ips import IPNetwork, parse_address, parse_network

UNKNOWN = "0.0.0.0"  # noqa: S104 - not a bind address: the peer of a transport that reports none


def client_ip(request: HTTPConnection, trusted: Sequence[str]) -> str:
    """The client address as canonical text (`1.2.3.4`, `2001:db8::1`; IPv4-mapped IPv6 unwrapped)."""
    peer = _canonical(request.client.host) if request.client else UNKNOWN
    if not trusted:
        return peer
    networks = _networks(tuple(trusted))
    if not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    current = peer
    for hop in reversed([hop for hop in hops if hop]):
        address = parse_address(hop)
        if address is None:  # garbage in the header: the last proxy we trust is as far as we can see
            return current
        current = str(address)
        if not _is_trusted(current, networks):
            return current
    return current


@lru_cache(maxsize=4096)
def _canonical(host: str) -> str:
    address = parse_address(host)
    return str(address) if address is not None else host


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    parsed = (parse_network(entry) for entry in trusted)
    return tuple(network for network in parsed if network is not None)


def _is_trusted(ip: str, networks: tuple[IPNetwork, ...]) -> bool:
    address = parse_address(ip)
    return address is not None and any(address in network for network in networks)
