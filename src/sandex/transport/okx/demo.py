"""OKX's demo-trading switch, read the same way by REST auth, public market routes and WS logins."""

from __future__ import annotations

DEMO_HEADER = "x-simulated-trading"
DEMO_HEADER_RAW = DEMO_HEADER.encode()  # as ASGI scopes carry header names (lower-case bytes)


def asks_for_demo(value: str | bytes | None) -> bool:
    """`x-simulated-trading: 1` means demo trading; "0", anything else or no header means live."""
    return value == "1" or value == b"1"
