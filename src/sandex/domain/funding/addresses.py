"""Simulated chain addresses: stable deposit addresses per (environment, user, chain), and the rules
a withdrawal destination must meet.

Deposit addresses are derived, never stored secrets: HMAC-SHA256 of a server secret over the
environment, the user's uid and the chain, drawn into the alphabet and shape of the chain's family
(an EVM address looks like `0x…` 40 hex digits, a TRON one like `T…` base58, …), so clients that
check address syntax accept them. Chains that need a tag/memo (XRP, XLM, TON…) work as exchanges
do: one shared address per chain and environment, and a per-user numeric tag.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.address_formats import fits_family
from sandex.domain.instruments import Chain

_HEX = "0123456789abcdef"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_DIGITS = "0123456789"

# chain family -> (prefix, alphabet, length of the random part)
_SHAPES: dict[str, tuple[str, str, int]] = {
    "evm": ("0x", _HEX, 40),
    "tron": ("T", _B58, 33),
    "bitcoin": ("bc1q", _BECH32, 38),
    "litecoin": ("ltc1q", _BECH32, 38),
    "bitcoincash": ("q", _BECH32, 41),
    "dogecoin": ("D", _B58, 33),
    "solana": ("", _B58, 44),
    "ripple": ("r", _B58, 33),
    "stellar": ("G", _B32, 55),
    "ton": ("UQ", _B64URL, 46),
    "cardano": ("addr1q", _BECH32, 98),
    "sui": ("0x", _HEX, 64),
    "hedera": ("0.0.", _DIGITS, 7),
    "monero": ("4", _B58, 94),
    "polkadot": ("1", _B58, 47),
    "zcash": ("t1", _B58, 33),
    "other": ("sx", _HEX, 40),
}
# the network part of OKX chain names ("USDT-ERC20" -> "erc20") -> family
_FAMILIES = {
    "erc20": "evm",
    "bsc": "evm",
    "avalanche c-chain": "evm",
    "polygon": "evm",
    "arbitrum one": "evm",
    "optimism": "evm",
    "base": "evm",
    "x layer": "evm",
    "hyperliquid": "evm",
    "trc20": "tron",
    "bitcoin": "bitcoin",
    "litecoin": "litecoin",
    "bitcoincash": "bitcoincash",
    "dogecoin": "dogecoin",
    "solana": "solana",
    "ripple": "ripple",
    "stellar lumens": "stellar",
    "pi network": "stellar",
    "ton": "ton",
    "cardano": "cardano",
    "sui": "sui",
    "hedera": "hedera",
    "monero": "monero",
    "polkadot": "polkadot",
    "zcash": "zcash",
}
TAG_MIN, TAG_SPAN = 100_000_000, 900_000_000  # tags are 9-digit numbers (XRP tags are uint32)
ADDRESS_MAX = 128
XRP_TAG_MAX = 2**32 - 1  # XRP destination tags are uint32


@dataclass(frozen=True, slots=True)
class DepositAddress:
    chain: str
    addr: str
    tag: str | None = None  # the memo/tag the sender must add; None when the chain needs none
    tag_field: str = "memo"  # how OKX names it on this chain: "tag" (XRP) or "memo"


def network_of(chain_name: str) -> str:
    """`USDT-ERC20` -> `erc20`; `XLM-Stellar Lumens` -> `stellar lumens`."""
    return chain_name.partition("-")[2].lower() or chain_name.lower()


def family_of(chain_name: str) -> str:
    return _FAMILIES.get(network_of(chain_name), "other")


def tag_field_of(chain_name: str) -> str:
    """How OKX names a chain's tag: `tag` on XRP, `memo` elsewhere."""
    return "tag" if family_of(chain_name) == "ripple" else "memo"


def deposit_address(secret: bytes, environment: str, uid: str, chain: Chain) -> DepositAddress:
    """The user's deposit address on `chain` in `environment` (same inputs, same address, always)."""
    shape = _SHAPES[family_of(chain.name)]
    if not chain.needs_tag:
        return DepositAddress(chain.name, _draw(secret, f"addr|{environment}|{uid}|{chain.name}", shape))
    shared = _draw(secret, f"shared|{environment}|{chain.name}", shape)
    tag = TAG_MIN + int.from_bytes(_stream(secret, f"tag|{environment}|{uid}|{chain.name}", 8)) % TAG_SPAN
    return DepositAddress(chain.name, shared, str(tag), tag_field_of(chain.name))


def _draw(secret: bytes, seed: str, shape: tuple[str, str, int]) -> str:
    prefix, alphabet, length = shape
    data = _stream(secret, seed, length)
    return prefix + "".join(alphabet[byte % len(alphabet)] for byte in data)


def _stream(secret: bytes, seed: str, size: int) -> bytes:
    """`size` pseudo-random bytes from HMAC-SHA256 in counter mode."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hmac.new(secret, f"{seed}|{counter}".encode(), hashlib.sha256).digest()
        counter += 1
    return out[:size]


# --- withdrawal destinations ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Destination:
    addr: str
    tag: str  # "" when the chain takes none


def parse_destination(to_addr: str, needs_tag: bool) -> Destination | Rejected:
    """OKX `toAddr` for an on-chain withdrawal: `address`, or `address:tag` on chains with tags."""
    addr, colon, tag = to_addr.strip().rpartition(":") if needs_tag else (to_addr.strip(), "", "")
    if needs_tag and (not colon or not tag or not addr):
        return Rejected(Reason.WITHDRAWAL_TAG_REQUIRED)
    if not is_plausible_address(addr) or (tag and not is_plausible_tag(tag)):
        return Rejected(Reason.WITHDRAWAL_ADDRESS_INVALID)
    return Destination(addr, tag)


def parse_chain_destination(to_addr: str, chain: Chain) -> Destination | Rejected:
    """`parse_destination`, and the address must have its chain's shape (58222), an XRP tag be a
    32-bit unsigned number (58222)."""
    destination = parse_destination(to_addr, chain.needs_tag)
    if isinstance(destination, Rejected):
        return destination
    family = family_of(chain.name)
    tag_ok = family != "ripple" or (destination.tag.isdigit() and int(destination.tag) <= XRP_TAG_MAX)
    if fits_family(destination.addr, family) and tag_ok:
        return destination
    return Rejected(Reason.WITHDRAWAL_ADDRESS_INVALID)


def is_plausible_address(addr: str) -> bool:
    """What any chain address is: 8-128 printable characters, no spaces, not one repeated character."""
    return (
        8 <= len(addr) <= ADDRESS_MAX
        and addr.isascii()
        and addr.isprintable()
        and not any(ch.isspace() for ch in addr)
        and len(set(addr)) > 1
    )


def is_plausible_tag(tag: str) -> bool:
    return 0 < len(tag) <= 64 and tag.isascii() and tag.isprintable() and not any(c.isspace() for c in tag)
