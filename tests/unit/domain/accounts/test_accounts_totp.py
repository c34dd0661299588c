import base64
import binascii

import pyotp
import pytest

from sandex.domain.accounts.totp import STEP_S, hotp, step_at, verify_totp
from sandex.domain.errors import Reason, Rejected

SECRET_B32 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SECRET = base64.b32decode(SECRET_B32)
T0 = 1_700_000_010_000  # inside a step, away from its edges
INVALID = Rejected.of(Reason.TOTP_INVALID, field="totp")
STEP_MS = STEP_S * 1000
MIN_SECRET_BYTES = 10  # 80 bits, RFC 4226's minimum; pyotp.random_base32() gives 20 bytes


def totp_at(secret: bytes, now_ms: int) -> str:
    """The code an authenticator app shows at `now_ms`."""
    return hotp(secret, step_at(now_ms))


def decode_secret(text: str) -> bytes | None:
    """Raw secret bytes from base32 text as shown to users (any case, spaces, missing padding)."""
    compact = text.replace(" ", "").replace("-", "").upper()
    if not compact.isascii():
        return None
    try:
        raw = base64.b32decode(compact + "=" * (-len(compact) % 8))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) >= MIN_SECRET_BYTES else None


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")],
)
def test_rfc6238_sha1_vectors(seconds: int, expected: str) -> None:
    assert hotp(b"12345678901234567890", step_at(seconds * 1000), digits=8) == expected


@pytest.mark.parametrize("offset_s", [0, 1, 29, 30, 12345, 987654321])
def test_matches_pyotp(offset_s: int) -> None:
    moment_ms = T0 + offset_s * 1000
    assert totp_at(SECRET, moment_ms) == pyotp.TOTP(SECRET_B32).at(moment_ms // 1000)


def test_secret_from_pyotp_round_trips() -> None:
    secret = pyotp.random_base32()
    raw = decode_secret(secret.lower())
    assert raw is not None
    assert totp_at(raw, T0) == pyotp.TOTP(secret).at(T0 // 1000)


@pytest.mark.parametrize("text", ["", "JBSWY3DP", "not base32!", "ÄBC" * 10, "JBSWY3DPEHPK3PXP1"])
def test_unusable_secrets(text: str) -> None:
    assert decode_secret(text) is None


def test_secret_tolerates_spaces_case_and_padding() -> None:
    assert decode_secret("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp") == SECRET


def test_current_code_accepted_and_step_returned() -> None:
    code = pyotp.TOTP(SECRET_B32).at(T0 // 1000)
    assert verify_totp(SECRET, code, T0, None) == step_at(T0)


@pytest.mark.parametrize("drift_steps", [-1, 1])
def test_one_step_of_drift_accepted(drift_steps: int) -> None:
    code = totp_at(SECRET, T0 + drift_steps * STEP_MS)
    assert verify_totp(SECRET, code, T0, None) == step_at(T0) + drift_steps


@pytest.mark.parametrize("drift_steps", [-2, 2])
def test_two_steps_of_drift_refused(drift_steps: int) -> None:
    code = totp_at(SECRET, T0 + drift_steps * STEP_MS)
    assert code not in {totp_at(SECRET, T0 + d * STEP_MS) for d in (-1, 0, 1)}  # no accidental clash
    assert verify_totp(SECRET, code, T0, None) == INVALID


def test_same_code_twice_is_refused_even_within_its_window() -> None:
    code = totp_at(SECRET, T0)
    step = verify_totp(SECRET, code, T0, None)
    assert isinstance(step, int)
    assert verify_totp(SECRET, code, T0, step) == INVALID
    assert verify_totp(SECRET, code, T0 + STEP_MS, step) == INVALID  # still in its drift window


def test_older_codes_refused_after_a_newer_one() -> None:
    newer = verify_totp(SECRET, totp_at(SECRET, T0 + STEP_MS), T0, None)
    assert newer == step_at(T0) + 1
    assert verify_totp(SECRET, totp_at(SECRET, T0), T0, newer) == INVALID


def test_next_step_code_accepted_after_current() -> None:
    step = verify_totp(SECRET, totp_at(SECRET, T0), T0, None)
    assert isinstance(step, int)
    later = T0 + STEP_MS
    assert verify_totp(SECRET, totp_at(SECRET, later), later, step) == step + 1


@pytest.mark.parametrize("candidate", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"])
def test_malformed_codes(candidate: str) -> None:
    assert verify_totp(SECRET, candidate, T0, None) == INVALID


def test_spaced_code_accepted() -> None:
    code = totp_at(SECRET, T0)
    assert verify_totp(SECRET, f"{code[:3]} {code[3:]}", T0, None) == step_at(T0)
