"""The README as a newcomer runs it: a fresh clone, ``./scripts/serve`` with no arguments (it
makes its own .venv from the lock), then the README's curl tour, command by command, literally
— with none of the Debian packages that only ``./scripts/test`` installs (``oathtool``…).

Every command must succeed and print the answer the README shows under it (``# -> …``). The
tour is read from README.md each run, so a change to the README is a change to this test. The
server listens on a free port through GATEHOUSE_PORT, which the README's tour itself reads.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.backends import in_ci
from tests.support.ports import free_port
from tests.support.readme import Step, bash_blocks, matches, section, steps

ROOT = Path(__file__).resolve().parents[2]
MARK = "\x1estep-done"
TOUR = "A tour"


# Debian packages that ./scripts/test installs for the tests: a newcomer who has only run
# ./scripts/serve does not have them, so the tour must not need them.
TEST_ONLY_TOOLS = ("oathtool", "pdftotext", "chromium")


def newcomer_environment(port: int, shadow: Path) -> dict[str, str]:
    """This machine's environment without any Gatehouse setting but the port the README names,
    and without the test-only tools: ``shadow`` (first on PATH) gets a stand-in for each that
    fails as a missing command does (exit 127)."""
    shadow.mkdir(exist_ok=True)
    for tool in TEST_ONLY_TOOLS:
        stand_in = shadow / tool
        stand_in.write_text(
            f"#!/bin/sh\necho '{tool}: not installed by ./scripts/serve' >&2\nexit 127\n"
        )
        stand_in.chmod(0o755)
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("GATEHOUSE_", "VIRTUAL_ENV"))}
    path = os.pathsep.join([str(shadow), kept.get("PATH", os.defpath)])
    return {**kept, "PATH": path, "GATEHOUSE_PORT": str(port)}


def tour(readme: str) -> list[Step]:
    return [step for block in bash_blocks(section(readme, TOUR)) for step in steps(block)]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    for tool in ("git", "curl"):
        if shutil.which(tool) is None:
            if in_ci():
                pytest.fail(f"{tool} is missing: CI must run the README tour")
            pytest.skip(f"{tool} is missing")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    target = tmp_path / "gatehouse"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, timeout=120)
    return target


@pytest.fixture
def served(clone: Path, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The README's first command (``./scripts/serve``, no arguments) in the clone; returns
    once its banner says it listens."""
    first = steps(bash_blocks((clone / "README.md").read_text())[0])[0].command
    assert first.split()[0] == "./scripts/serve", first
    env = newcomer_environment(free_port(), tmp_path / "shadow")
    log = (tmp_path / "serve.err").open("w")
    started = time.monotonic()
    process = subprocess.Popen(
        ["bash", "-c", first],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    banner: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the test's timeout bounds the install
            banner.append(line.rstrip("\n"))
            if line.startswith("Gatehouse listening on"):
                break
        else:
            process.wait(timeout=30)
            errors = (tmp_path / "serve.err").read_text()
            pytest.fail(f"./scripts/serve exited {process.returncode}:\n{errors[-3000:]}")
        print(f"fresh clone: ./scripts/serve to its banner in {time.monotonic() - started:.1f} s")
        assert f"http://localhost:{env['GATEHOUSE_PORT']}" in banner[-1]
        yield clone, env
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
        log.close()


@pytest.mark.timeout(600)
def test_the_readme_tour_on_a_fresh_clone(served):
    clone, env = served
    commands = tour((clone / "README.md").read_text())
    assert sum(step.expected is not None for step in commands) >= 8  # the tour shows answers
    # one bash, as a reader pasting the block into one shell; a mark after each command
    script = "".join(f"{step.command}\nprintf '\\n{MARK} %s\\n' $?\n" for step in commands)
    ran = subprocess.run(
        ["bash"], input=script, cwd=clone, env=env, capture_output=True, text=True, timeout=120
    )
    chunks = ran.stdout.split(MARK)  # chunk k+1 starts with command k's exit status
    assert len(chunks) == len(commands) + 1, ran.stderr
    statuses = [chunk.split("\n", 1)[0].strip() for chunk in chunks[1:]]
    printed = [chunks[0]] + [chunk.partition("\n")[2] for chunk in chunks[1:-1]]
    for index, step in enumerate(commands):
        where = f"README tour, command {index + 1}:\n{step.command}\nprinted: {printed[index]!r}"
        assert statuses[index] == "0", f"{where}\nexit {statuses[index]}; stderr:\n{ran.stderr}"
        if step.expected is not None:
            assert matches(step.expected, printed[index]), f"{where}\nREADME shows: {step.expected}"
