"""The domain reads no clock and makes no randomness of its own (imports are checked by import-linter)."""

from __future__ import annotations

import re
from pathlib import Path

import sandex.domain

FORBIDDEN = re.compile(
    r"time\.time\(|time_ns\(|datetime\.now\(|datetime\.utcnow\(|date\.today\(|uuid4\(|os\.urandom"
)


def test_domain_code_takes_time_and_randomness_as_inputs() -> None:
    root = Path(sandex.domain.__file__).parent
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == []
