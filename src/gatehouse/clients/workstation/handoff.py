"""Detached panels: the signed-in Workstation hands its session to a second terminal
through a short-lived (60 s), single-use, 0600 file in the user's config folder — no
second sign-in. The file is deleted by the first reader; an old one is refused."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gatehouse.clients.workstation.config import config_dir
from gatehouse.clients.workstation.link import Session

LIFETIME_SECONDS = 60.0
KIND = re.compile(r"^[a-z]{1,20}$")


class HandoffError(Exception):
    """No usable hand-off: none waiting, expired, or not readable."""


@dataclass(frozen=True)
class Handoff:
    base_url: str
    session: Session
    panel: str
    channel: str


def path_for(panel: str, folder: Path | None = None) -> Path:
    if not KIND.match(panel):
        raise HandoffError(f"No panel is called {panel!r}.")
    return (folder or config_dir()) / f"handoff-{panel}.json"


def write(handoff: Handoff, *, folder: Path | None = None, now: float | None = None) -> Path:
    """Leave the session for one ``--panel`` reader; returns the file's path."""
    path = path_for(handoff.panel, folder)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    document = {
        "base_url": handoff.base_url,
        "session": handoff.session.body | {"token": handoff.session.token},
        "panel": handoff.panel,
        "channel": handoff.channel,
        "expires": (time.time() if now is None else now) + LIFETIME_SECONDS,
        "nonce": secrets.token_hex(8),
    }
    temporary = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle)
    os.replace(temporary, path)
    return path


def take(panel: str, *, folder: Path | None = None, now: float | None = None) -> Handoff:
    """Read and delete the hand-off for ``panel``; refuses an expired or shared file."""
    path = path_for(panel, folder)
    claimed = path.with_suffix(f".{secrets.token_hex(4)}.claimed")
    try:
        os.rename(path, claimed)  # atomic: of two readers only one gets it
    except FileNotFoundError as error:
        raise HandoffError(
            f"No session is waiting for the {panel} panel: in the Workstation, focus the "
            "panel and press Ctrl+D, then run this command within a minute."
        ) from error
    try:
        if claimed.stat().st_mode & 0o077:
            raise HandoffError("The hand-off file is readable by others; refused.")
        document: dict[str, Any] = json.loads(claimed.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise HandoffError(f"The hand-off file cannot be read: {error}") from error
    finally:
        claimed.unlink(missing_ok=True)
    if float(document.get("expires", 0)) < (time.time() if now is None else now):
        raise HandoffError("The hand-off has expired; press Ctrl+D in the Workstation again.")
    return Handoff(
        base_url=str(document["base_url"]),
        session=Session.from_body(document["session"]),
        panel=str(document["panel"]),
        channel=str(document.get("channel", "stable")),
    )
