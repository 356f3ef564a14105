"""The README's curl tour as data: its commands, in order, each with the answer the README shows.

A command is a line of a bash block (with its ``\\`` continuations); a comment ``# -> …`` on the
line after it (or at its end) is the answer it must print. In an answer, ``…`` stands for
anything: a value (``"ssoExpires":…``), the rest of a string (``"U…"``), more members of an
object (``,…}``) or more items of a list (``[…]``, ``,…]``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ANSWER = "# -> "
ANY = "\x00any"
MORE = "\x00more"


@dataclass
class Step:
    command: str
    expected: str | None = None


def section(markdown: str, title_start: str) -> str:
    """The text of the ``## `` section whose title starts with ``title_start``."""
    found = re.search(rf"^## {re.escape(title_start)}.*?$(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    if found is None:
        raise LookupError(f"no section '## {title_start}…' in the README")
    return found.group(1)


def bash_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", markdown, re.M | re.S)


def steps(block: str) -> list[Step]:
    """The commands of a bash block, each with the answer shown for it (if any)."""
    found: list[Step] = []
    pending = ""
    for line in block.splitlines():
        stripped = line.strip()
        if pending:
            pending += "\n" + line
        elif stripped.startswith(ANSWER):
            if not found or found[-1].expected is not None:
                raise ValueError(f"an answer with no command before it: {line}")
            found[-1].expected = stripped.removeprefix(ANSWER)
            continue
        elif not stripped or stripped.startswith("#"):
            continue
        else:
            pending = line
        if not pending.endswith("\\"):
            answer = pending.partition("  " + ANSWER)[2]
            found.append(Step(pending, answer.strip() or None))
            pending = ""
    if pending:
        raise ValueError(f"a command continues past the end of its block: {pending}")
    return found


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` (a command's output) is the answer the README shows."""
    actual = actual.strip()
    if expected[:1] in "{[":
        try:
            return _same(json.loads(_as_json(expected)), json.loads(actual))
        except json.JSONDecodeError:
            return False
    return _text(expected, actual)


def _as_json(expected: str) -> str:
    text = re.sub(r"([{,])…}", lambda m: m.group(1) + json.dumps(MORE) + ":null}", expected)
    text = re.sub(r"([\[,])…]", lambda m: m.group(1) + json.dumps(MORE) + "]", text)
    return re.sub(r":…", lambda _: ":" + json.dumps(ANY), text)


def _text(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("…"))
    return re.fullmatch(pattern, actual, re.S) is not None


def _same(expected: Any, actual: Any) -> bool:
    if expected == ANY:
        return True
    if isinstance(expected, str):
        return isinstance(actual, str) and _text(expected, actual)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        keys = set(expected) - {MORE}
        if MORE not in expected and keys != set(actual):
            return False
        return all(k in actual and _same(expected[k], actual[k]) for k in keys)
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        if expected and expected[-1] == MORE:
            head = expected[:-1]
            return len(actual) >= len(head) and all(map(_same, head, actual))
        return len(expected) == len(actual) and all(map(_same, expected, actual))
    return bool(expected == actual and type(expected) is type(actual))
