"""Security code card: issuing, hashing, picking never-asked cells, checking answers."""

from __future__ import annotations

import pytest

from gatehouse.domain.errors import CardSpent, InvalidCode, InvalidInput
from gatehouse.domain.identity.factors import card
from gatehouse.domain.randomness import SeededTokens

KEY = b"k" * 32
CARD_ID = "card-1"


@pytest.fixture
def cells() -> dict[str, str]:
    return card.issue_card(tokens=SeededTokens(11))


def stored_hashes(cells: dict[str, str], labels: list[str]) -> dict[str, str]:
    return {
        label: card.hash_cell(cells[label], key=KEY, card_id=CARD_ID, label=label)
        for label in labels
    }


def wrong_value(value: str) -> str:
    # Same shape, different first character.
    replacement = next(c for c in card.ALPHABET if c != value[0])
    return replacement + value[1:]


# --- layout and issue ----------------------------------------------------------------------
def test_labels_run_a1_to_j10_in_grid_order() -> None:
    labels = card.all_labels()
    assert len(labels) == 100 == len(set(labels))
    assert labels[:3] == ["A1", "A2", "A3"]
    assert labels[9:11] == ["A10", "B1"]
    assert labels[-1] == "J10"


def test_issued_card_has_every_cell_with_unambiguous_values(cells: dict[str, str]) -> None:
    assert list(cells) == card.all_labels()
    for value in cells.values():
        assert len(value) == card.CELL_LENGTH
        assert set(value) <= set(card.ALPHABET)
        assert not set(value) & set("0O1IL")
    assert len(set(cells.values())) > 90  # random values, not a pattern


def test_cards_differ() -> None:
    assert card.issue_card(tokens=SeededTokens(1)) != card.issue_card(tokens=SeededTokens(2))


# --- labels --------------------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "label"), [("c4", "C4"), (" J10 ", "J10"), ("A1", "A1")])
def test_parse_label_normalizes(raw: str, label: str) -> None:
    assert card.parse_label(raw) == label


@pytest.mark.parametrize("raw", ["", "K1", "A0", "A11", "1A", "AA1", "A01", "C 4", "Ａ1", "A1\n1"])
def test_parse_label_refuses_cells_not_on_the_card(raw: str) -> None:
    with pytest.raises(InvalidInput):
        card.parse_label(raw)


# --- hashing --------------------------------------------------------------------------------
def test_hash_is_case_and_space_insensitive() -> None:
    expected = card.hash_cell("AB3", key=KEY, card_id=CARD_ID, label="C4")
    assert card.hash_cell(" ab3", key=KEY, card_id=CARD_ID, label="c4") == expected
    assert card.hash_cell("a b 3", key=KEY, card_id=CARD_ID, label="C4") == expected


def test_hash_is_bound_to_card_label_and_key() -> None:
    expected = card.hash_cell("AB3", key=KEY, card_id=CARD_ID, label="C4")
    assert card.hash_cell("AB3", key=KEY, card_id="card-2", label="C4") != expected
    assert card.hash_cell("AB3", key=KEY, card_id=CARD_ID, label="C5") != expected
    assert card.hash_cell("AB3", key=b"x" * 32, card_id=CARD_ID, label="C4") != expected
    assert card.hash_cell("AB4", key=KEY, card_id=CARD_ID, label="C4") != expected


# --- challenges ---------------------------------------------------------------------------
def test_challenge_is_two_distinct_unused_labels_in_grid_order() -> None:
    unused = ["J10", "B3", "A1", "E5"]
    tokens = SeededTokens(4)
    orders_seen = set()
    for _ in range(50):
        picked = card.pick_challenge(unused, tokens=tokens)
        assert len(picked) == card.CELLS_PER_CHALLENGE == len(set(picked))
        assert set(picked) <= set(unused)
        assert picked == sorted(picked, key=card.all_labels().index)
        orders_seen.add(tuple(picked))
    assert len(orders_seen) == 6  # every pair of the four comes up


def test_challenge_of_other_sizes() -> None:
    picked = card.pick_challenge(card.all_labels(), tokens=SeededTokens(6), count=5)
    assert len(set(picked)) == 5
    assert picked == sorted(picked, key=card.all_labels().index)
    with pytest.raises(ValueError):
        card.pick_challenge(card.all_labels(), tokens=SeededTokens(6), count=0)


def test_a_full_card_gives_fifty_challenges_then_is_spent() -> None:
    tokens = SeededTokens(8)
    unused = card.all_labels()
    asked: list[str] = []
    for _ in range(50):
        picked = card.pick_challenge(unused, tokens=tokens)
        asked += picked
        unused = [label for label in unused if label not in picked]
    assert sorted(asked) == sorted(card.all_labels())  # every cell asked exactly once
    assert unused == []
    with pytest.raises(CardSpent):
        card.pick_challenge(unused, tokens=tokens)


def test_one_cell_left_is_not_enough() -> None:
    with pytest.raises(CardSpent):
        card.pick_challenge(["C4"], tokens=SeededTokens(0))
    # Duplicates in the caller's list do not count twice.
    with pytest.raises(CardSpent):
        card.pick_challenge(["C4", "c4"], tokens=SeededTokens(0))


def test_challenges_are_spread_over_the_card() -> None:
    tokens = SeededTokens(21)
    seen = {
        label for _ in range(200) for label in card.pick_challenge(card.all_labels(), tokens=tokens)
    }
    assert len(seen) > 90


def test_bad_unused_label_is_refused() -> None:
    with pytest.raises(InvalidInput):
        card.pick_challenge(["C4", "Z9", "A1"], tokens=SeededTokens(0))


# --- responses ----------------------------------------------------------------------------
def test_right_values_pass_in_every_accepted_shape(cells: dict[str, str]) -> None:
    labels = ["C4", "H9"]
    expected = stored_hashes(cells, labels)
    first, second = cells["C4"], cells["H9"]
    for response in (
        [first, second],
        (first.lower(), f" {second} "),
        first + second,
        f"{first} {second}",
        f"{first.lower()}-{second.lower()}",
        f"  {first[:2]} {first[2]}{second}  ",
    ):
        card.verify_response(response, expected_hashes=expected, key=KEY, card_id=CARD_ID)


def test_values_in_the_wrong_order_fail(cells: dict[str, str]) -> None:
    expected = stored_hashes(cells, ["C4", "H9"])
    assert cells["C4"] != cells["H9"]
    with pytest.raises(InvalidCode):
        card.verify_response(
            [cells["H9"], cells["C4"]], expected_hashes=expected, key=KEY, card_id=CARD_ID
        )


@pytest.mark.parametrize("wrong_index", [0, 1])
def test_any_wrong_cell_fails(cells: dict[str, str], wrong_index: int) -> None:
    expected = stored_hashes(cells, ["C4", "H9"])
    values = [cells["C4"], cells["H9"]]
    values[wrong_index] = wrong_value(values[wrong_index])
    with pytest.raises(InvalidCode):
        card.verify_response(values, expected_hashes=expected, key=KEY, card_id=CARD_ID)
    with pytest.raises(InvalidCode):
        card.verify_response("".join(values), expected_hashes=expected, key=KEY, card_id=CARD_ID)


def test_values_from_another_card_fail(cells: dict[str, str]) -> None:
    expected = stored_hashes(cells, ["C4", "H9"])
    with pytest.raises(InvalidCode):
        card.verify_response(
            [cells["C4"], cells["H9"]], expected_hashes=expected, key=KEY, card_id="card-2"
        )


@pytest.mark.parametrize(
    "response",
    [
        "",
        "AB3",
        "AB3X7",
        "AB3X7KK",
        [],
        ["AB3"],
        ["AB3", "X7K", "QQQ"],
        ["AB", "3X7K"],
        ["AB3X7K"],
    ],
)
def test_wrong_shape_fails(cells: dict[str, str], response: str | list[str]) -> None:
    expected = stored_hashes(cells, ["C4", "H9"])
    with pytest.raises(InvalidCode):
        card.verify_response(response, expected_hashes=expected, key=KEY, card_id=CARD_ID)


def test_empty_challenge_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        card.verify_response("", expected_hashes={}, key=KEY, card_id=CARD_ID)
