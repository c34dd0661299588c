"""What the plugin tests share: the inner runs' ini and an environment without OKX demo credentials."""

from __future__ import annotations

import pytest

# Hypothesis' plugin alone costs about a second per inner run, and no inner test uses it.
INNER_INI = """
[pytest]
addopts = -p no:hypothesispytest
filterwarnings =
    ignore::DeprecationWarning
"""

DEMO_ENV = {
    "OKX_DEMO_API_KEY": "demo-key",
    "OKX_DEMO_SECRET": "demo-secret",
    "OKX_DEMO_PASSPHRASE": "Demo#Pass1",
}


def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OKX demo credentials from the developer's shell leak into an inner run."""
    for name in (*DEMO_ENV, "OKX_DEMO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
