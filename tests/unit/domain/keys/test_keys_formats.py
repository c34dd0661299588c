import pytest

from sandex.domain.keys.formats import format_api_key, format_secret, is_api_key_format

RAW = bytes(range(16))


def test_api_key_is_uuid_like_lowercase_hex() -> None:
    assert format_api_key(RAW) == "00010203-0405-0607-0809-0a0b0c0d0e0f"
    assert is_api_key_format(format_api_key(b"\xff" * 16))


def test_secret_is_32_uppercase_hex() -> None:
    assert format_secret(RAW) == "000102030405060708090A0B0C0D0E0F"


@pytest.mark.parametrize("fn", [format_api_key, format_secret])
def test_needs_exactly_16_bytes(fn: object) -> None:
    assert callable(fn)
    with pytest.raises(ValueError, match="16"):
        fn(b"\x00" * 15)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "00010203-0405-0607-0809-0A0B0C0D0E0F",
        "000102030405-0607-0809-0a0b0c0d0e0f",
        "00010203-0405-0607-0809-0a0b0c0d0e0g",
        "00010203-0405-0607-0809-0a0b0c0d0e0f0",
        "٠" * 36,
    ],
)
def test_malformed_keys_are_recognised(text: str) -> None:
    assert not is_api_key_format(text)
