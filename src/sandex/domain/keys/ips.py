"""API-key IP allow-lists: parsed once when a key is loaded, matched per request without regexes.

Entries are IPv4 or IPv6 addresses or networks (CIDR, or netmask form), separated by commas and/or
whitespace, at most 20. Host bits in a network are tolerated (`10.1.2.3/8` means `10.0.0.0/8`).
IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is treated as the IPv4 address, in the list and in requests.

A list that is empty or covers a whole address family (`0.0.0.0/0`, `::/0`, or pieces adding up to
it) is *unbound*: it lets every address through, and for the 14-day inactivity rule and the
withdraw permission it counts as no binding at all.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from sandex.domain.errors import Reason, Rejected

IPNetwork = IPv4Network | IPv6Network
IPAddress = IPv4Address | IPv6Address

MAX_ENTRIES = 20
_MAPPED_PREFIX = 96  # ::ffff:0:0/96 holds the IPv4-mapped addresses
_ANY_V4 = IPv4Network("0.0.0.0/0")
_ANY_V6 = IPv6Network("::/0")


@dataclass(frozen=True, slots=True)
class IpAllowList:
    networks: tuple[IPNetwork, ...] = ()
    # Derived once: matching is a string-set lookup for single-address entries (the common case),
    # else one address parse and integer range comparisons.
    unbound: bool = field(init=False, compare=False)
    _host_texts: frozenset[str] = field(init=False, compare=False, repr=False)
    _hosts: frozenset[tuple[int, int]] = field(init=False, compare=False, repr=False)
    _ranges: tuple[tuple[int, int, int], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        hosts = [net.network_address for net in self.networks if net.num_addresses == 1]
        ranges = tuple(
            (net.version, int(net.network_address), int(net.broadcast_address))
            for net in self.networks
            if net.num_addresses > 1
        )
        object.__setattr__(self, "unbound", _covers_a_family(self.networks))
        object.__setattr__(self, "_hosts", frozenset((host.version, int(host)) for host in hosts))
        object.__setattr__(self, "_host_texts", frozenset(str(host) for host in hosts))
        object.__setattr__(self, "_ranges", ranges)

    @property
    def entries(self) -> tuple[str, ...]:
        """Canonical text of each entry: `1.2.3.4` for one address, `10.0.0.0/8` for a network."""
        return tuple(str(n.network_address) if n.num_addresses == 1 else str(n) for n in self.networks)

    def to_text(self) -> str:
        """The comma-separated form OKX shows in `ip` fields ("" when there are none)."""
        return ",".join(self.entries)

    def allows(self, ip: str) -> bool:
        """Whether a request from `ip` (the client address as text) may use the key."""
        if self.unbound or ip in self._host_texts:
            return True
        address = parse_address(ip)
        if address is None:
            return False
        version, value = address.version, int(address)
        if (version, value) in self._hosts:
            return True
        return any(v == version and first <= value <= last for v, first, last in self._ranges)


def parse_ip_list(text: str) -> IpAllowList | Rejected:
    """The allow-list in `text`; KEY_IP_LIMIT (params: field, limit) or KEY_IP_INVALID (field, ip)."""
    tokens = text.replace(",", " ").split()
    if len(tokens) > MAX_ENTRIES:
        return Rejected.of(Reason.KEY_IP_LIMIT, field="ip", limit=str(MAX_ENTRIES))
    networks: dict[IPNetwork, None] = {}  # ordered, without duplicates
    for token in tokens:
        network = parse_network(token)
        if network is None:
            return Rejected.of(Reason.KEY_IP_INVALID, field="ip", ip=token)
        networks[network] = None
    return IpAllowList(tuple(networks))


def parse_network(text: str) -> IPNetwork | None:
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return _unmap_network(network)


@lru_cache(maxsize=4096)  # every signed request parses its client's address, usually the same few
def parse_address(text: str) -> IPAddress | None:
    """A client address, IPv6 zone dropped and IPv4-mapped IPv6 unwrapped; None if not an address."""
    try:
        if ":" not in text:  # pick the family up front: ip_address() tries v4 first, via an exception
            return IPv4Address(text)
        address = IPv6Address(text.partition("%")[0])
    except ValueError:
        return None
    return address if address.ipv4_mapped is None else address.ipv4_mapped


def _unmap_network(network: IPNetwork) -> IPNetwork:
    if isinstance(network, IPv4Network) or network.prefixlen < _MAPPED_PREFIX:
        return network
    mapped = network.network_address.ipv4_mapped
    if mapped is None:
        return network
    return IPv4Network((mapped, network.prefixlen - _MAPPED_PREFIX))


def _covers_a_family(networks: tuple[IPNetwork, ...]) -> bool:
    if not networks:
        return True
    v4 = [n for n in networks if isinstance(n, IPv4Network)]
    v6 = [n for n in networks if isinstance(n, IPv6Network)]
    all_v4 = list(ipaddress.collapse_addresses(v4)) == [_ANY_V4]
    return all_v4 or list(ipaddress.collapse_addresses(v6)) == [_ANY_V6]


UNBOUND = IpAllowList()  # no binding: every address may use the key
