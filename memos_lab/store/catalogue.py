"""The SQLite catalogue of cube versions (WAL mode, BEGIN IMMEDIATE transactions).

One row per (cube id, version); the current version is flagged. The header is
kept as JSON beside the columns that queries filter on; every read checks that
the two agree (id, version, namespace, owner, kind, state, content hash), so a
row edited behind the store's back is refused, never served. Live fields that
are not part of a version (access statistics) live in their own table and are
laid over the header on read. Every SQLite error leaves as a CatalogueError
that names the file.

Opening is safe when many processes open a fresh store at once (see open.py);
`synchronous` is FULL unless the caller asks for NORMAL (see README.md).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from memos_lab.cube import CubeHeader
from memos_lab.store.errors import CatalogueError, DamagedRowError
from memos_lab.store.open import connect

SCHEMA_VERSION = 3

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
# The columns a stored header must agree with, in _SELECT order.
CHECKED = ("id", "version", "namespace", "owner", "kind", "state", "content_hash")
_SELECT = (
    "SELECT c.id, c.version, c.namespace, c.owner, c.kind, c.state, c.content_hash, c.header,"
    " s.last_access, s.access_count FROM cubes c LEFT JOIN stats s ON s.id = c.id"
)
SYNCHRONOUS = ("FULL", "NORMAL")
Upgrade = Callable[[sqlite3.Connection], None]


class Catalogue:
    def __init__(
        self,
        path: Path,
        schemas: Sequence[str] = (),
        *,
        upgrades: Sequence[Upgrade] = (),
        synchronous: str = "FULL",
    ) -> None:
        """`upgrades` bring a version-2 catalogue to this version (run once, inside the open transaction)."""
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {SYNCHRONOUS}, got {synchronous!r}")
        self.path = path
        self._lock = threading.RLock()
        with self.guard("open"):
            self.conn = connect(path, synchronous)
            try:
                self._create(schemas, upgrades)
            except BaseException:
                self.conn.close()
                raise

    def _create(self, schemas: Sequence[str], upgrades: Sequence[Upgrade]) -> None:
        """Read and create the schema in one write transaction: concurrent first opens see all of it or none."""
        with self.transaction():
            found = self.conn.execute("PRAGMA user_version").fetchone()[0]
            tables = self.conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            upgradable = found == 2 and upgrades
            if (found not in (0, SCHEMA_VERSION) and not upgradable) or (found == 0 and tables):
                raise CatalogueError(
                    f"cube catalogue {self.path} has schema version {found}; this store reads version {SCHEMA_VERSION}"
                )
            if found == 0:
                for script in (SCHEMA, *schemas):
                    for statement in statements(script):
                        self.conn.execute(statement)
            elif found == 2:
                self.conn.execute("DROP INDEX IF EXISTS cubes_current")  # early v2: chosen over the id key
                for statement in statements(SCHEMA):
                    self.conn.execute(statement)
                for upgrade in upgrades:
                    upgrade(self.conn)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Turn any SQLite error into a CatalogueError naming the file."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise CatalogueError(f"cube catalogue {self.path}: {what} failed: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: writers queue on the lock instead of racing; all or nothing.

        A failed COMMIT (a constraint checked at commit, a full disk) rolls
        back too, so the connection never stays inside a transaction.
        """
        with self._lock, self.guard("write"):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the original error is the one to report

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
        """One version (the current one when None); DamagedRowError if its row fails its checks."""
        if version is None:
            found = self.headers("c.id = ? AND c.is_current = 1", (cube_id,))
            if len(found) > 1:
                raise DamagedRowError(
                    f"cube catalogue {self.path}: cube {cube_id} has {len(found)} current versions",
                    cube_id=cube_id,
                )
        else:
            found = self.headers("c.id = ? AND c.version = ?", (cube_id, version))
        return found[0] if found else None

    def headers(
        self,
        where: str,
        args: Sequence[Any] | dict[str, Any] = (),
        order: str = "c.rowid",
        *,
        damaged: list[DamagedRowError] | None = None,
    ) -> list[CubeHeader]:
        """The rows matching `where`. A damaged row raises, or, when `damaged` is a list, is skipped into it."""
        found = []
        for row in self.execute(f"{_SELECT} WHERE {where} ORDER BY {order}", args):
            try:
                found.append(self.parse(row))
            except DamagedRowError as exc:
                if damaged is None:
                    raise
                damaged.append(exc)
        return found

    def parse(self, row: Sequence[Any]) -> CubeHeader:
        """A header from a _SELECT row, refused unless its JSON validates and agrees with its columns."""
        cube_id, version = row[0], row[1]
        where = f"cube catalogue {self.path}: cube {cube_id!r} version {version}"
        try:
            data = json.loads(row[7])
            if not isinstance(data, dict):
                raise TypeError(f"the stored header is a JSON {type(data).__name__}, not an object")
            if row[8] is not None:
                data["last_access"], data["access_count"] = row[8], row[9]
            header = CubeHeader.from_dict(data)
        except (TypeError, ValueError, RecursionError) as exc:
            raise DamagedRowError(f"{where}: the stored header is unreadable: {exc}", cube_id, version) from exc
        stored = _checked_values(header)
        differing = [
            name for name, column, value in zip(CHECKED, row[: len(CHECKED)], stored, strict=True) if column != value
        ]
        if differing:
            detail = ", ".join(f"{n} {row[CHECKED.index(n)]!r} vs {stored[CHECKED.index(n)]!r}" for n in differing)
            raise DamagedRowError(f"{where}: header and columns disagree ({detail})", cube_id, version)
        return header

    def rows(self) -> list[tuple]:
        """Every cube row as _SELECT returns it, plus is_current last (for verify)."""
        return self.execute(_SELECT.replace(" FROM", ", c.is_current FROM", 1) + " ORDER BY c.id, c.version")

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


def statements(script: str) -> list[str]:
    """The SQL statements of a script (triggers keep the ';' inside their BEGIN ... END)."""
    found, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip())
            pending = ""
    return found


def _key_columns(header: CubeHeader) -> tuple:
    return (header.id, header.version, header.namespace, header.owner, header.kind.value, header.state.value)


def _checked_values(header: CubeHeader) -> tuple:
    return (*_key_columns(header), header.content_hash)


def _stored_json(header: CubeHeader) -> str:
    """The header without its live fields, which other tables hold."""
    data = header.to_dict()
    for name in LIVE_FIELDS:
        data.pop(name)
    return json.dumps(data, allow_nan=False)
