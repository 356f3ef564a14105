"""The lock files pin every dependency pyproject.toml names, within its ranges, and the
runtime lock agrees with the dev lock (regenerate both with ``./scripts/lock``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;#]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", PROJECT["dependencies"]),
        (
            "requirements-dev.lock",
            PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"],
        ),
    ],
)
def test_every_dependency_is_pinned_within_its_range(lock, requirements):
    pinned = pins(lock)
    stale = []
    for line in requirements:
        wanted = Requirement(line)
        version = pinned.get(canonicalize_name(wanted.name))
        if version is None or not wanted.specifier.contains(version, prereleases=True):
            stale.append(f"{wanted} (locked: {version})")
    assert stale == [], f"run ./scripts/lock: {lock} lacks {stale}"


def test_the_runtime_lock_is_the_dev_lock_minus_the_dev_tools():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    assert "fastapi" in runtime and "pytest" not in runtime and "pytest" in dev


def test_every_lock_line_is_an_exact_pin():
    for lock in ("requirements.lock", "requirements-dev.lock"):
        for line in (ROOT / lock).read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                assert PIN.match(line), (lock, line)
