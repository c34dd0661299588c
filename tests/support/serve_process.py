"""`sandex serve` in a subprocess, read the way a newcomer reads it: its ready banner on stdout."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

READY_DEADLINE_S = 90.0  # generous: a loaded 2-core CI box; only a failing test waits this long
BANNER_FIRST, BANNER_LAST = "sandex is ready:", "  reset "


@dataclass(frozen=True)
class Served:
    banner: list[str]  # the ready block, first line to last
    before: list[str]  # what the process printed before it (uvicorn's log lines included)

    def entry(self, name: str) -> str:
        """The value of one banner line, e.g. entry("REST API")."""
        for line in self.banner:
            if line.strip().startswith(name):
                return line.strip().removeprefix(name).strip()
        raise AssertionError(f"no {name!r} in the banner: {self.banner}")


@contextmanager
def sandex_serve(data_dir: Path, *flags: str) -> Iterator[Served]:
    """Start `sandex serve --port 0 …`, wait for its banner, stop it on exit."""
    args = [sys.executable, "-m", "sandex", "serve", "--port", "0", "--data-dir", str(data_dir), *flags]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(proc, lines), daemon=True).start()
    try:
        yield _read_banner(lines)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.put(line.rstrip("\n"))
    lines.put(None)  # the process ended


def _read_banner(lines: queue.Queue[str | None]) -> Served:
    deadline = time.monotonic() + READY_DEADLINE_S
    before: list[str] = []
    banner: list[str] = []
    while not banner or not banner[-1].startswith(BANNER_LAST):
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError("no ready banner within the deadline:\n" + "\n".join(before)) from None
        if line is None:
            raise AssertionError("sandex serve ended before it was ready:\n" + "\n".join(before + banner))
        if banner or line == BANNER_FIRST:
            banner.append(line)
        else:
            before.append(line)
    return Served(banner, before)
