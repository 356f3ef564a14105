"""The device file: enrolled accounts, and their private keys and TOTP seeds sealed under the PIN.

The file (mode 0600, in a 0700 folder) keeps the account list in clear, so ``gatehouse key
list`` needs no PIN, and the secrets as one AES-256-GCM ciphertext under a key derived from the
PIN with scrypt. The clear part is the ciphertext's associated data: it cannot be edited or
swapped without the PIN. See docs/key.md for the format.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from gatehouse.clients.sdk.key_client import DeviceIdentity
from gatehouse.domain.identity.factors import totp

FORMAT = "gatehouse-key/1"
ENV_FILE = "GATEHOUSE_KEY_FILE"
DEFAULT_PATH = Path("~/.config/gatehouse-key/device.json")
MIN_PIN = 6
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # about 32 MiB and a tenth of a second per try


class KeyStoreError(Exception):
    """The device file cannot be used: say why."""


class WrongPin(KeyStoreError):
    def __init__(self) -> None:
        super().__init__("That PIN does not unlock this device.")


def default_path() -> Path:
    return Path(os.environ.get(ENV_FILE) or DEFAULT_PATH).expanduser()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


@dataclass(frozen=True)
class Account:
    """One enrollment of this device, on one server, for one user (no secrets)."""

    server: str
    username: str
    device_id: str
    name: str
    issuer: str
    enrolled_at: str

    @property
    def label(self) -> str:
        host = self.server.split("://", 1)[-1]
        return f"{self.username} @ {host}"


@dataclass
class Secrets:
    private_key: str  # raw Ed25519 private key, base64
    totp_secret: str


@dataclass
class UnlockedDevice:
    """The device after the PIN was given: accounts and their secrets, and how to save them."""

    path: Path
    key: bytes
    kdf: dict[str, Any]
    accounts: list[Account] = field(default_factory=list)
    secrets: dict[str, Secrets] = field(default_factory=dict)  # by device_id

    def add(self, account: Account, private_key: Ed25519PrivateKey, totp_secret: str) -> None:
        raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        self.accounts = [a for a in self.accounts if a.device_id != account.device_id]
        self.accounts.append(account)
        self.secrets[account.device_id] = Secrets(_b64(raw), totp_secret)
        self.save()

    def remove(self, device_id: str) -> None:
        self.accounts = [a for a in self.accounts if a.device_id != device_id]
        self.secrets.pop(device_id, None)
        self.save()

    def identity(self, account: Account) -> DeviceIdentity:
        raw = _unb64(self.secrets[account.device_id].private_key)
        return DeviceIdentity(
            server=account.server,
            device_id=account.device_id,
            private_key=Ed25519PrivateKey.from_private_bytes(raw),
        )

    def pin_matches(self, pin: str) -> bool:
        """The PIN asked again before answering a push (standing in for a biometric check)."""
        return hmac.compare_digest(derive_key(pin, self.kdf), self.key)

    def code(self, account: Account, at: datetime) -> str:
        return totp.code_at(self.secrets[account.device_id].totp_secret, at=at)

    def save(self) -> None:
        clear = {"format": FORMAT, "kdf": self.kdf, "accounts": [asdict(a) for a in self.accounts]}
        nonce = secrets.token_bytes(12)
        plaintext = json.dumps({k: asdict(v) for k, v in self.secrets.items()}).encode()
        sealed = AESGCM(self.key).encrypt(nonce, plaintext, _aad(clear))
        document = {**clear, "sealed": {"nonce": _b64(nonce), "ciphertext": _b64(sealed)}}
        write_private(self.path, json.dumps(document, indent=2))


def _aad(clear: dict[str, Any]) -> bytes:
    return json.dumps(clear, sort_keys=True, separators=(",", ":")).encode()


def derive_key(pin: str, kdf: dict[str, Any]) -> bytes:
    scrypt = Scrypt(salt=_unb64(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"])
    return scrypt.derive(pin.encode("utf-8"))


def write_private(path: Path, text: str) -> None:
    """Write atomically with mode 0600, in a folder only the owner can enter."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def check_pin(pin: str) -> str:
    if len(pin) < MIN_PIN:
        raise KeyStoreError(f"A PIN has at least {MIN_PIN} characters.")
    return pin


class DeviceFile:
    """The device file at ``path`` (``GATEHOUSE_KEY_FILE`` or ~/.config/gatehouse-key)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = (path or default_path()).expanduser()

    def exists(self) -> bool:
        return self.path.exists()

    def _read(self) -> dict[str, Any]:
        try:
            document: dict[str, Any] = json.loads(self.path.read_text())
        except FileNotFoundError:
            raise KeyStoreError(f"No Key device file at {self.path}; enroll first.") from None
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"The device file {self.path} cannot be read: {exc}") from None
        if document.get("format") != FORMAT:
            raise KeyStoreError(f"{self.path} is not a Gatehouse Key device file.")
        return document

    def check(self) -> None:
        """KeyStoreError unless the file is there and is a device file (nothing secret read)."""
        self._read()

    def accounts(self) -> list[Account]:
        """The enrolled accounts, without the PIN (nothing secret)."""
        if not self.exists():
            return []
        return [Account(**a) for a in self._read()["accounts"]]

    def create(self, pin: str) -> UnlockedDevice:
        """A new, empty device protected by ``pin``."""
        if self.exists():
            raise KeyStoreError(f"{self.path} exists already.")
        kdf = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
        kdf["salt"] = _b64(secrets.token_bytes(16))
        device = UnlockedDevice(self.path, derive_key(check_pin(pin), kdf), kdf)
        device.save()
        return device

    def unlock(self, pin: str) -> UnlockedDevice:
        """Open the device with its PIN; WrongPin if it does not open."""
        document = self._read()
        clear = {k: document[k] for k in ("format", "kdf", "accounts")}
        key = derive_key(pin, document["kdf"])
        sealed = document["sealed"]
        try:
            plaintext = AESGCM(key).decrypt(
                _unb64(sealed["nonce"]), _unb64(sealed["ciphertext"]), _aad(clear)
            )
        except InvalidTag:
            raise WrongPin() from None
        stored = json.loads(plaintext)
        return UnlockedDevice(
            path=self.path,
            key=key,
            kdf=document["kdf"],
            accounts=[Account(**a) for a in document["accounts"]],
            secrets={k: Secrets(**v) for k, v in stored.items()},
        )

    def open_or_create(self, pin: str) -> UnlockedDevice:
        return self.unlock(pin) if self.exists() else self.create(pin)
