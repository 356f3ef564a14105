"""Account recovery rules: single-use reset tokens, security questions and their answers.

Reset tokens are 256-bit random values; only a keyed hash is stored. Security answers are
normalized (case, spacing, punctuation) before they are hashed, so "New  York!" and
"new york" are the same answer. Security questions are a weak factor: Gatehouse never lets
them recover an account on their own (see docs/recovery.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from gatehouse.domain.clock import as_utc
from gatehouse.domain.errors import InvalidInput, InvalidRecoveryToken, RecoveryNotFound
from gatehouse.domain.randomness import TokenSource

TOKEN_BYTES = 32
TOKEN_TTL_SECONDS = 1800
ATTEMPT_TTL_SECONDS = 600
MAX_ATTEMPT_FAILURES = 3
QUESTION_COUNT = 3
MIN_ANSWER_CHARS = 3
MAX_ANSWER_CHARS = 100

# Users pick from a fixed catalog rather than writing their own questions: the answers to
# self-written questions are often in the question, and a fixed catalog lets Gatehouse show
# believable questions for accounts that do not exist (nothing to enumerate).
QUESTIONS: dict[str, str] = {
    "first_school": "What was the name of your first school?",
    "childhood_street": "On which street did you live as a child?",
    "first_pet": "What was the name of your first pet?",
    "parents_met": "In which city did your parents meet?",
    "first_concert": "What was the first concert you went to?",
    "childhood_friend": "What was the first name of your childhood best friend?",
    "first_car": "What was the make and model of your first car?",
    "favourite_teacher": "What was the surname of your favourite teacher?",
    "first_job": "What was your first job?",
    "grandmother_name": "What is your maternal grandmother's first name?",
    "honeymoon": "Where did you spend your first holiday abroad?",
    "first_phone": "What was the brand of your first mobile phone?",
}

_SPACES = re.compile(r"\s+")


class Channel(StrEnum):
    EMAIL = "email"
    QUESTIONS = "questions"


@dataclass(eq=False)
class RecoveryToken:
    token_hash: str
    user_id: int
    channel: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def ensure_usable(self, now: datetime) -> None:
        if self.used_at is not None or now >= as_utc(self.expires_at):
            raise InvalidRecoveryToken()


@dataclass(eq=False)
class RecoveryAttempt:
    """Recovery by security questions in progress; ``user_id`` is None for unknown names."""

    public_id: str
    username: str
    question_ids: list[str]
    created_at: datetime
    expires_at: datetime
    user_id: int | None = None
    failures: int = 0
    finished: bool = False
    sms: dict[str, object] = field(default_factory=dict)

    def ensure_open(self, now: datetime) -> None:
        if self.finished or self.failures >= MAX_ATTEMPT_FAILURES or now >= as_utc(self.expires_at):
            raise RecoveryNotFound()

    def record_failure(self) -> None:
        self.failures += 1
        if self.failures >= MAX_ATTEMPT_FAILURES:
            self.finished = True


@dataclass(frozen=True)
class SecurityAnswer:
    position: int
    question_id: str
    answer_hash: str


# --- tokens ---------------------------------------------------------------------------
def new_token(tokens: TokenSource) -> str:
    """A 256-bit single-use token, URL-safe (it travels in a link)."""
    return base64.urlsafe_b64encode(tokens.token_bytes(TOKEN_BYTES)).decode("ascii").rstrip("=")


def token_digest(token: str, *, key: bytes) -> str:
    """What is stored of a reset token: HMAC-SHA256 under a server purpose key."""
    return hmac.new(key, b"recovery-token\x00" + token.encode("utf-8"), hashlib.sha256).hexdigest()


def check_token_format(token: object) -> str:
    if not isinstance(token, str) or not 20 <= len(token) <= 128:
        raise InvalidRecoveryToken()
    return token


def new_reset_token(
    *, tokens: TokenSource, key: bytes, user_id: int, channel: Channel, now: datetime, ttl: int
) -> tuple[str, RecoveryToken]:
    """A token to hand out once, and the record to store in its place."""
    token = new_token(tokens)
    stored = RecoveryToken(
        token_hash=token_digest(token, key=key),
        user_id=user_id,
        channel=channel.value,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    return token, stored


# --- security questions ---------------------------------------------------------------
def normalize_answer(raw: str) -> str:
    """Case-folded, compatibility-normalized, punctuation removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", raw).casefold()
    kept = "".join(" " if unicodedata.category(c).startswith(("P", "S")) else c for c in text)
    return _SPACES.sub(" ", kept).strip()


def check_question_set(entries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Validate the user's chosen (question id, answer) pairs; returns normalized answers.

    Exactly three different catalog questions; each answer 3-100 characters once
    normalized, and no two answers alike.
    """
    if len(entries) != QUESTION_COUNT:
        raise InvalidInput(f"Choose exactly {QUESTION_COUNT} questions.", field="questions")
    ids = [qid for qid, _ in entries]
    unknown = [qid for qid in ids if qid not in QUESTIONS]
    if unknown:
        raise InvalidInput(f"Unknown question {unknown[0][:40]!r}.", field="questions")
    if len(set(ids)) != QUESTION_COUNT:
        raise InvalidInput("Choose three different questions.", field="questions")
    normalized = [(qid, normalize_answer(answer)) for qid, answer in entries]
    for _, answer in normalized:
        if not MIN_ANSWER_CHARS <= len(answer) <= MAX_ANSWER_CHARS:
            raise InvalidInput(
                f"Each answer needs {MIN_ANSWER_CHARS} to {MAX_ANSWER_CHARS} letters or digits.",
                field="answers",
            )
    if len({answer for _, answer in normalized}) != QUESTION_COUNT:
        raise InvalidInput("Give a different answer to each question.", field="answers")
    return normalized


def check_answers(raw: object) -> list[str]:
    """Answers as submitted for a check: three strings, normalized."""
    if (
        not isinstance(raw, list)
        or len(raw) != QUESTION_COUNT
        or not all(isinstance(a, str) and len(a) <= 4 * MAX_ANSWER_CHARS for a in raw)
    ):
        raise InvalidInput(f"Give {QUESTION_COUNT} answers, in the order asked.", field="answers")
    return [normalize_answer(a) for a in raw]


def decoy_questions(username: str, *, key: bytes) -> list[str]:
    """Three catalog questions derived from the name, for accounts without questions.

    The same name always gets the same questions, so asking twice reveals nothing.
    """
    ids = sorted(QUESTIONS)
    seed = hmac.new(key, b"decoy-questions\x00" + username.encode("utf-8"), hashlib.sha256).digest()
    chosen: list[str] = []
    for byte in seed:
        candidate = ids[byte % len(ids)]
        if candidate not in chosen:
            chosen.append(candidate)
        if len(chosen) == QUESTION_COUNT:
            break
    return chosen


def question_view(question_ids: list[str]) -> list[dict[str, str]]:
    return [{"id": qid, "text": QUESTIONS[qid]} for qid in question_ids]


def throttle_key(user_id: int | None, username: str) -> str:
    """Recovery failures count apart from sign-in failures, per account (or unknown name)."""
    return f"recovery:{user_id}" if user_id is not None else f"recovery-name:{username}"[:120]
