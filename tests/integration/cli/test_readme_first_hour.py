"""The README's first hour, as a newcomer runs it: its "Your first API key" commands, then its ccxt
example, verbatim against a real `sandex serve` (only the port and the data dir differ)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.serve_process import sandex_serve

README = Path(__file__).resolve().parents[3] / "README.md"
pytestmark = pytest.mark.slow


def _section(title: str) -> str:
    text = README.read_text("utf-8")
    start = text.index(f"## {title}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def test_the_readme_first_key_steps_then_its_ccxt_example_place_orders(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with sandex_serve(data_dir, "--market", "on") as served:  # as a newcomer runs it (tests turn it off)
        base = served.entry("REST API").removesuffix("/api/v5")
        [commands] = _blocks(_section("Your first API key"), "bash")
        key_json = ""
        for line in commands.strip().splitlines():
            argv = shlex.split(line, comments=True)
            assert argv[0] == "sandex", line
            done = subprocess.run(
                [sys.executable, "-m", "sandex", *argv[1:], "--data-dir", str(data_dir)],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
            assert done.returncode == 0, (line, done.stdout, done.stderr)
            key_json = done.stdout if "--json" in argv else key_json
        ccxt_example = next(
            b for b in _blocks(_section("Pointing clients at sandex"), "python") if "ccxt" in b
        )
        script = (
            "import json\n"
            f"_key = json.loads({key_json!r})\n"
            "API_KEY, SECRET, PASSPHRASE = _key['apiKey'], _key['secretKey'], _key['passphrase']\n"
            + ccxt_example.replace("http://127.0.0.1:8000", base)
        )
        ran = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    assert ran.returncode == 0, ran.stderr
    balance, status = ran.stdout.strip().splitlines()
    assert "'free': 10000.0" in balance  # the deposit the steps made
    assert status == "closed", ran.stdout  # the market order filled against the market maker
