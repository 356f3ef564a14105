"""How the README tour test reads the README: commands, their shown answers, and ``…``."""

from __future__ import annotations

import pytest
from tests.support.readme import bash_blocks, matches, section, steps

README = """# X

## A tour: things

```bash
A=1     # prose, not an answer
curl -s localhost \\
  -d '{}'
# -> {"a":1,"b":"x…",…}
echo hi  # -> hi
```

## Next

```bash
not in the tour
```
"""


def test_commands_and_answers_are_read_from_the_tour_section_only():
    (block,) = bash_blocks(section(README, "A tour"))
    found = steps(block)
    assert [s.command for s in found] == [
        "A=1     # prose, not an answer",
        "curl -s localhost \\\n  -d '{}'",
        "echo hi  # -> hi",
    ]
    assert [s.expected for s in found] == [None, '{"a":1,"b":"x…",…}', "hi"]


@pytest.mark.parametrize(
    ("shown", "printed", "same"),
    [
        ('{"a":1,"b":"x…",…}', '{"b":"xyz","a":1,"c":[]}', True),
        ('{"a":1,"b":"x…",…}', '{"a":2,"b":"xyz"}', False),
        ('{"a":1,"b":"x…"}', '{"a":1,"b":"xyz","c":3}', False),  # no … : no other member
        ('{"a":1,"b":"x…"}', '{"a":1,"b":"yz"}', False),
        ('{"n":…,"ok":true}', '{"n":359999,"ok":true}', True),
        ('{"ok":true}', '{"ok":1}', False),
        ('{"l":[…]}', '{"l":[1,2]}', True),
        ('{"l":[{"e":"x",…},…]}', '{"l":[{"e":"x","f":1},{"e":"y"}]}', True),
        ('{"l":[{"e":"x",…},…]}', '{"l":[{"e":"y"},{"e":"x"}]}', False),
        ('{"a":1}', '{"error":"not_found"}', False),
        ('{"a":1}', "not json", False),
        ("Gatehouse …", "Gatehouse sign-in", True),
        ("Gatehouse …", "Other", False),
    ],
)
def test_answers_match_with_ellipses_for_anything(shown, printed, same):
    assert matches(shown, printed) is same


def test_an_answer_without_a_command_is_an_error():
    with pytest.raises(ValueError):
        steps("# -> {}\n")
