"""The printable security code card: a 10×10 grid whose cells are each asked once, two a time.

The plaintext card is shown to the user once; the caller stores one keyed hash per cell and
removes every asked label from the unused set, whether or not the answer was right.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence

from gatehouse.domain.errors import CardSpent, InvalidCode, InvalidInput
from gatehouse.domain.randomness import TokenSource

ROWS: tuple[str, ...] = tuple("ABCDEFGHIJ")
COLUMNS: tuple[int, ...] = tuple(range(1, 11))
CELL_LENGTH = 3
CELLS_PER_CHALLENGE = 2
# No 0/O, 1/I/L: nothing a user could misread from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

_LABEL_FORMAT = re.compile(r"([A-J])(10|[1-9])")
_RESPONSE_SEPARATORS = str.maketrans("", "", " \t\u00a0-")


def all_labels() -> list[str]:
    """Every cell label in grid order: A1, A2, … A10, B1, … J10."""
    return [f"{row}{column}" for row in ROWS for column in COLUMNS]


def issue_card(*, tokens: TokenSource) -> dict[str, str]:
    """A new card: label -> 3-character value, in grid order. Show it once, store hashes."""
    return {
        label: "".join(ALPHABET[tokens.below(len(ALPHABET))] for _ in range(CELL_LENGTH))
        for label in all_labels()
    }


def parse_label(label: str) -> str:
    """``label`` as a canonical cell label ("c4 " -> "C4"); InvalidInput if not on the card."""
    candidate = label.strip().upper()
    if _LABEL_FORMAT.fullmatch(candidate) is None:
        raise InvalidInput(
            f"{label!r} is not a cell of the card; cells run from A1 to J10.", field="label"
        )
    return candidate


def hash_cell(value: str, *, key: bytes, card_id: str, label: str) -> str:
    """HMAC-SHA256 (hex) of a cell value, bound to its card and label; case-insensitive."""
    normalized = _normalize_value(value)
    message = "\x00".join((card_id, parse_label(label), normalized)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def pick_challenge(
    unused_labels: Sequence[str],
    *,
    tokens: TokenSource,
    count: int = CELLS_PER_CHALLENGE,
) -> list[str]:
    """``count`` distinct random labels from those never asked, returned in grid order.

    Raises CardSpent when fewer than ``count`` remain. The caller must then drop the picked
    labels from its unused set before showing them, so that no cell is ever asked twice.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    pool = sorted({parse_label(label) for label in unused_labels}, key=_grid_position)
    if len(pool) < count:
        raise CardSpent()
    # A partial Fisher-Yates shuffle: the first ``count`` entries are a uniform sample.
    for i in range(count):
        j = i + tokens.below(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return sorted(pool[:count], key=_grid_position)


def verify_response(
    response: str | Sequence[str],
    *,
    expected_hashes: Mapping[str, str],
    key: bytes,
    card_id: str,
) -> None:
    """Return if ``response`` holds the right value for every challenged cell; else InvalidCode.

    ``expected_hashes`` maps the challenge labels, in the order they were asked, to the
    stored hashes. ``response`` is either one value per label in that order, or all values
    in one string ("AB3 X7K", "ab3-x7k" and "AB3X7K" are the same). Every cell is checked,
    so the time taken does not show which one was wrong.
    """
    if not expected_hashes:
        raise ValueError("a card challenge needs at least one cell")
    values = _split_response(response, cells=len(expected_hashes))
    all_equal = True
    for value, (label, expected) in zip(values, expected_hashes.items(), strict=True):
        given = hash_cell(value, key=key, card_id=card_id, label=label)
        all_equal &= hmac.compare_digest(given.encode("ascii"), expected.encode("ascii"))
    if not all_equal:
        raise InvalidCode("At least one of the card values is wrong.")


def _split_response(response: str | Sequence[str], *, cells: int) -> list[str]:
    wrong_shape = InvalidCode(
        f"Enter {cells} values of {CELL_LENGTH} characters each, in the order they were asked."
    )
    if isinstance(response, str):
        compact = _normalize_value(response)
        if len(compact) != cells * CELL_LENGTH:
            raise wrong_shape
        return [compact[i : i + CELL_LENGTH] for i in range(0, len(compact), CELL_LENGTH)]
    values = [_normalize_value(value) for value in response]
    if len(values) != cells or any(len(value) != CELL_LENGTH for value in values):
        raise wrong_shape
    return values


def _normalize_value(value: str) -> str:
    return value.translate(_RESPONSE_SEPARATORS).upper()


def _grid_position(label: str) -> tuple[int, int]:
    return ROWS.index(label[0]), int(label[1:])
