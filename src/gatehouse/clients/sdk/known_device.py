"""Known-device tokens for the SDK: where a client keeps the token the server gives a device
that signed in, so its next password step has the device's own failure budget (docs/signin.md).

``DeviceTokens`` is the optional persistence hook of ``AsyncGatehouse``; ``FileDeviceTokens``
keeps them in a 0600 JSON file, one per server and username.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Protocol


def token_key(server: str, username: str) -> str:
    """Tokens are per account and per server: ``https://host|alice``."""
    return f"{server.rstrip('/')}|{username.strip().lower()}"


class DeviceTokens(Protocol):
    """Where known-device tokens live between runs (a file, a keyring, a config)."""

    def get(self, server: str, username: str) -> str | None:
        """The token this device holds for ``username`` on ``server``, if any."""
        ...

    def put(self, server: str, username: str, token: str) -> None:
        """Keep the token the server just gave this device."""
        ...


class FileDeviceTokens:
    """Known-device tokens in one JSON file (mode 0600, written atomically)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, str]:
        try:
            found = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(found, dict):
            return {}
        return {str(k): str(v) for k, v in found.items() if isinstance(v, str)}

    def get(self, server: str, username: str) -> str | None:
        return self._load().get(token_key(server, username))

    def put(self, server: str, username: str, token: str) -> None:
        tokens = self._load()
        tokens[token_key(server, username)] = token
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        spare = self.path.with_name(self.path.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            spare.unlink()
        descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(tokens, out, indent=1, sort_keys=True)
        os.replace(spare, self.path)
