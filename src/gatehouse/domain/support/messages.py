"""The secure message center: threads between a user and support, and what "unread" means.

Each thread numbers its messages 1, 2, 3…; each side remembers the last number it has read,
so a side's unread count is the other side's messages after its own marker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import InvalidInput

MAX_SUBJECT = 120
MAX_BODY = 4000


class Side(StrEnum):
    USER = "user"
    SUPPORT = "support"


@dataclass(eq=False)
class Thread:
    public_id: str
    user_id: int
    subject: str
    created_at: datetime
    updated_at: datetime
    last_seq: int = 0
    user_read_seq: int = 0
    support_read_seq: int = 0
    id: int | None = None

    def read_marker(self, side: Side) -> int:
        return self.user_read_seq if side is Side.USER else self.support_read_seq

    def view(self, *, unread: int, username: str = "") -> dict[str, object]:
        body: dict[str, object] = {
            "thread_id": self.public_id,
            "subject": self.subject,
            "created_at": as_utc(self.created_at).isoformat(),
            "updated_at": as_utc(self.updated_at).isoformat(),
            "messages": self.last_seq,
            "unread": unread,
        }
        if username:
            body["username"] = username
        return body


@dataclass(eq=False)
class Message:
    thread_id: int
    seq: int
    side: str
    author: str
    body: str
    created_at: datetime

    def view(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "from": self.side,
            "author": self.author,
            "body": self.body,
            "created_at": as_utc(self.created_at).isoformat(),
        }


def check_subject(raw: object) -> str:
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not 1 <= len(text) <= MAX_SUBJECT:
        raise InvalidInput(f"A subject is 1 to {MAX_SUBJECT} characters.", field="subject")
    return text


def check_body(raw: object) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not 1 <= len(text) <= MAX_BODY or "\x00" in text:
        raise InvalidInput(f"A message is 1 to {MAX_BODY} characters.", field="body")
    return text
