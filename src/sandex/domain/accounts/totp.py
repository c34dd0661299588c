"""TOTP second factor (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) with replay protection.

The service generates the secret and the provisioning URI with pyotp; the check lives here so it
runs under the injected clock. A code is accepted for the current step or one step either side
(clock drift), and only if its step is later than the last step accepted for that user, which the
service stores as `last_used_step`: the same code can never be used twice, even within its window.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from sandex.domain.errors import Reason, Rejected

STEP_S = 30
DIGITS = 6
DRIFT_STEPS = 1


def step_at(now_ms: int) -> int:
    """The RFC 6238 counter T for an instant."""
    return now_ms // (STEP_S * 1000)


def hotp(secret: bytes, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226 HOTP value of `counter`, zero-padded to `digits`."""
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def verify_totp(secret: bytes, candidate: str, now_ms: int, last_used_step: int | None) -> int | Rejected:
    """The accepted step (store it as the new `last_used_step`) or TOTP_INVALID (params: field).

    Wrong, malformed, out-of-window and replayed codes all get the same answer on purpose.
    """
    code = candidate.replace(" ", "")
    if len(code) == DIGITS and code.isascii() and code.isdigit():
        now_step = step_at(now_ms)
        for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
            fresh = last_used_step is None or step > last_used_step
            if hmac.compare_digest(hotp(secret, step), code) and fresh:
                return step
    return Rejected.of(Reason.TOTP_INVALID, field="totp")
