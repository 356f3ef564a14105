"""The embedded mail "server": each message is written as an .eml file (mode 0600) in a folder.

Used when no SMTP server is configured, so recovery still works on one machine: the operator
reads the files (``GATEHOUSE_HOME/mail``).
"""

from __future__ import annotations

import os
from itertools import count
from pathlib import Path

import anyio.to_thread

from gatehouse.adapters.mail.smtp import build_message


class MailOutbox:
    def __init__(self, folder: Path, *, sender: str) -> None:
        self._folder = folder
        self._sender = sender
        self._numbers = count(1)

    async def send(self, *, to: str, subject: str, text: str) -> None:
        message = build_message(sender=self._sender, to=to, subject=subject, text=text)
        await anyio.to_thread.run_sync(self._write, message.as_bytes())

    def _write(self, data: bytes) -> None:
        self._folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{os.getpid()}-{next(self._numbers):06d}-{os.urandom(4).hex()}.eml"
        fd = os.open(self._folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
