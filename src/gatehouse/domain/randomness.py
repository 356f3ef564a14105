"""Randomness as an injected dependency: secure by default, seedable in tests."""

from __future__ import annotations

import random
import secrets
from typing import Protocol


class TokenSource(Protocol):
    def token_bytes(self, n: int) -> bytes: ...

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        ...


class SecureTokens:
    def token_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)

    def below(self, n: int) -> int:
        return secrets.randbelow(n)


class SeededTokens:
    """Deterministic randomness for tests; never used outside them."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def token_bytes(self, n: int) -> bytes:
        return self._rng.randbytes(n)

    def below(self, n: int) -> int:
        return self._rng.randrange(n)


def digits(source: TokenSource, count: int) -> str:
    """A string of ``count`` uniformly random decimal digits."""
    return "".join(str(source.below(10)) for _ in range(count))
