"""The SQLite catalogue of cube headers (WAL mode, one transaction per write)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from memos_lab.cube import CubeHeader

SCHEMA = """
CREATE TABLE IF NOT EXISTS cubes (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    namespace TEXT NOT NULL,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    is_current INTEGER NOT NULL DEFAULT 1,
    header TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX IF NOT EXISTS cubes_current ON cubes (namespace, kind, is_current);
"""


class CatalogueError(RuntimeError):
    """The catalogue database is unreadable or inconsistent."""


class Catalogue:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise CatalogueError(f"cube catalogue {path} is not a readable SQLite database: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: writers queue on the lock instead of racing."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def insert(self, conn: sqlite3.Connection, header: CubeHeader) -> None:
        conn.execute("UPDATE cubes SET is_current = 0 WHERE id = ?", (header.id,))
        conn.execute(
            "INSERT INTO cubes (id, version, namespace, owner, kind, state, is_current, header)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
            (
                header.id,
                header.version,
                header.namespace,
                header.owner,
                header.kind.value,
                header.state.value,
                json.dumps(header.to_dict(), ensure_ascii=False),
            ),
        )

    def header(self, cube_id: str, version: int | None = None) -> CubeHeader | None:
        if version is None:
            sql, args = "SELECT header FROM cubes WHERE id = ? AND is_current = 1", (cube_id,)
        else:
            sql, args = "SELECT header FROM cubes WHERE id = ? AND version = ?", (cube_id, version)
        row = self.conn.execute(sql, args).fetchone()
        return None if row is None else CubeHeader.from_dict(json.loads(row[0]))

    def current(self, namespace: str | None = None, kind: str | None = None) -> list[CubeHeader]:
        sql = "SELECT header FROM cubes WHERE is_current = 1"
        args: list[str] = []
        if namespace is not None:
            sql, args = sql + " AND namespace = ?", [*args, namespace]
        if kind is not None:
            sql, args = sql + " AND kind = ?", [*args, kind]
        rows = self.conn.execute(sql + " ORDER BY rowid", args).fetchall()
        return [CubeHeader.from_dict(json.loads(r[0])) for r in rows]

    def close(self) -> None:
        self.conn.close()
