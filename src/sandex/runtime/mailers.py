"""Mail adapters: the embedded outbox (default) and SMTP (`--smtp-url`).

SMTP uses the standard library's blocking `smtplib` on purpose: the accounts service is synchronous
and runs in worker threads (the server) or plain scripts (the CLI). A blocking client is correct in
both, whereas driving aiosmtplib through `asyncio.run` fails inside a running event loop.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from sandex.domain.clock import Clock
from sandex.services.accounts.mail import MailMessage
from sandex.services.accounts.ports import MailDeliveryError, Mailer, MailOutbox

log = logging.getLogger("sandex.mail")

DEFAULT_SENDER = "sandex@localhost"
SMTP_TIMEOUT_S = 10.0
_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class OutboxMailer:
    """Records every mail in the database outbox, where the CLI, control API and tests read it."""

    def __init__(self, outbox: MailOutbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    def send(self, message: MailMessage) -> None:
        self._outbox.add(message, self._clock.now_ms())
        log.info("mail recorded in outbox to=%s subject=%r", message.to, message.subject)


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """Where and how to submit mail, parsed from `smtp[s|+starttls]://user:pass@host:port?from=addr`."""

    host: str
    port: int
    mode: str  # smtp (plain) | smtp+starttls | smtps (TLS from the first byte)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SENDER

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in _PORTS:
            raise ValueError("smtp_url must start with smtp://, smtp+starttls:// or smtps://")
        if not parts.hostname:
            raise ValueError("smtp_url needs a host, e.g. smtp://127.0.0.1:1025")
        sender = parse_qs(parts.query).get("from", [DEFAULT_SENDER])[0]
        return cls(
            host=parts.hostname,
            port=parts.port or _PORTS[parts.scheme],
            mode=parts.scheme,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            sender=sender,
        )


class SmtpMailer:
    """Hands each mail to an SMTP server; raises MailDeliveryError when that fails."""

    def __init__(self, target: SmtpTarget, timeout_s: float = SMTP_TIMEOUT_S) -> None:
        self._target = target
        self._timeout = timeout_s

    def __repr__(self) -> str:
        return f"SmtpMailer({self._target.mode}://{self._target.host}:{self._target.port})"

    def send(self, message: MailMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self._target.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        try:
            with self._connect() as client:
                if self._target.username is not None:
                    client.login(self._target.username, self._target.password or "")
                client.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            # Only the error class and the server's reply code: never the mail, never credentials.
            raise MailDeliveryError(
                f"{type(exc).__name__} from {self._target.host}:{self._target.port}"
            ) from exc
        log.info("mail sent via smtp to=%s subject=%r", message.to, message.subject)

    def _connect(self) -> smtplib.SMTP:
        target = self._target
        if target.mode == "smtps":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(target.host, target.port, timeout=self._timeout, context=context)
        client = smtplib.SMTP(target.host, target.port, timeout=self._timeout)
        if target.mode == "smtp+starttls":
            try:
                client.starttls(context=ssl.create_default_context())
            except BaseException:
                client.close()
                raise
        return client


def build_mailer(smtp_url: str | None, outbox: MailOutbox, clock: Clock) -> Mailer:
    """SMTP when a URL is configured, else the embedded outbox."""
    if smtp_url:
        return SmtpMailer(SmtpTarget.parse(smtp_url))
    return OutboxMailer(outbox, clock)
