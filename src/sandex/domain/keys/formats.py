"""The shapes of the strings a user gets for a key: apiKey and secretKey, as OKX issues them.

The service draws the random bytes with `secrets.token_bytes(16)`.
"""

from __future__ import annotations

RANDOM_BYTES = 16
API_KEY_LENGTH = 36
_DASHES = slice(8, 24, 5)  # positions 8, 13, 18 and 23
_HEX_LOWER = frozenset("0123456789abcdef")


def format_api_key(raw: bytes) -> str:
    """`8-4-4-4-12` lowercase hex, e.g. `b68428e0-...`: what OKX keys look like."""
    _need_16(raw)
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def format_secret(raw: bytes) -> str:
    """32 uppercase hex characters, e.g. `22582BD0CFF14C41EDBF1AB98506286D`."""
    _need_16(raw)
    return raw.hex().upper()


def is_api_key_format(text: str) -> bool:
    """Could `text` be a key we issued? Lets auth refuse garbage without a lookup (no regex)."""
    if len(text) != API_KEY_LENGTH or text[_DASHES] != "----":
        return False
    return _HEX_LOWER.issuperset(text.replace("-", ""))


def _need_16(raw: bytes) -> None:
    if len(raw) != RANDOM_BYTES:
        raise ValueError(f"need exactly {RANDOM_BYTES} random bytes")
