"""The SQLite catalogue of cube versions (WAL mode, BEGIN IMMEDIATE transactions).

One row per (cube id, version); the current version is flagged. The header is
kept as JSON beside the columns that queries filter on. Live fields that are
not part of a version (access statistics) live in their own table and are laid
over the header on read. Every SQLite error leaves as a CatalogueError that
names the file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from memos_lab.cube import CubeHeader
from memos_lab.store.errors import CatalogueError

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS cubes (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    namespace TEXT NOT NULL,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    is_current INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    expires_at REAL,
    header TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX IF NOT EXISTS cubes_live ON cubes (namespace, kind) WHERE is_current = 1;
CREATE INDEX IF NOT EXISTS cubes_hash ON cubes (content_hash);
CREATE TABLE IF NOT EXISTS stats (
    id TEXT PRIMARY KEY,
    last_access REAL NOT NULL,
    access_count INTEGER NOT NULL
);
"""

LIVE_FIELDS = ("last_access", "access_count", "policy")
_SELECT = "SELECT c.header, s.last_access, s.access_count FROM cubes c LEFT JOIN stats s ON s.id = c.id"


class Catalogue:
    def __init__(self, path: Path, schemas: Sequence[str] = ()) -> None:
        self.path = path
        self._lock = threading.RLock()
        with self.guard("open"):
            self.conn = sqlite3.connect(path, timeout=60.0, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._create(schemas)

    def _create(self, schemas: Sequence[str]) -> None:
        found = self.conn.execute("PRAGMA user_version").fetchone()[0]
        tables = self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if found not in (0, SCHEMA_VERSION) or (found == 0 and tables):
            raise CatalogueError(
                f"cube catalogue {self.path} has schema version {found}; this store reads version {SCHEMA_VERSION}"
            )
        if found == 0:
            with self.transaction():
                for script in (SCHEMA, *schemas):
                    for statement in filter(str.strip, script.split(";")):
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'cubes_current'").fetchone():
            self._drop_scan_index()

    def _drop_scan_index(self) -> None:
        """Early v2 stores had an index on is_current first, which the planner chose over the id key."""
        with self.transaction():
            self.conn.execute("DROP INDEX IF EXISTS cubes_current")
            self.conn.execute("CREATE INDEX IF NOT EXISTS cubes_live ON cubes (namespace, kind) WHERE is_current = 1")

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Turn any SQLite error into a CatalogueError naming the file."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise CatalogueError(f"cube catalogue {self.path}: {what} failed: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: writers queue on the lock instead of racing; all or nothing."""
        with self._lock, self.guard("write"):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        with self._lock, self.guard("query"):
            return self.conn.execute(sql, args).fetchall()

    def change(self, sql: str, args: Sequence[Any] = ()) -> int:
        """Run one write statement; the number of rows it changed."""
        with self._lock, self.guard("write"):
            return self.conn.execute(sql, args).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._lock, self.guard("write"):
            self.conn.executemany(sql, rows)

    # -- cube rows ---------------------------------------------------------

    def insert(self, header: CubeHeader) -> None:
        """Add `header` as the current version of its cube (inside a transaction)."""
        self.execute("UPDATE cubes SET is_current = 0 WHERE id = ? AND is_current = 1", (header.id,))
        self.execute(
            "INSERT INTO cubes (id, version, namespace, owner, kind, state, is_current, content_hash, expires_at,"
            " header) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
            (*_key_columns(header), header.content_hash, header.expires_at, _stored_json(header)),
        )
        self.execute(
            "INSERT OR IGNORE INTO stats (id, last_access, access_count) VALUES (?, ?, ?)",
            (header.id, header.last_access, header.access_count),
        )

    def rewrite(self, header: CubeHeader) -> None:
        """Replace one stored version in place (its state changed; its content did not)."""
        self.execute(
            "UPDATE cubes SET state = ?, expires_at = ?, header = ? WHERE id = ? AND version = ?",
            (header.state.value, header.expires_at, _stored_json(header), header.id, header.version),
        )

    def header(self, cube_id: str, version: int | None = None) -> CubeHeader | None:
        if version is None:
            found = self.headers("c.id = ? AND c.is_current = 1", (cube_id,))
        else:
            found = self.headers("c.id = ? AND c.version = ?", (cube_id, version))
        return found[0] if found else None

    def headers(
        self, where: str, args: Sequence[Any] | dict[str, Any] = (), order: str = "c.rowid"
    ) -> list[CubeHeader]:
        rows = self.execute(f"{_SELECT} WHERE {where} ORDER BY {order}", args)
        return [self._header(row) for row in rows]

    def _header(self, row: tuple) -> CubeHeader:
        data = json.loads(row[0])
        if row[1] is not None:
            data["last_access"], data["access_count"] = row[1], row[2]
        try:
            return CubeHeader.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise CatalogueError(f"cube catalogue {self.path}: a stored header does not validate: {exc}") from exc

    def touch(self, cube_id: str, now: float) -> None:
        self.execute(
            "UPDATE stats SET access_count = access_count + 1, last_access = max(last_access, ?) WHERE id = ?",
            (now, cube_id),
        )

    def delete_cube(self, cube_id: str) -> None:
        self.execute("DELETE FROM cubes WHERE id = ?", (cube_id,))
        self.execute("DELETE FROM stats WHERE id = ?", (cube_id,))

    def hashes(self) -> dict[str, list[tuple[str, int]]]:
        """content hash -> the (cube id, version) rows that point at it."""
        found: dict[str, list[tuple[str, int]]] = {}
        for digest, cube_id, version in self.execute("SELECT content_hash, id, version FROM cubes"):
            found.setdefault(digest, []).append((cube_id, version))
        return found

    def integrity(self) -> list[str]:
        """SQLite's own check: an empty list when the file is sound."""
        rows = self.execute("PRAGMA quick_check")
        return [] if rows == [("ok",)] else [str(r[0]) for r in rows]

    def close(self) -> None:
        with self._lock:
            self.conn.close()


def _key_columns(header: CubeHeader) -> tuple:
    return (header.id, header.version, header.namespace, header.owner, header.kind.value, header.state.value)


def _stored_json(header: CubeHeader) -> str:
    """The header without its live fields, which other tables hold."""
    data = header.to_dict()
    for name in LIVE_FIELDS:
        data.pop(name)
    return json.dumps(data, allow_nan=False)
