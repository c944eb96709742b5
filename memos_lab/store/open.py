"""Opening the catalogue's SQLite connection, safely when many processes open a fresh store at once.

Two races broke concurrent first opens: switching a new file to WAL needs a
lock that SQLite's busy handler does not always wait for ("database is
locked" long before the timeout), and reading the schema outside a
transaction could see another opener's half-created tables. Here every
opener takes an advisory file lock beside the catalogue while it switches the
journal mode (the schema is then read and created inside BEGIN IMMEDIATE, see
catalogue.py), and a lock error while switching is retried until TIMEOUT_S.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TIMEOUT_S = 60.0


def connect(path: Path, synchronous: str) -> sqlite3.Connection:
    """A connection in autocommit mode (the store issues BEGIN itself), WAL, with `synchronous` set."""
    conn = sqlite3.connect(path, timeout=TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        with _opening(path):
            _retry_locked(lambda: _wal(conn))
        conn.execute(f"PRAGMA synchronous={synchronous}")
    except BaseException:
        conn.close()
        raise
    return conn


def _wal(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            raise sqlite3.OperationalError(f"cannot switch to WAL (journal mode stays {mode})")


def _retry_locked(step, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


@contextmanager
def _opening(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `<catalogue>.lock` (POSIX); elsewhere, none."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the retry alone
        yield
        return
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
