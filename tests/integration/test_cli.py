"""The ``gatehouse`` command, run as a real program on a fresh home; and the Alembic migrations."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Table, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from tests.support.backends import PG_ENV, require
from tests.support.ports import free_port

from gatehouse.adapters.db import migrate
from gatehouse.adapters.db.identity import tables
from gatehouse.adapters.db.schema import metadata
from gatehouse.bootstrap import Runtime, build
from gatehouse.domain.identity.factors import card
from gatehouse.service.identity import users
from gatehouse.settings import Settings

PASSWORD = "Correct-Horse-42-battery"
NEW_PASSWORD = "Staple-Orbit-77-lantern"
FAST = {"GATEHOUSE_ARGON2_MEMORY_KIB": "1024", "GATEHOUSE_ARGON2_TIME_COST": "1"}


def environment(home: Path) -> dict[str, str]:
    """The test's environment without any GATEHOUSE_* setting but a home of its own."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    return {**kept, **FAST, "GATEHOUSE_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "gatehouse.cli", *args]


def gatehouse(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    # A new session has no controlling terminal, so a password prompt reads stdin.
    return subprocess.run(
        command(*args),
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(home),
        timeout=60,
        start_new_session=True,
        check=False,
    )


def gatehouse_all(home: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run independent commands at the same time (they only read)."""
    running = [
        subprocess.Popen(
            command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=environment(home),
            start_new_session=True,
        )
        for args in commands
    ]
    done = []
    for args, process in zip(commands, running, strict=True):
        out, err = process.communicate(timeout=60)
        done.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return done


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def create_alice(home: Path) -> dict[str, str]:
    made = gatehouse(
        home,
        *("users", "create", "alice", "--email", "alice@example.com"),
        *("--password", PASSWORD, "--phone", "+1 555 123 4567"),
    )
    assert made.returncode == 0, made.stderr
    found = re.search(r"live account (U\d{7}), paper account (DU\d{7})", made.stdout)
    paper = re.search(r"username (\S+) password (\S+)", made.stdout)
    assert found and paper, made.stdout
    return {
        "live": found.group(1),
        "paper": found.group(2),
        "paper_username": paper.group(1),
        "paper_password": paper.group(2),
    }


async def runtime_on(home: Path) -> Runtime:
    """The server's own wiring on the CLI's home (same database and key)."""
    return await build(Settings(home=home, argon2_memory_kib=1024, argon2_time_cost=1))


async def password_works(home: Path, name: str, password: str) -> bool:
    """Check a stored password with the server's own hasher, on the CLI's database."""
    runtime = await runtime_on(home)
    try:
        user = await users.get(runtime.ctx, name)
        return await runtime.ctx.hasher.verify(user.password_hash, password)
    finally:
        await runtime.close()


def column(home: Path, sql: str) -> list[object]:
    with sqlite3.connect(home / "gatehouse.db") as db:
        return [row[0] for row in db.execute(sql)]


@pytest.fixture
async def home_with_alice(home: Path) -> Path:
    """A migrated home with one user, made in-process (quicker than the CLI)."""
    runtime = await runtime_on(home)
    try:
        await users.create(
            runtime.ctx,
            username="alice",
            password=PASSWORD,
            email="alice@example.com",
            phone="+15551234567",
        )
    finally:
        await runtime.close()
    return home


# --- users ---------------------------------------------------------------------------------
async def test_create_and_manage_a_user(home):
    alice = create_alice(home)
    assert alice["paper"] == "D" + alice["live"]
    assert alice["paper_username"] == "alicepaper"
    # the first command made the home and ran the real migrations on its SQLite database
    url = f"sqlite+aiosqlite:///{home / 'gatehouse.db'}"
    head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
    assert column(home, "SELECT version_num FROM alembic_version") == [head]
    sign_in_tables = {t.name for t in vars(tables).values() if isinstance(t, Table)}
    assert sign_in_tables <= set(column(home, "SELECT name FROM sqlite_master"))

    duplicate, weak, listed, shown = gatehouse_all(
        home,
        ["users", "create", "alice", "--email", "x@example.com", "--password", PASSWORD],
        ["users", "create", "bob", "--email", "b@example.com", "--password", "Horse-battery-x"],
        ["users", "list", "--json"],
        ["users", "show", "alice", "--json"],
    )
    assert duplicate.returncode == 1
    assert "That username is taken." in one_line(duplicate.stderr)
    assert weak.returncode == 1
    assert "weak_password" in weak.stderr
    assert "The password must contain at least one digit." in one_line(weak.stderr)
    assert column(home, "SELECT username FROM users") == ["alice"]

    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {
            "username": "alice",
            "email": "alice@example.com",
            "live": alice["live"],
            "paper": alice["paper"],
            "role": "user",
            "locked": False,
            "totp": False,
        }
    ]
    info = json.loads(shown.stdout)
    assert info["paper_username"] == "alicepaper"
    assert info["phone"] == "+15551234567"
    assert (info["admin_locked"], info["totp"], info["code_card"]) == (False, False, None)

    locked = gatehouse(home, "users", "lock", "alice")
    assert locked.stdout.strip() == "Locked alice."
    assert column(home, "SELECT admin_locked FROM users") == [1]
    assert gatehouse(home, "users", "unlock", "alice").stdout.strip() == "Unlocked alice."
    assert column(home, "SELECT admin_locked FROM users") == [0]

    refused, changed = gatehouse_all(
        home,
        ["users", "set-password", "alice", "--password", "Alice-12345!xyz"],
        ["users", "set-password", "alice", "--password", NEW_PASSWORD],
    )
    assert refused.returncode == 1
    assert "must not contain your username" in one_line(refused.stderr)
    assert changed.returncode == 0, changed.stderr
    assert "0 session(s) ended" in changed.stdout
    assert await password_works(home, "alice", NEW_PASSWORD)
    assert not await password_works(home, "alice", PASSWORD)


async def test_the_password_can_be_typed_at_the_prompt(home_with_alice):
    home = home_with_alice
    typed = gatehouse(
        home,
        *("users", "create", "carol", "--email", "c@example.com"),
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert typed.returncode == 0, typed.stderr
    assert PASSWORD not in typed.stdout
    assert await password_works(home, "carol", PASSWORD)


async def test_a_weak_or_mistyped_password_at_the_prompt_is_asked_for_again(home_with_alice):
    home = home_with_alice
    typed = gatehouse(
        home,
        *("users", "create", "dave", "--email", "d@example.com"),
        stdin=f"short\ndave-{PASSWORD}\n{PASSWORD}\nmistyped\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert typed.returncode == 0, typed.stderr
    said = one_line(typed.stderr)
    # each refusal comes before the confirmation is asked for: the first two need no second entry
    assert "at least 10 characters long. Choose another." in said
    assert "must not contain your username. Choose another." in said
    assert "The two entries do not match. Type it again." in said
    assert await password_works(home, "dave", PASSWORD)

    piped = gatehouse(home, "users", "set-password", "alice", stdin="short\n")
    assert piped.returncode == 1 and "Aborted" in piped.stderr  # end of input: no loop
    assert await password_works(home, "alice", PASSWORD)


async def test_the_table_reads_as_words(home_with_alice):
    home = home_with_alice
    issued = gatehouse(home, "card", "issue", "alice", "--pdf", str(home / "card.pdf"))
    card_id = re.search(r"Card (\w+) for alice", issued.stdout)
    assert card_id, issued.stdout
    shown, listed = gatehouse_all(home, ["users", "show", "alice"], ["users", "list"])
    rows = {line.split()[1]: line.split()[3:-1] for line in shown.stdout.splitlines()[1:-1]}
    assert rows["code_card"] == [card_id.group(1), "(100", "unused", "cells)"]
    assert rows["totp"] == rows["admin_locked"] == rows["hard_locked"] == ["no"]
    assert rows["phone"] == ["+15551234567"]
    assert "{" not in shown.stdout and "False" not in shown.stdout + listed.stdout
    assert re.search(r"alice .* user .* no .* no", listed.stdout)


async def test_unknown_users_exit_with_3(home_with_alice):
    home = home_with_alice
    answers = gatehouse_all(
        home,
        ["users", "show", "nobody"],
        ["card", "issue", "nobody", "--pdf", str(home / "never.pdf")],
    )
    for answer in answers:
        assert answer.returncode == 3, (answer.args, answer.stderr)
        assert "No user named 'nobody'." in one_line(answer.stderr)
    assert not (home / "never.pdf").exists()


async def test_the_paper_password_can_be_changed(home_with_alice):
    home = home_with_alice
    refused, temporary, changed = gatehouse_all(
        home,
        ["users", "set-password", "alice", "--paper", "--password", "Alicepaper-12345!x"],
        ["users", "set-password", "alice", "--paper", "--temporary", "--password", NEW_PASSWORD],
        ["users", "set-password", "alice", "--paper", "--password", NEW_PASSWORD],
    )
    assert refused.returncode == 1
    assert "must not contain your username" in one_line(refused.stderr)
    assert temporary.returncode == 1 and "cannot be temporary" in one_line(temporary.stderr)
    assert changed.returncode == 0, changed.stderr
    assert "Paper password changed for alice; 0 session(s) ended." in one_line(changed.stdout)
    runtime = await runtime_on(home)
    try:
        user = await users.get(runtime.ctx, "alice")
        assert await runtime.ctx.hasher.verify(user.paper_password_hash, NEW_PASSWORD)
        assert await runtime.ctx.hasher.verify(user.password_hash, PASSWORD)  # live unchanged
    finally:
        await runtime.close()


# --- factors and the SMS outbox --------------------------------------------------------------
async def test_totp_enrollment_code_card_and_sms_outbox(home_with_alice):
    home = home_with_alice
    pdf = home / "alice-card.pdf"
    enrolled, issued = gatehouse_all(
        home, ["totp", "enroll", "alice"], ["card", "issue", "alice", "--pdf", str(pdf)]
    )
    assert enrolled.returncode == 0, enrolled.stderr
    uri = enrolled.stdout.splitlines()[0]
    assert re.fullmatch(
        r"otpauth://totp/Gatehouse:alice\?secret=[A-Z2-7]{32}&issuer=Gatehouse"
        r"&algorithm=SHA1&digits=6&period=30",
        uri,
    )
    assert len(enrolled.stdout.splitlines()) > 10  # and a QR code to scan

    assert issued.returncode == 0, issued.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    assert oct(pdf.stat().st_mode & 0o777) == "0o600"
    card_id = re.search(r"Card (\w+) for alice", issued.stdout)
    assert card_id, issued.stdout
    grid = printed_grid(issued.stdout)
    assert sorted(grid) == sorted(card.all_labels())

    runtime = await runtime_on(home)
    try:
        async with runtime.ctx.uow() as uow:  # the printed card is the one stored (hashed)
            stored = await uow.cards.hashes(card_id.group(1), ["A1", "J10"])
        for label in ("A1", "J10"):
            assert stored[label] == card.hash_cell(
                grid[label], key=runtime.ctx.code_key, card_id=card_id.group(1), label=label
            )
        await runtime.ctx.sms.send("+15551234567", "Gatehouse sign-in code: 123456.")
        await runtime.ctx.sms.send("+447700900123", "Gatehouse sign-in code: 654321.")
    finally:
        await runtime.close()

    everything, to_alice = gatehouse_all(
        home, ["sms", "outbox", "--json"], ["sms", "outbox", "--json", "--to", "+15551234567"]
    )
    assert [m["text"] for m in json.loads(everything.stdout)] == [
        "Gatehouse sign-in code: 654321.",
        "Gatehouse sign-in code: 123456.",
    ]
    assert [m["to"] for m in json.loads(to_alice.stdout)] == ["+15551234567"]
    assert column(home, "SELECT totp_secret_sealed IS NOT NULL FROM users") == [1]


def printed_grid(stdout: str) -> dict[str, str]:
    """The cells of the card as printed: a header of columns, then one row per letter."""
    rows = [line.split() for line in stdout.splitlines()]
    header = next(r for r in rows if r == [str(c) for c in card.COLUMNS])
    cells = {}
    for row in rows:
        if len(row) == len(header) + 1 and row[0] in card.ROWS:
            for column, value in zip(header, row[1:], strict=True):
                assert re.fullmatch(f"[{card.ALPHABET}]{{3}}", value)
                cells[row[0] + column] = value
    return cells


def test_every_command_group_explains_itself(home):
    answers = gatehouse_all(
        home,
        ["--help"],
        ["users", "--help"],
        ["totp", "--help"],
        ["card", "--help"],
        ["sms", "--help"],
    )
    expected = [
        ["serve", "users", "totp", "card", "sms"],
        ["create", "list", "show", "lock", "unlock", "set-password"],
        ["enroll"],
        ["issue"],
        ["outbox"],
    ]
    for answer, commands in zip(answers, expected, strict=True):
        assert answer.returncode == 0, answer.stderr
        for name in commands:
            assert re.search(rf"\b{re.escape(name)}\b", answer.stdout), (answer.args, name)
    assert not home.exists()  # help needs no database


# --- the migrations match the tables -----------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgres"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    server = make_url(require(PG_ENV, "PostgreSQL"))
    name = "gh_migrate_" + secrets.token_hex(4)

    async def admin(sql: str) -> None:
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_the_migrations_build_exactly_the_declared_tables(fresh_database):
    migrate.upgrade(fresh_database)

    async def differences() -> tuple[list[object], str | None]:
        engine = create_async_engine(fresh_database)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        await engine.dispose()
        return diff, version

    diff, version = asyncio.run(differences())
    assert diff == []
    head = ScriptDirectory.from_config(migrate.alembic_config(fresh_database)).get_current_head()
    assert version == head
    migrate.upgrade(fresh_database)  # running them again changes nothing


def test_gateway_run_before_any_login_says_so_without_asking_a_passphrase(tmp_path):
    """No device file (or a damaged one): the way out is said at once, no passphrase asked."""
    gateway = tmp_path / "gateway"
    ran = gatehouse(tmp_path, "gateway", "run", "--home", str(gateway), stdin="")
    assert ran.returncode != 0
    assert "run `gatehouse gateway login` first" in ran.stdout + ran.stderr
    assert "Passphrase" not in ran.stdout + ran.stderr
    gateway.mkdir()
    (gateway / "device.json").write_text("{not json")
    ran = gatehouse(tmp_path, "gateway", "run", "--home", str(gateway), stdin="")
    assert "cannot be read" in ran.stdout + ran.stderr
    assert "Passphrase" not in ran.stdout + ran.stderr


@pytest.mark.parametrize("action", ["codes", "approve"])
def test_key_before_any_enrollment_says_so_without_asking_the_pin(tmp_path, action):
    """No device file (or a damaged one): enroll first, said at once; no PIN asked."""
    device = tmp_path / "key" / "device.json"
    ran = gatehouse(tmp_path, "key", "--file", str(device), action, stdin="")
    assert ran.returncode == 1
    assert "enroll first" in ran.stderr and "PIN" not in ran.stdout + ran.stderr
    device.parent.mkdir()
    device.write_text("{not json")
    ran = gatehouse(tmp_path, "key", "--file", str(device), action, stdin="")
    assert "cannot be read" in ran.stderr and "PIN" not in ran.stdout + ran.stderr


def test_a_short_pin_for_a_new_key_is_asked_for_again(tmp_path):
    device = tmp_path / "device.json"
    ran = gatehouse(
        tmp_path,
        *("key", "enroll", "--file", str(device)),
        *("--server", f"http://127.0.0.1:{free_port()}", "--code", "ABCD-EFGH-JKMN"),
        stdin="123\n246810\n246810\n",
    )
    assert "A PIN has at least 6 characters. Choose another." in one_line(ran.stderr)
    # the second PIN was taken: the command went on to the server (here, nothing listens)
    assert ran.returncode == 1 and "cannot be reached (ConnectError" in one_line(ran.stderr)


def test_key_file_given_before_the_command_is_the_one_used(tmp_path):
    device = tmp_path / "elsewhere.json"
    device.write_text("{not json")
    before = gatehouse(tmp_path, "key", "--file", str(device), "list")
    after = gatehouse(tmp_path, "key", "list", "--file", str(device))
    assert before.returncode == after.returncode == 1
    assert f"The device file {device} cannot be read" in before.stderr
    assert before.stderr == after.stderr
