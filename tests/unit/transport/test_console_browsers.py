"""Recent sign-ins name the browser a person used, not its raw User-Agent string."""

from __future__ import annotations

import pytest

from sandex.transport.console.browsers import browser_name

_CHROME_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (_CHROME_WIN, "Chrome 131 on Windows"),
        (_CHROME_WIN + " Edg/131.0.2903.86", "Edge 131 on Windows"),
        (_CHROME_WIN + " OPR/115.0.0.0", "Opera 115 on Windows"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Safari/605.1.15",
            "Safari 18 on macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari 18 on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome 131 on Android",
        ),
        ("curl/8.5.0", "curl 8"),
        ("SomeBot", "Other"),
        ("", "—"),
    ],
)
def test_browser_name(agent: str, name: str) -> None:
    assert browser_name(agent) == name
