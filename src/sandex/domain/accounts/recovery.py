"""TOTP recovery codes: format and normalisation (the service draws the bytes and argon2-hashes).

Ten codes of 40 random bits each, shown as `xxxx-xxxx` in lowercase Crockford base32 (no i, l, o, u,
so nothing is misread). Typing is forgiving: any case, with or without the hyphen or spaces, and
o/i/l read as 0/1/1. Always hash and compare the canonical form `normalise_recovery_code` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sandex.domain.errors import Reason, Rejected

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CODE_COUNT = 10
BYTES_PER_CODE = 5  # 40 bits -> 8 base32 characters
_HALF = 4
_LOOKALIKES = str.maketrans({"o": "0", "i": "1", "l": "1", "-": None, " ": None})


def recovery_codes(raw: bytes, count: int = CODE_COUNT) -> tuple[str, ...]:
    """`count` codes from `count * 5` random bytes."""
    if len(raw) != count * BYTES_PER_CODE:
        raise ValueError(f"need exactly {count * BYTES_PER_CODE} random bytes")
    chunks = (raw[i : i + BYTES_PER_CODE] for i in range(0, len(raw), BYTES_PER_CODE))
    return tuple(_encode(chunk) for chunk in chunks)


def _encode(chunk: bytes) -> str:
    value = int.from_bytes(chunk, "big")
    chars = "".join(ALPHABET[(value >> shift) & 0x1F] for shift in range(35, -1, -5))
    return f"{chars[:_HALF]}-{chars[_HALF:]}"


def normalise_recovery_code(text: str) -> str | None:
    """The canonical `xxxx-xxxx` form of what the user typed, or None if it cannot be a code."""
    compact = text.strip().lower().translate(_LOOKALIKES)
    if len(compact) != 2 * _HALF or any(ch not in ALPHABET for ch in compact):
        return None
    return f"{compact[:_HALF]}-{compact[_HALF:]}"


def find_recovery_code(
    candidate: str, stored_hashes: Sequence[str], verify_hash: Callable[[str, str], bool]
) -> int | Rejected:
    """Index of the stored hash `candidate` matches (the service deletes it: single use).

    `verify_hash(hash, canonical_code)` is the service's argon2 check. Refusal: TOTP_INVALID.
    """
    code = normalise_recovery_code(candidate)
    if code is not None:
        for index, stored in enumerate(stored_hashes):
            if verify_hash(stored, code):
                return index
    return Rejected.of(Reason.TOTP_INVALID, field="recovery_code")
