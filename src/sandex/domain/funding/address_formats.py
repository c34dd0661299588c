"""What a withdrawal address looks like on each chain family (syntax only: no checksums, as
sandex's own deposit addresses are drawn in the family's shape without one).

A destination must look like an address of its chain (58222 otherwise): `not-an-address` is no
TRON address, an `0x…` EVM address is no Bitcoin one. Families sandex does not know (`other`) keep
only the generic plausibility rule of `addresses.is_plausible_address`.
"""

from __future__ import annotations

import re

_B58 = "1-9A-HJ-NP-Za-km-z"  # Bitcoin's base58 alphabet (XRP uses the same characters)
_BECH32 = "02-9ac-hj-np-z"  # bech32 data characters: no 1, b, i, o
_BASE58 = f"[{_B58}]"

# chain family (see `addresses.family_of`) -> the whole address, as OKX users paste it
_FORMATS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "evm": r"0x[0-9a-fA-F]{40}",
        "tron": rf"T{_BASE58}{{33}}",
        # bech32 (bc1q…/bc1p…) or legacy base58 (1… P2PKH, 3… P2SH)
        "bitcoin": rf"bc1[{_BECH32}]{{11,71}}|[13]{_BASE58}{{25,34}}",
        "litecoin": rf"ltc1[{_BECH32}]{{11,71}}|[LM3]{_BASE58}{{25,34}}",
        # cashaddr with or without its `bitcoincash:` prefix, or legacy base58
        "bitcoincash": rf"(bitcoincash:)?[qp][{_BECH32}]{{41}}|[13]{_BASE58}{{25,34}}",
        "dogecoin": rf"[DA9]{_BASE58}{{25,34}}",
        "solana": rf"{_BASE58}{{32,44}}",
        "ripple": rf"r{_BASE58}{{24,34}}",
        "stellar": r"G[A-Z2-7]{55}",
        # user-friendly base64url (EQ…/UQ…/kQ…/0Q…) or raw `workchain:hex`
        "ton": r"[EUk0]Q[A-Za-z0-9_-]{46}|-?[0-9]+:[0-9a-fA-F]{64}",
        "cardano": rf"addr1[{_BECH32}]{{53,110}}|(Ae2|DdzFF){_BASE58}{{50,120}}",
        "sui": r"0x[0-9a-fA-F]{64}",
        "hedera": r"[0-9]{1,10}\.[0-9]{1,10}\.[0-9]{1,12}",
        "monero": rf"[48]{_BASE58}{{94}}|4{_BASE58}{{105}}",
        "polkadot": rf"1{_BASE58}{{45,47}}",
        "zcash": rf"t[13]{_BASE58}{{33}}",
    }.items()
}


def fits_family(addr: str, family: str) -> bool:
    """Whether `addr` has the shape of an address of `family` (any plausible one for `other`)."""
    pattern = _FORMATS.get(family)
    return pattern is None or pattern.fullmatch(addr) is not None
