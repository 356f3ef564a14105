"""The server key: generated once (file mode 0600) and split into purpose keys with HKDF."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@dataclass(frozen=True)
class ServerKeys:
    sealing: bytes  # AES-256-GCM for secrets the server must read back (TOTP seeds)
    codes: bytes  # HMAC for short codes: SMS codes, card cells, recovery tokens
    csrf: bytes  # HMAC that binds a CSRF token to its session

    @classmethod
    def derive(cls, master: bytes) -> ServerKeys:
        def sub(label: bytes) -> bytes:
            return HKDF(hashes.SHA256(), 32, salt=None, info=b"gatehouse/" + label).derive(master)

        return cls(sealing=sub(b"sealing"), codes=sub(b"codes"), csrf=sub(b"csrf"))


def load_or_create_master_key(home: Path, configured_hex: str | None = None) -> bytes:
    """Use the configured key, else ``home/secret.key``, creating it (0600) on first start."""
    if configured_hex:
        key = bytes.fromhex(configured_hex)
        if len(key) < 32:
            raise ValueError("GATEHOUSE_SECRET_KEY must be at least 32 bytes of hex")
        return key
    path = home / "secret.key"
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key
