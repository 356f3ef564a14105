"""What the Workstation remembers on this device: the username (if asked), the server and
the channel — never a password. One JSON file in the user's config folder, mode 0600."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("live", "paper")
CHANNELS = ("stable", "latest")


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/gatehouse`` (``~/.config/gatehouse`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "gatehouse"


def default_path() -> Path:
    return config_dir() / "workstation.json"


@dataclass
class Preferences:
    username: str = ""
    remember_username: bool = False
    environment: str = "live"
    channel: str = "stable"
    server: str = ""
    # known-device tokens the server gave this device, by username (docs/signin.md)
    device_tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Preferences:
        if not isinstance(data, dict):
            return cls()
        found = cls(
            username=str(data.get("username", ""))[:128],
            remember_username=bool(data.get("remember_username", False)),
            environment=str(data.get("environment", "live")),
            channel=str(data.get("channel", "stable")),
            server=str(data.get("server", "")),
        )
        tokens = data.get("device_tokens")
        if isinstance(tokens, dict):
            found.device_tokens = {
                str(name)[:128]: str(token)[:256]
                for name, token in list(tokens.items())[:20]
                if isinstance(token, str)
            }
        if found.environment not in ENVIRONMENTS:
            found.environment = "live"
        if found.channel not in CHANNELS:
            found.channel = "stable"
        if not found.remember_username:
            found.username = ""
        return found


def known_device_key(username: str, server: str) -> str:
    """Tokens are per account and server: ``alice@https://broker.example.com``."""
    return f"{username.strip().lower()}@{server}"


class PreferenceStore:
    """Reads and writes ``workstation.json``; a missing or damaged file means defaults."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def load(self) -> Preferences:
        try:
            return Preferences.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return Preferences()

    def remember_device(self, username: str, server: str, token: str) -> None:
        """Keep the known-device token the server gave at a sign-in."""
        found = self.load()
        found.device_tokens[known_device_key(username, server)] = token
        self.save(found)

    def device_token(self, username: str, server: str) -> str:
        return self.load().device_tokens.get(known_device_key(username, server), "")

    def save(self, preferences: Preferences) -> None:
        data = asdict(preferences)
        if not preferences.remember_username:
            data["username"] = ""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)
