"""Known-device tokens: a device that completed a sign-in gets one, and presenting it later
lets the owner in while strangers' failures pile up on the account (docs/signin.md)."""

from __future__ import annotations

import base64
import hashlib

from gatehouse.domain.randomness import TokenSource

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64  # longer presented tokens are ignored without a lookup


def new_device_token(tokens: TokenSource) -> str:
    return base64.urlsafe_b64encode(tokens.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode()


def hash_device_token(token: str) -> str:
    """Only this hash is stored (SHA-256 hex): the token itself lives on the device."""
    return hashlib.sha256(token.encode()).hexdigest()
