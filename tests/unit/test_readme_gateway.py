"""The README's Gateway commands (not run by the tour: they prompt) name the demo account as
the server creates it: paper trading has its own username."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.readme import bash_blocks, section

from gatehouse.service.demo import DEMO_USERNAME
from gatehouse.service.identity.users import paper_username_for

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_bot_section_signs_the_gateway_in_with_the_demo_paper_username():
    commands = "\n".join(bash_blocks(section(README, "A trading bot")))
    login = re.search(r"gateway login .*", commands)
    assert login is not None
    words = login.group(0).split()
    assert words[words.index("--environment") + 1] == "paper"
    assert words[words.index("--username") + 1] == paper_username_for(DEMO_USERNAME)
