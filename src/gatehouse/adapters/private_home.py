"""GATEHOUSE_HOME kept private whatever the umask: the folder 0700, what is in it 0600.

It holds the SQLite database (password hashes), the server key, the demo credentials and the
mail outbox. SQLite gives its ``-wal``/``-shm`` files the database file's mode, so creating
that file 0600 first keeps them private too.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import make_url

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private(home: Path, database_url: str) -> None:
    """Create ``home`` (0700), take group/other access off what is in it, and create an
    embedded SQLite database file 0600 before SQLite does."""
    home.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _tighten(home)
    for path in home.rglob("*"):
        _tighten(path)
    database = sqlite_file(database_url)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
        for path in (database, *(Path(f"{database}{tail}") for tail in ("-wal", "-shm"))):
            if path.exists():
                _tighten(path)


def sqlite_file(database_url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory SQLite)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _tighten(path: Path) -> None:
    """Keep the owner's bits, drop everyone else's (owner only: 0700 folders, 0600 files)."""
    if path.is_symlink():
        return
    mode = path.stat().st_mode & 0o777
    wanted = PRIVATE_DIR if path.is_dir() else mode & 0o700
    if mode != wanted:
        path.chmod(wanted)
