"""Workspace layouts: named, opaque JSON documents the Workstation saves per user.

Gatehouse never looks inside a layout; it checks only the name and the size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from gatehouse.domain.errors import InvalidInput, LayoutTooLarge

MAX_LAYOUTS = 50
MAX_DOCUMENT_BYTES = 32_768
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


@dataclass(slots=True)
class Layout:
    user_id: int
    name: str
    document: str  # the JSON text, exactly as stored
    created_at: datetime
    updated_at: datetime

    @property
    def size(self) -> int:
        return len(self.document.encode())

    def summary(self) -> dict[str, object]:
        return {"name": self.name, "size": self.size, "updated_at": self.updated_at.isoformat()}


def check_name(value: str) -> str:
    """1–64 letters, digits, spaces, ``_``, ``.`` or ``-``, starting with a letter or digit."""
    if not _NAME.match(value) or value != value.rstrip():
        raise InvalidInput(
            "A layout name is 1 to 64 letters, digits, spaces, '_', '.' or '-', "
            "starting with a letter or digit.",
            field="name",
        )
    return value


def check_document(encoded: str) -> str:
    """The serialized document, if it fits."""
    if len(encoded.encode()) > MAX_DOCUMENT_BYTES:
        raise LayoutTooLarge(f"A layout is at most {MAX_DOCUMENT_BYTES} bytes of JSON.")
    return encoded
