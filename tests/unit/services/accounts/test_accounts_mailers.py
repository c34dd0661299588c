"""Mail adapters: SMTP when `smtp_url` is set (checked against a tiny local SMTP server), else the outbox."""

from __future__ import annotations

import base64
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sandex.config import Settings
from sandex.process import open_runtime
from sandex.runtime.mailers import OutboxMailer, SmtpMailer, SmtpTarget, build_mailer
from sandex.services.accounts.mail import MailMessage
from sandex.services.accounts.ports import MailDeliveryError
from sandex.services.accounts.service import UserView
from sandex.testing.clock import ManualClock
from tests.support.accounts import ListOutbox, MemoryStore
from tests.support.db import migrated_data_dir
from tests.support.factories import PASSWORD


@dataclass
class Received:
    auth: list[str] = field(default_factory=list)
    envelopes: list[tuple[str, list[str], str]] = field(default_factory=list)


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321 + AUTH PLAIN) for smtplib to deliver one or more mails."""

    def handle(self) -> None:
        received: Received = self.server.received  # type: ignore[attr-defined]
        self._reply("220 fake ESMTP")
        sender, rcpts = "", []
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._reply("250-fake", "250 AUTH PLAIN")
            elif verb == "AUTH":
                received.auth.append(base64.b64decode(line.split()[2]).decode())
                self._reply("235 ok")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip("<> ")
                self._reply("250 ok")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip("<> "))
                self._reply("250 ok")
            elif verb == "DATA":
                self._reply("354 go on")
                data = []
                while (chunk := self.rfile.readline().decode()) not in (".\r\n", ""):
                    data.append(chunk)
                received.envelopes.append((sender, rcpts, "".join(data)))
                sender, rcpts = "", []
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 ok")

    def _reply(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Received]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.received = Received()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server.server_address[1], server.received  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def test_smtp_url_parts_are_read_with_safe_defaults() -> None:
    target = SmtpTarget.parse("smtp://mailer:p%40ss%3Aword@mail.example.test:2525?from=noreply@example.test")

    assert (target.host, target.port, target.mode) == ("mail.example.test", 2525, "smtp")
    assert (target.username, target.password, target.sender) == (
        "mailer",
        "p@ss:word",
        "noreply@example.test",
    )
    assert "p@ss" not in repr(target) and "p@ss" not in repr(SmtpMailer(target))
    assert SmtpTarget.parse("smtps://h").port == 465
    assert SmtpTarget.parse("smtp+starttls://h").port == 587
    assert SmtpTarget.parse("smtp://h").username is None


@pytest.mark.parametrize("url", ["http://mail.example.test", "smtp://", "mail.example.test:25"])
def test_a_malformed_smtp_url_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValueError, match="smtp_url"):
        SmtpTarget.parse(url)


def test_build_mailer_uses_smtp_only_when_configured() -> None:
    outbox, clock = ListOutbox(MemoryStore()), ManualClock()

    assert isinstance(build_mailer(None, outbox, clock), OutboxMailer)
    assert isinstance(build_mailer("smtp://127.0.0.1:25", outbox, clock), SmtpMailer)


def test_smtp_mailer_delivers_with_credentials(smtp_server: tuple[int, Received]) -> None:
    port, received = smtp_server
    mailer = SmtpMailer(SmtpTarget.parse(f"smtp://mailer:s3cret@127.0.0.1:{port}?from=noreply@example.test"))

    mailer.send(
        MailMessage("alice@example.test", "sandex: your verification code", "Verification code: 123456\n")
    )

    assert received.auth == ["\0mailer\0s3cret"]
    ((sender, rcpts, data),) = received.envelopes
    assert (sender, rcpts) == ("noreply@example.test", ["alice@example.test"])
    assert "Subject: sandex: your verification code" in data and "Verification code: 123456" in data


def test_an_unreachable_mail_server_is_a_delivery_error_without_secrets() -> None:
    closed = socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler)
    dead_port = closed.server_address[1]
    closed.server_close()
    mailer = SmtpMailer(SmtpTarget.parse(f"smtp://mailer:s3cret@127.0.0.1:{dead_port}"), timeout_s=2)

    with pytest.raises(MailDeliveryError) as caught:
        mailer.send(MailMessage("alice@example.test", "subject", "Verification code: 123456\n"))
    assert "s3cret" not in str(caught.value) and "123456" not in str(caught.value)


def test_with_smtp_configured_codes_go_to_smtp_not_the_outbox(
    tmp_path: Path, smtp_server: tuple[int, Received]
) -> None:
    port, received = smtp_server
    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), smtp_url=f"smtp://127.0.0.1:{port}")
    runtime = open_runtime(settings, fast_hashing=True)
    try:
        user = runtime.accounts.register("alice@example.test", PASSWORD)
        assert isinstance(user, UserView)
        assert runtime.accounts.send_email_code(user.id, "api_key_create") is None
        assert runtime.accounts.list_mail("alice@example.test") == []
    finally:
        runtime.engine.dispose()

    ((_, rcpts, data),) = received.envelopes
    assert rcpts == ["alice@example.test"] and "Verification code: " in data
