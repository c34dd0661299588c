import pytest

from sandex.domain.accounts.recovery import (
    ALPHABET,
    find_recovery_code,
    normalise_recovery_code,
    recovery_codes,
)
from sandex.domain.errors import Reason, Rejected


def test_ten_codes_from_fifty_bytes() -> None:
    codes = recovery_codes(bytes(range(50)))
    assert len(codes) == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert set(code.replace("-", "")) <= set(ALPHABET)
    assert recovery_codes(b"\x00" * 5, count=1) == ("0000-0000",)
    assert recovery_codes(b"\xff" * 5, count=1) == ("zzzz-zzzz",)


def test_wrong_byte_count() -> None:
    with pytest.raises(ValueError, match="50"):
        recovery_codes(b"\x00" * 49)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ab12-cd34", "ab12-cd34"),
        ("AB12CD34", "ab12-cd34"),
        (" ab12 cd34 ", "ab12-cd34"),
        ("oIl0-0000", "0110-0000"),
    ],
)
def test_normalisation(typed: str, canonical: str) -> None:
    assert normalise_recovery_code(typed) == canonical


@pytest.mark.parametrize("typed", ["", "ab12-cd3", "ab12-cd345", "ab12-cd3u", "ab12_cd34"])
def test_not_codes(typed: str) -> None:
    assert normalise_recovery_code(typed) is None


def test_find_uses_the_canonical_form() -> None:
    stored = ["hash:0000-0000", "hash:ab12-cd34"]

    def verify_hash(stored_hash: str, code: str) -> bool:
        return stored_hash == "hash:" + code

    assert find_recovery_code("AB12 CD34", stored, verify_hash) == 1
    assert find_recovery_code("zzzz-zzzz", stored, verify_hash) == Rejected.of(
        Reason.TOTP_INVALID, field="recovery_code"
    )
    assert find_recovery_code("garbage", stored, verify_hash) == Rejected.of(
        Reason.TOTP_INVALID, field="recovery_code"
    )
