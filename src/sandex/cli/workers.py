"""`sandex serve --workers N`: the cores of one box from one command. A supervisor runs a NATS
server (unless `--nats-url` names one), one `--role sequencer` process (the database's one writer)
and N `--role api` processes that all accept on the user's --host/--port.

The supervisor binds every listening socket itself and hands it to the child by descriptor
(`--listen-fd`): the public socket is shared by the API processes (the kernel gives each new
connection to one of them) and outlives any of them, so a restarted process picks up where the
dead one left and connections wait in the backlog meanwhile. The sequencer listens on a loopback
port of its own (control API, health: the ops port); each API process also gets a loopback port of
its own, where the supervisor reads its `/sandex/health`.

A child that dies is started again: an API process at once, the sequencer with `--standby` (it waits
for the lease its predecessor may still hold). Restarts back off while a child keeps dying young.
SIGINT/SIGTERM stop the API processes, then the sequencer, then the NATS server, and exit 0.
"""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

import typer

from sandex.cli.exposure import exposure_warning
from sandex.cli.ready import Bound, banner

if TYPE_CHECKING:
    from sandex.config import Settings
    from sandex.runtime.nats_server import NatsServer

TICK_S = 0.2  # how often the supervisor looks at its children
STABLE_S = 10.0  # a child that lived this long died of something else than its start: restart at once
MAX_BACKOFF_S = 30.0
API_STOP_S = 30.0  # a graceful stop's wait before SIGKILL (the sequencer finishes its commits)
SEQUENCER_STOP_S = 60.0
BACKLOG = 2048  # uvicorn's default
# flags the supervisor sets for each child itself
OWN_FLAGS = frozenset({"workers", "role", "nats_url", "standby", "listen_fd"})
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    """One `sandex serve` process the supervisor keeps running."""

    name: str  # "sequencer", "api 1", …
    flags: list[str]  # its role's flags (--role, --listen-fd …)
    sockets: list[socket.socket]  # handed over by descriptor; the first is where it serves
    ops: Bound  # where the supervisor reads its health
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    serving: bool = False
    restart_at: float | None = None  # when a dead child starts again
    short_lives: int = 0  # consecutive deaths soon after a start

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid


@dataclass
class Supervisor:
    settings: Settings
    command: list[str]  # `sandex serve` with the user's flags, less the supervisor's own
    workers: int
    nats_url: str | None
    sequencer: Child | None = None
    apis: list[Child] = field(default_factory=list)
    nats: NatsServer | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    failed: bool = False  # a child died before all of them served: exit 1

    @property
    def children(self) -> list[Child]:
        return [*self.apis, *([self.sequencer] if self.sequencer is not None else [])]

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        try:
            if self._start_all():
                self._keep_running()
        finally:
            self._stop_all()
        return 1 if self.failed else 0

    # --- start-up ---------------------------------------------------------------------------------
    def _start_all(self) -> bool:
        public = listening_socket(self.settings.host, self.settings.port)
        host, port = public.getsockname()[:2]
        bound = Bound(str(host), int(port), self.settings.tls)
        url = self.nats_url
        if url is None:
            from sandex.runtime.nats_server import start_nats_server

            self.nats = start_nats_server(preexec=_die_with_parent)
            url = self.nats.url
        role = ["--nats-url", url]
        self.sequencer = self._child("sequencer", ["--role", "sequencer", *role], [])
        if not self._wait_serving([self.sequencer]):
            return False
        for n in range(1, self.workers + 1):
            self.apis.append(self._child(f"api {n}", ["--role", "api", *role], [public]))
        if not self._wait_serving(self.apis):
            return False
        typer.echo("\n".join(self._banner(bound, url)))
        return True

    def _child(self, name: str, flags: list[str], shared: list[socket.socket]) -> Child:
        ops = listening_socket("127.0.0.1", 0)  # its own: health (the sequencer's: the ops port)
        sockets = [*shared, ops] if shared else [ops]
        child = Child(name, flags, sockets, Bound("127.0.0.1", ops.getsockname()[1], self.settings.tls))
        self._spawn(child)
        return child

    def _wait_serving(self, children: Sequence[Child]) -> bool:
        """Wait until each child serves (False: one died first, or the supervisor is stopping)."""
        while not self.stopping.is_set():
            for child in children:
                if child.proc is not None and child.proc.poll() is not None:
                    typer.echo(
                        f"error: cannot start: the {child.name} process exited with status "
                        f"{child.proc.returncode} (its log is above)",
                        err=True,
                    )
                    self.failed = True
                    return False
                child.serving = child.serving or health(child.ops) == "serving"
            if all(child.serving for child in children):
                return True
            self.stopping.wait(TICK_S)
        return False

    def _banner(self, bound: Bound, nats_url: str) -> list[str]:
        assert self.sequencer is not None
        control = self.sequencer.ops
        seed = self.settings.seed if self.settings.market else None
        own = f" (its own nats-server, pid {self.nats.proc.pid})" if self.nats is not None else ""
        pids = ", ".join(str(child.pid) for child in self.apis)
        return [
            *banner(bound, self.settings, seed, control=control),
            f"  workers       {self.workers} API processes on {bound.url} (pids {pids})",
            f"  ops port      {control.url}   (the sequencer, pid {self.sequencer.pid}: control API, health)",
            f"  NATS          {nats_url}{own}",
        ]

    # --- running --------------------------------------------------------------------------------------
    def _keep_running(self) -> None:
        while not self.stopping.is_set():
            now = time.monotonic()
            self._look_after_nats()
            for child in self.children:
                self._look_after(child, now)
            self.stopping.wait(TICK_S)

    def _look_after_nats(self) -> None:
        """Its own NATS server died: start another on the same port (the children reconnect)."""
        from sandex.runtime.nats_server import NatsServerError, start_nats_server

        if self.nats is None or (status := self.nats.proc.poll()) is None:
            return
        old, self.nats = self.nats, None
        old.stop()
        say(f"nats-server (pid {old.proc.pid}) exited with status {status}: restarting")
        try:
            self.nats = start_nats_server(old.port, preexec=_die_with_parent)
        except NatsServerError as exc:
            say(f"{exc}: trying again")
            self.nats = old  # dead still: the next tick tries again

    def _look_after(self, child: Child, now: float) -> None:
        if child.restart_at is not None:
            if now >= child.restart_at:
                if child is self.sequencer and "--standby" not in child.flags:
                    child.flags.append("--standby")  # its predecessor's lease may still be alive
                self._spawn(child)
            return
        assert child.proc is not None
        if (status := child.proc.poll()) is not None:
            child.short_lives = child.short_lives + 1 if now - child.started_at < STABLE_S else 0
            delay = min(MAX_BACKOFF_S, 0.5 * 2**child.short_lives) if child.short_lives > 1 else 0.0
            child.restart_at, child.serving = now + delay, False
            say(f"{child.name} (pid {child.pid}) exited with status {status}: restarting in {delay:g} s")
        elif not child.serving and health(child.ops) == "serving":
            child.serving = True
            say(f"{child.name} (pid {child.pid}) serving")

    def _spawn(self, child: Child) -> None:
        fds = [str(sock.fileno()) for sock in child.sockets]
        args = [*self.command, *child.flags, *(flag for fd in fds for flag in ("--listen-fd", fd))]
        child.proc = subprocess.Popen(  # noqa: S603 - this interpreter and the user's own flags
            args,
            pass_fds=[sock.fileno() for sock in child.sockets],
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
            start_new_session=True,  # a terminal's Ctrl-C reaches the supervisor alone: it stops them
        )
        child.started_at, child.restart_at, child.serving = time.monotonic(), None, False

    # --- stopping -----------------------------------------------------------------------------------
    def _on_signal(self, _sig: int, _frame: FrameType | None) -> None:
        self.stopping.set()

    def _stop_all(self) -> None:
        self.stopping.set()
        stop_processes([child.proc for child in self.apis], API_STOP_S)
        if self.sequencer is not None:
            stop_processes([self.sequencer.proc], SEQUENCER_STOP_S)
        if self.nats is not None:
            self.nats.stop()
        for child in self.children:
            for sock in child.sockets:
                sock.close()


def run_workers(settings: Settings, workers: int, context: typer.Context) -> int:
    """`sandex serve --workers N`: supervise until SIGINT/SIGTERM; the exit status."""
    command = [sys.executable, "-m", "sandex", "serve", *given_flags(context, OWN_FLAGS)]
    if settings.market and settings.seed is None:  # one seed for the banner and every restart
        seed = random.SystemRandom().randrange(1, 2**31)
        command += ["--seed", str(seed)]
        settings = settings.model_copy(update={"seed": seed})
    if (warning := exposure_warning(settings)) is not None:  # once: the children keep quiet
        typer.echo(warning, err=True)
    if settings.tls:  # made once here: the children would race to create the CA
        from sandex.runtime.tls import ensure_tls

        ensure_tls(settings.data_dir, [settings.host])
    return Supervisor(settings, command, workers, settings.nats_url).run()


def given_flags(context: typer.Context, skip: frozenset[str]) -> list[str]:
    """The flags the user typed for this command, as flags again (`skip`: by parameter name).
    Values from SANDEX_* variables are not repeated: the children inherit the environment."""
    flags: list[str] = []
    for param in context.command.params:
        name = param.name
        if name is None or name in skip or not param.opts[0].startswith("--"):
            continue
        source = context.get_parameter_source(name)
        if source is None or source.name != "COMMANDLINE":
            continue
        flags += _as_flags(param, context.params[name])
    return flags


def _as_flags(option: Any, value: Any) -> list[str]:
    """One option's value as the flags that give it (click's Option: opts, secondary_opts …)."""
    if option.is_flag:
        if value:
            return [option.opts[0]]
        return [option.secondary_opts[0]] if option.secondary_opts else []
    values = value if option.multiple else [value]
    return [part for item in values for part in (option.opts[0], str(item))]


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on host:port, inheritable by a child through `pass_fds`."""
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=BACKLOG)


def health(at: Bound) -> str | None:
    """The status a child's `GET /sandex/health` says (None: no answer)."""
    import httpx

    try:
        answer = httpx.get(f"{at.url}/sandex/health", timeout=1.0, verify=False)  # noqa: S501 - our child
        return str(answer.json()["status"])
    except (httpx.HTTPError, ValueError, KeyError):
        return None


def stop_processes(procs: Sequence[subprocess.Popen[bytes] | None], wait_s: float) -> None:
    """SIGTERM each, then wait; SIGKILL what is still running after `wait_s`."""
    running = [proc for proc in procs if proc is not None and proc.poll() is None]
    for proc in running:
        proc.terminate()
    deadline = time.monotonic() + wait_s
    for proc in running:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"pid {proc.pid} did not stop within {wait_s:g} s: killing it")
            proc.kill()
            proc.wait()


def say(message: str) -> None:
    typer.echo(f"sandex workers: {message}", err=True)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the supervisor dies, even by SIGKILL (Linux)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def _load_prctl() -> Callable[[int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:  # resolved here, not in the forked child (no imports between fork and exec)
        prctl: Callable[[int, int], int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()
