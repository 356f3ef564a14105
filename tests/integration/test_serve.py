"""``gatehouse serve`` as an operator starts it: no ``--port``, a permissive umask, output to a
file. It listens on GATEHOUSE_PORT, prints an unwrapped banner, keeps its home private."""

from __future__ import annotations

import email
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support.ports import free_port
from typer.testing import CliRunner

from gatehouse.cli.app import app

FAST = {"GATEHOUSE_ARGON2_MEMORY_KIB": "1024", "GATEHOUSE_ARGON2_TIME_COST": "1"}
URI = re.compile(r"otpauth://totp/Gatehouse:demo\?secret=[A-Z2-7]+&issuer=Gatehouse\S*period=30")


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("GATEHOUSE_", "COLUMNS"))}
    return {**kept, **FAST, "GATEHOUSE_HOME": str(home), **extra}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Path, list[str]]]:
    """``gatehouse serve`` with no arguments, umask 000, stdout to a pipe (not a terminal);
    yields (port, home, the lines printed up to "listening")."""
    home, port = tmp_path / "home", free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gatehouse.cli", "serve"],
        env=clean_environment(home, GATEHOUSE_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        umask=0,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # pytest-timeout bounds this
            lines.append(line.rstrip("\n"))
            if line.startswith("Gatehouse listening on"):
                break
        else:
            pytest.fail(f"serve stopped before listening:\n{process.communicate()[1]}")
        yield port, home, lines
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_serve_without_port_listens_on_gatehouse_port_and_says_where(served):
    port, _, lines = served
    assert lines[-1].startswith(f"Gatehouse listening on http://localhost:{port}  ")
    answer = httpx.get(f"http://127.0.0.1:{port}/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_the_banner_is_not_wrapped_in_a_log_file(served):
    _, home, lines = served
    uri = json.loads((home / "demo-credentials.json").read_text())["otpauth_uri"]
    assert len(uri) > 80  # wider than Rich's default width for a file
    assert f"TOTP: {uri}" in lines
    assert any(URI.fullmatch(line.removeprefix("TOTP: ")) for line in lines)
    assert any(
        line.startswith("SMS codes go to") and line.endswith("gatehouse sms outbox")
        for line in lines
    )
    assert any("live account starts with no cash" in line for line in lines)
    assert f"Emails (password-reset links) are files in {home / 'mail'}" in lines


def test_a_reset_link_points_where_the_banner_does(served):
    """The embedded outbox's email links to the address the banner gives (localhost)."""
    port, home, _ = served
    answer = httpx.post(
        f"http://127.0.0.1:{port}/v1/api/recovery/password",
        json={"email": "demo@example.com"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    deadline = time.monotonic() + 15
    while not list((home / "mail").glob("*.eml")):
        assert time.monotonic() < deadline, "no reset email in the outbox"
        time.sleep(0.05)
    [mail] = (home / "mail").glob("*.eml")
    text = email.message_from_bytes(mail.read_bytes()).get_payload(decode=True).decode()
    assert f"http://localhost:{port}/recover?token=" in text


def test_the_home_is_private_whatever_the_umask(served):
    port, home, _ = served
    # a recovery email lands in the embedded mail outbox, inside the home; it is written after
    # the answer (a background task), so wait for it to appear
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        sent = client.post("/v1/api/recovery/password", json={"username": "demo"})
        assert sent.status_code == 202
    deadline = time.monotonic() + 20
    while not list((home / "mail").glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list((home / "mail").glob("*.eml"))
    files = {p.relative_to(home).as_posix(): p for p in home.rglob("*")}
    expected = {"gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm", "secret.key"}
    assert expected | {"demo-credentials.json", "mail", "served.json"} <= set(files)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name, path in files.items():
        wanted = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == wanted, name


def test_commands_beside_the_server_print_links_to_it(served):
    """``GATEHOUSE_PORT=N ./scripts/serve``, then a command in another shell without it: the
    link it prints is the server's, not the default port's."""
    port, home, _ = served
    assert json.loads((home / "served.json").read_text()) == {"url": f"http://localhost:{port}"}

    def reenroll(**extra: str) -> str:
        ran = subprocess.run(
            [sys.executable, "-m", "gatehouse.cli", "support", "reenroll-code", "demo"],
            env=clean_environment(home, COLUMNS="200", **extra),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 0, ran.stderr
        return ran.stdout

    assert f"gatehouse key enroll --server http://localhost:{port} --code" in reenroll()
    # what the command is told wins: its own port, or the public address
    assert "--server http://localhost:9999 --code" in reenroll(GATEHOUSE_PORT="9999")
    public = reenroll(GATEHOUSE_PUBLIC_BASE_URL="https://broker.example.com")
    assert "--server https://broker.example.com --code" in public


def test_an_existing_home_is_made_private(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    (home / "gatehouse.db").touch(mode=0o644)
    home.chmod(0o755)
    (home / "gatehouse.db").chmod(0o644)
    env = {**FAST, "GATEHOUSE_HOME": str(home), "GATEHOUSE_DATABASE_URL": None}
    listed = CliRunner().invoke(app, ["users", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in home.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_a_port_in_use_is_said_plainly_before_anything_is_created(tmp_path):
    """Another program on the port: one line saying so and what to do, exit 2, and no
    database, demo user or banner made for a server that could not have listened."""
    home = tmp_path / "home"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = subprocess.run(
            [sys.executable, "-m", "gatehouse.cli", "serve"],
            env=clean_environment(home, GATEHOUSE_PORT=str(port), COLUMNS="200"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert f"Port {port} on 127.0.0.1 is already in use" in ran.stdout
    assert "GATEHOUSE_PORT=8080 ./scripts/serve" in ran.stdout
    assert "listening" not in ran.stdout and "Traceback" not in ran.stderr
    assert not (home / "gatehouse.db").exists()
    assert not (home / "demo-credentials.json").exists()
