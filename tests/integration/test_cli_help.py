"""Every ``gatehouse`` command explains itself: each argument and option has a description,
and ``serve --help`` shows the real default port and the variable that changes it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from typer.testing import CliRunner

from gatehouse.cli.app import app
from gatehouse.settings import DEFAULT_PORT, Settings

WIDE = {"COLUMNS": "250", "TERMINAL_WIDTH": "250", "NO_COLOR": "1"}


def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``command``, with the words that invoke it."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from commands(sub, (*path, name))


def flat(text: str) -> str:
    """Help text without Rich's boxes and line breaks."""
    return " ".join(text.replace("│", " ").replace("╭", " ").replace("╰", " ").split())


def test_every_parameter_of_every_command_has_a_description():
    root = typer.main.get_command(app)
    runner = CliRunner()
    walked, undocumented = [], []
    for path, command in commands(root):
        shown = runner.invoke(app, [*path, "--help"], env=WIDE)
        assert shown.exit_code == 0, (path, shown.output)
        assert command.help or not path, f"{' '.join(path)} has no description"
        for param in command.params:
            if param.name == "help":
                continue
            described = (getattr(param, "help", None) or "").strip()
            if not described:
                undocumented.append(f"{' '.join(path)} {param.name}")
                continue
            # the description is what --help prints (its first words, before any wrapping)
            if not getattr(param, "hidden", False):
                assert " ".join(described.split()[:3]) in flat(shown.output), (path, param.name)
            walked.append(param.name)
    assert undocumented == []
    assert len(walked) > 40  # the walk reached every group (serve, users, …, key, support)


def test_serve_help_shows_the_default_port_and_its_variable():
    shown = flat(CliRunner().invoke(app, ["serve", "--help"], env=WIDE).output)
    assert f"[default: {DEFAULT_PORT}]" in shown and "GATEHOUSE_PORT" in shown
    assert "GATEHOUSE_HOST" in shown and "[default: 127.0.0.1]" in shown


def test_the_default_port_is_8000_and_the_variable_moves_it(monkeypatch):
    for name in ("GATEHOUSE_PORT", "GATEHOUSE_HOST"):
        monkeypatch.delenv(name, raising=False)
    assert DEFAULT_PORT == 8000 == Settings().port  # the Gateway takes 5000
    monkeypatch.setenv("GATEHOUSE_PORT", "8123")
    assert Settings().port == 8123


def test_a_bad_port_is_bad_usage_with_its_name():
    refused = CliRunner().invoke(app, ["serve", "--port", "0"], env=WIDE)
    assert refused.exit_code == 2 and "--port" in refused.output
    refused = CliRunner().invoke(app, ["serve"], env={**WIDE, "GATEHOUSE_PORT": "http"})
    assert refused.exit_code == 2 and "--port" in refused.output
