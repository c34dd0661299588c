"""A browser's name from its User-Agent ("Chrome 131 on Windows"), for the list of recent sign-ins.

Only the common browsers and systems, by the tokens their User-Agent strings carry; order matters
(Edge and Opera also say "Chrome", Chrome also says "Safari"). Anything else is named "Other".
"""

from __future__ import annotations

import re

_BROWSERS = (  # (name, pattern whose group 1 is the major version)
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/(\d+)")),
    ("Opera", re.compile(r"(?:OPR|Opera)/(\d+)")),
    ("Firefox", re.compile(r"(?:Firefox|FxiOS)/(\d+)")),
    ("Chromium", re.compile(r"Chromium/(\d+)")),
    ("Chrome", re.compile(r"(?:Chrome|CriOS)/(\d+)")),
    ("Safari", re.compile(r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/")),
    ("curl", re.compile(r"^curl/(\d+)")),
    ("Python", re.compile(r"python-(?:httpx|requests)/(\d+)")),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android")),
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Mac OS X|Macintosh")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux|X11")),
)


def browser_name(user_agent: str | None) -> str:
    """e.g. "Firefox 133 on Linux"; "—" when the browser sent none."""
    if not user_agent:
        return "—"
    browser = next(
        (f"{name} {found.group(1)}" for name, pattern in _BROWSERS if (found := pattern.search(user_agent))),
        "Other",
    )
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), None)
    return f"{browser} on {system}" if system else browser
