"""Password policy (NIST SP 800-63B length and strength, operator composition rules) and generation.

Hashing lives in ``adapters/crypto``; this module only decides what is acceptable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from zxcvbn import zxcvbn

from gatehouse.domain.errors import WeakPassword
from gatehouse.domain.randomness import TokenSource

MIN_CONTEXT_WORD = 3  # shorter usernames / email names would match too many passwords
_STRENGTH_SAMPLE = 128

# Generated passwords are read from a screen or paper and typed: no look-alike characters.
_GEN_UPPER = "ABCDEFGHJKMNPQRSTUVWXYZ"
_GEN_LOWER = "abcdefghijkmnpqrstuvwxyz"
_GEN_DIGITS = "23456789"
_GEN_SYMBOLS = "!#$%&*+-=?@^_"


@dataclass(frozen=True)
class PasswordPolicy:
    """What a new password must satisfy; the composition rules are operator settings."""

    min_length: int = 10
    max_length: int = 128
    require_upper: bool = True
    require_lower: bool = True
    require_digit: bool = True
    require_symbol: bool = True
    min_strength: int = 2  # zxcvbn score, 0 (guessable) to 4 (very strong)

    def describe(self) -> str:
        """The rules in one sentence, for the forms that ask for a new password."""
        letters = {
            (True, True): "an upper-case and a lower-case letter",
            (True, False): "an upper-case letter",
            (False, True): "a lower-case letter",
        }.get((self.require_upper, self.require_lower))
        needs = [letters] if letters else []
        needs += ["a digit"] if self.require_digit else []
        needs += ["a symbol"] if self.require_symbol else []
        sentence = f"At least {self.min_length} characters"
        if needs:
            listed = needs[0] if len(needs) == 1 else ", ".join(needs[:-1]) + " and " + needs[-1]
            sentence += f", with {listed}"
        guessable = " or an easily guessed password" if self.min_strength > 0 else ""
        return f"{sentence}; not your username or e-mail{guessable}."


def check_password(
    password: str, *, policy: PasswordPolicy, username: str = "", email: str = ""
) -> None:
    """Return if ``password`` satisfies ``policy``; else raise WeakPassword for the first failure.

    Rules are checked in this order: length, character classes, context words (username,
    email), strength. The failed rule's stable name is in ``details["rule"]``.
    """
    if len(password) < policy.min_length:
        _fail("min_length", f"The password must be at least {policy.min_length} characters long.")
    if len(password) > policy.max_length:
        _fail("max_length", f"The password must be at most {policy.max_length} characters long.")
    if policy.require_upper and not any(c.isupper() for c in password):
        _fail("upper", "The password must contain at least one upper-case letter.")
    if policy.require_lower and not any(c.islower() for c in password):
        _fail("lower", "The password must contain at least one lower-case letter.")
    if policy.require_digit and not any(c.isdigit() for c in password):
        _fail("digit", "The password must contain at least one digit.")
    if policy.require_symbol and not any(_is_symbol(c) for c in password):
        _fail("symbol", "The password must contain at least one symbol, such as ! # % or ?.")
    folded = password.casefold()
    name = username.strip().casefold()
    if len(name) >= MIN_CONTEXT_WORD and name in folded:
        _fail("contains_username", "The password must not contain your username.")
    local_part = email.strip().rpartition("@")[0].casefold()
    if len(local_part) >= MIN_CONTEXT_WORD and local_part in folded:
        _fail("contains_email", "The password must not contain your email address.")
    if policy.min_strength > 0:
        _check_strength(password, policy=policy, context=_context_words(username, email))


def generate_password(*, tokens: TokenSource, length: int = 16) -> str:
    """A random password that satisfies the default policy (temporary and paper passwords)."""
    default = PasswordPolicy()
    if not default.min_length <= length <= default.max_length:
        raise ValueError(f"length must be between {default.min_length} and {default.max_length}")
    everything = _GEN_UPPER + _GEN_LOWER + _GEN_DIGITS + _GEN_SYMBOLS
    chars = [_pick(_GEN_UPPER, tokens), _pick(_GEN_LOWER, tokens)]
    chars += [_pick(_GEN_DIGITS, tokens), _pick(_GEN_SYMBOLS, tokens)]
    chars += [_pick(everything, tokens) for _ in range(length - len(chars))]
    for i in range(len(chars) - 1, 0, -1):  # Fisher-Yates, so the required ones move too
        j = tokens.below(i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def _check_strength(password: str, *, policy: PasswordPolicy, context: list[str]) -> None:
    # zxcvbn's cost grows faster than linearly with length; a long prefix scores just as well.
    sample = password[:_STRENGTH_SAMPLE]
    result = zxcvbn(sample, user_inputs=context, max_length=_STRENGTH_SAMPLE)
    if int(result["score"]) >= policy.min_strength:
        return
    warning = str(result.get("feedback", {}).get("warning") or "").strip()
    message = "The password is too easy to guess."
    if warning:
        message += f" {warning.rstrip('.')}."
    _fail("strength", message, score=int(result["score"]))


def _context_words(username: str, email: str) -> list[str]:
    """Words an attacker who knows the account would try first: names and email parts."""
    words = [username.strip(), email.strip()]
    words += re.split(r"[@.+_\-]", email.strip())
    return [word for word in dict.fromkeys(words) if len(word) >= MIN_CONTEXT_WORD]


def _fail(rule: str, message: str, **details: object) -> NoReturn:
    raise WeakPassword(message, rule=rule, **details)


def _is_symbol(char: str) -> bool:
    return not char.isalnum() and not char.isspace()


def _pick(alphabet: str, tokens: TokenSource) -> str:
    return alphabet[tokens.below(len(alphabet))]
