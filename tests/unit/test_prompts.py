"""Choosing a new secret at a terminal: refused ones and mismatched repeats are asked again."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from gatehouse.clients.prompts import new_secret

chosen: list[str] = []
app = typer.Typer()


@app.command()
def choose() -> None:
    chosen.append(new_secret("PIN", lambda pin: "Too short." if len(pin) < 6 else None))


def test_a_refused_secret_is_said_before_the_repeat_and_asked_again() -> None:
    chosen.clear()
    ran = CliRunner().invoke(app, [], input="123\n246810\n246811\n246810\n246810\n")
    assert ran.exit_code == 0, ran.output
    assert chosen == ["246810"]
    # the short one got no "Repeat" prompt: refused at once; the mismatch asked both again
    assert ran.output.count("Repeat for confirmation") == 2
    assert "Too short. Choose another." in ran.output
    assert "The two entries do not match. Type it again." in ran.output


def test_end_of_input_aborts_instead_of_looping() -> None:
    chosen.clear()
    ran = CliRunner().invoke(app, [], input="123\n")
    assert ran.exit_code == 1 and "Aborted" in ran.output and chosen == []
