"""TWS API wire format: 4-byte big-endian length frames of NUL-terminated text fields, the
``API\\0`` + ``v<min>..<max>`` handshake, and how values are written as fields."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

SERVER_VERSION = 178  # the one version spoken: inside ib_async 2.x (157..178) and ibapi's ranges
MAX_FRAME = 1 << 20  # a client frame over 1 MiB is malformed (TWS's own limit is 16 MiB)
PREFIX = b"API\0"
_LENGTH = struct.Struct(">I")

Field = str | int | float | bool | Decimal | None


class ProtocolError(Exception):
    """A frame or handshake that breaks the wire format: the connection is closed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def field_text(value: Field) -> str:
    """One field as text: ``None`` is empty, booleans ``1``/``0``, numbers in decimal."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text
    return str(value)


def frame(fields: Iterable[Field]) -> bytes:
    """A whole message: the length prefix, then every field followed by NUL."""
    body = "".join(field_text(f) + "\0" for f in fields).encode()
    return _LENGTH.pack(len(body)) + body


def raw_frame(text: str) -> bytes:
    """A frame whose payload is ``text`` as is (the handshake's version range)."""
    body = text.encode()
    return _LENGTH.pack(len(body)) + body


class FrameReader:
    """Cuts a byte stream into messages (lists of fields); raises ProtocolError on a bad frame."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._buffer = bytearray()
        self._max = max_frame

    def feed(self, data: bytes) -> list[list[str]]:
        self._buffer += data
        messages: list[list[str]] = []
        while len(self._buffer) >= 4:
            (length,) = _LENGTH.unpack_from(self._buffer)
            if length == 0 or length > self._max:
                raise ProtocolError("bad_length", f"Frame length {length} is not allowed.")
            if len(self._buffer) < 4 + length:
                break
            payload = bytes(self._buffer[4 : 4 + length])
            del self._buffer[: 4 + length]
            messages.append(split_fields(payload))
        return messages

    @property
    def pending(self) -> int:
        return len(self._buffer)


def split_fields(payload: bytes) -> list[str]:
    """The fields of one payload; every field must end with NUL and be UTF-8."""
    if not payload.endswith(b"\0"):
        raise ProtocolError("unterminated_field", "The last field is not NUL-terminated.")
    try:
        text = payload.decode()
    except UnicodeDecodeError as exc:
        raise ProtocolError("bad_encoding", "A field is not valid UTF-8.") from exc
    return text.split("\0")[:-1]


def parse_version_range(payload: bytes) -> tuple[int, int, str]:
    """``v157..178 +PACEAPI`` → (157, 178, "+PACEAPI"); a single ``v178`` is (178, 178)."""
    try:
        text = payload.decode("ascii").rstrip("\0")
    except UnicodeDecodeError as exc:
        raise ProtocolError("bad_handshake", "The version range is not ASCII.") from exc
    head, _, options = text.partition(" ")
    if not head.startswith("v"):
        raise ProtocolError("bad_handshake", f"Expected v<min>..<max>, got {text[:40]!r}.")
    low, dots, high = head[1:].partition("..")
    try:
        first = int(low)
        last = int(high) if dots else first
    except ValueError as exc:
        raise ProtocolError("bad_handshake", f"Bad version range {head[:40]!r}.") from exc
    if first > last:
        raise ProtocolError("bad_handshake", f"Empty version range {head[:40]!r}.")
    return first, last, options.strip()


def negotiate(low: int, high: int) -> int | None:
    """The server version for a client range, or None when 178 is outside it."""
    return SERVER_VERSION if low <= SERVER_VERSION <= high else None


def connection_time(at: datetime) -> str:
    """The handshake's connection time, ``YYYYMMDD HH:MM:SS UTC``."""
    return at.astimezone(UTC).strftime("%Y%m%d %H:%M:%S") + " UTC"


def handshake_answer(version: int, at: datetime) -> bytes:
    return frame([version, connection_time(at)])


class Cursor:
    """Reads a request's fields in order; a missing or non-numeric field is ProtocolError."""

    def __init__(self, fields: Sequence[str], start: int = 1) -> None:
        self.fields = fields
        self.i = start

    def text(self) -> str:
        if self.i >= len(self.fields):
            raise ProtocolError("missing_field", f"Message {self.fields[0]} is too short.")
        value = self.fields[self.i]
        self.i += 1
        return value

    def integer(self, default: int = 0) -> int:
        value = self.text().strip()
        if not value:
            return default
        try:
            return int(value)
        except ValueError:
            try:
                return int(float(value))
            except ValueError as exc:
                raise ProtocolError("bad_number", f"{value[:30]!r} is not a number.") from exc

    def real(self) -> float | None:
        value = self.text().strip()
        if not value:
            return None
        try:
            number = float(value)
        except ValueError as exc:
            raise ProtocolError("bad_number", f"{value[:30]!r} is not a number.") from exc
        return None if number >= 1.7e308 or number != number else number

    def flag(self) -> bool:
        return self.integer() != 0

    def skip(self, count: int = 1) -> None:
        for _ in range(count):
            self.text()

    @property
    def left(self) -> int:
        return len(self.fields) - self.i
