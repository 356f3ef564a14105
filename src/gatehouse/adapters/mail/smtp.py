"""Send email over SMTP with aiosmtplib (plain, STARTTLS or implicit TLS; optional login)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from gatehouse.domain.errors import ServiceUnavailable

log = logging.getLogger(__name__)


def build_message(*, sender: str, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="gatehouse")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    return message


class SmtpMailer:
    """A ``Mailer`` that hands each message to one SMTP server."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        use_tls: bool = False,
        start_tls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if use_tls and start_tls:
            raise ValueError("choose implicit TLS or STARTTLS, not both")
        self._host = host
        self._port = port
        self._sender = sender
        self._use_tls = use_tls
        self._start_tls = start_tls
        self._username = username
        self._password = password
        self._timeout = timeout

    async def send(self, *, to: str, subject: str, text: str) -> None:
        message = build_message(sender=self._sender, to=to, subject=subject, text=text)
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                use_tls=self._use_tls,
                start_tls=self._start_tls,
                username=self._username,
                password=self._password,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("SMTP delivery to %s:%s failed: %s", self._host, self._port, exc)
            raise ServiceUnavailable("The mail server did not accept the message.") from exc
