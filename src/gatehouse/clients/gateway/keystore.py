"""The Gateway's device file: who it is (in clear) and its Ed25519 private key, sealed.

The private key is sealed with AES-256-GCM under a key derived with scrypt (N=2^15, r=8, p=1)
from a passphrase (``GATEHOUSE_GATEWAY_PASSPHRASE`` or a prompt); the clear part is the
associated data, so it cannot be edited without the passphrase. The file is written
atomically with mode 0600 in a 0700 folder (the Key app's primitives, ``clients.key.store``).
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from gatehouse.clients.key.store import SCRYPT_N, SCRYPT_P, SCRYPT_R, derive_key, write_private

FORMAT = "gatehouse-gateway/1"
MIN_PASSPHRASE = 8


class DeviceFileError(Exception):
    """The device file cannot be used; the message says why."""


@dataclass(frozen=True)
class Enrollment:
    """What the Gateway is on its server (nothing secret)."""

    server: str
    username: str
    environment: str
    device_id: str
    scope: str
    name: str
    registered_at: str


@dataclass(frozen=True)
class Unsealed:
    enrollment: Enrollment
    private_key: Ed25519PrivateKey


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _aad(clear: dict[str, Any]) -> bytes:
    return json.dumps(clear, sort_keys=True, separators=(",", ":")).encode()


def check_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_PASSPHRASE:
        raise DeviceFileError(f"A passphrase has at least {MIN_PASSPHRASE} characters.")
    return passphrase


def save(path: Path, enrollment: Enrollment, key: Ed25519PrivateKey, passphrase: str) -> None:
    kdf: dict[str, Any] = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    kdf["salt"] = _b64(secrets.token_bytes(16))
    clear = {"format": FORMAT, "kdf": kdf, "enrollment": asdict(enrollment)}
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    nonce = secrets.token_bytes(12)
    sealing_key = derive_key(check_passphrase(passphrase), kdf)
    sealed = AESGCM(sealing_key).encrypt(nonce, raw, _aad(clear))
    document = {**clear, "sealed": {"nonce": _b64(nonce), "ciphertext": _b64(sealed)}}
    write_private(path, json.dumps(document, indent=2))


def _read(path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise DeviceFileError(
            f"No gateway device file at {path}; run `gatehouse gateway login` first."
        ) from None
    except (OSError, ValueError) as exc:
        raise DeviceFileError(f"The device file {path} cannot be read: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DeviceFileError(f"{path} is not a Gatehouse gateway device file.")
    return document


def enrollment(path: Path) -> Enrollment:
    """Who this gateway is, without the passphrase."""
    try:
        return Enrollment(**_read(path)["enrollment"])
    except TypeError:
        raise DeviceFileError(f"{path} is damaged.") from None


def unseal(path: Path, passphrase: str) -> Unsealed:
    document = _read(path)
    clear = {k: document.get(k) for k in ("format", "kdf", "enrollment")}
    try:
        key = derive_key(passphrase, document["kdf"])
        sealed = document["sealed"]
        raw = AESGCM(key).decrypt(
            base64.b64decode(sealed["nonce"]), base64.b64decode(sealed["ciphertext"]), _aad(clear)
        )
        return Unsealed(
            Enrollment(**document["enrollment"]), Ed25519PrivateKey.from_private_bytes(raw)
        )
    except InvalidTag:
        raise DeviceFileError("That passphrase does not open the gateway's device file.") from None
    except (KeyError, TypeError, ValueError):
        raise DeviceFileError(f"{path} is damaged.") from None
