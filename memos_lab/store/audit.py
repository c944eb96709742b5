"""The audit log: append-only and hash-chained.

Every write, every refusal and (unless the store was opened with
audit_reads=False) every read, list and export is one row. Each row carries
the hash of the row before it (`prev`) and its own hash over its sequence
number, its fields and `prev`; `audit_head` holds the last row's sequence
number and hash. Triggers refuse UPDATE and DELETE through SQL; an edit made
around them (dropping the triggers, editing the file) breaks the chain and
`verify_chain` names the first row where it breaks. Deleting the newest rows
*and* rewriting the head to match is the one edit the chain alone cannot see:
keep the head hash (`head()`, printed by `cube verify`) elsewhere to catch it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from memos_lab.store.catalogue import Catalogue, statements

GENESIS = "0" * 64
_FIELDS = "seq, ts, actor, action, cube_id, namespace, version, allowed, detail"

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    cube_id TEXT,
    namespace TEXT,
    version INTEGER,
    allowed INTEGER NOT NULL,
    detail TEXT NOT NULL,
    prev TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_cube ON audit (cube_id);
CREATE TABLE IF NOT EXISTS audit_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"""

APPEND_ONLY = """
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: float
    actor: str
    action: str
    cube_id: str | None
    namespace: str | None
    version: int | None
    allowed: bool
    detail: str


def row_hash(prev: str, fields: tuple) -> str:
    """The hash of one row: its fields (seq first) and the previous row's hash."""
    seq, ts, actor, action, cube_id, namespace, version, allowed, detail = fields
    canonical = [seq, float(ts), actor, action, cube_id, namespace, version, int(allowed), detail]
    text = json.dumps(canonical, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{text}".encode()).hexdigest()


def upgrade_v2(conn: sqlite3.Connection) -> None:
    """Chain the rows of a version-2 audit table (which had no chain) in their order, then lock it."""
    conn.execute("ALTER TABLE audit ADD COLUMN prev TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT ''")
    conn.execute("CREATE TABLE IF NOT EXISTS audit_head (one INTEGER PRIMARY KEY CHECK (one = 1),"
                 " seq INTEGER NOT NULL, hash TEXT NOT NULL)")  # fmt: skip
    prev, seq = GENESIS, 0
    for fields in conn.execute(f"SELECT {_FIELDS} FROM audit ORDER BY seq").fetchall():
        digest = row_hash(prev, fields)
        conn.execute("UPDATE audit SET prev = ?, hash = ? WHERE seq = ?", (prev, digest, fields[0]))
        prev, seq = digest, fields[0]
    if seq:
        conn.execute("INSERT OR REPLACE INTO audit_head (one, seq, hash) VALUES (1, ?, ?)", (seq, prev))
    for statement in statements(APPEND_ONLY):
        conn.execute(statement)


class AuditLog:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def record(
        self,
        ts: float,
        actor: str,
        action: str,
        *,
        cube_id: str | None = None,
        namespace: str | None = None,
        version: int | None = None,
        allowed: bool = True,
        detail: str = "",
    ) -> None:
        """Append one event; call inside a transaction (the write's own, so both commit or neither)."""
        _, prev = self.head()
        last_seq = self.catalogue.execute("SELECT coalesce(max(seq), 0) FROM audit")[0][0]  # even past a forged row
        fields = (last_seq + 1, float(ts), actor, action, cube_id, namespace, version, int(allowed), detail)
        digest = row_hash(prev, fields)
        self.catalogue.execute(
            f"INSERT INTO audit ({_FIELDS}, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields, prev, digest),
        )
        self.catalogue.execute(
            "INSERT OR REPLACE INTO audit_head (one, seq, hash) VALUES (1, ?, ?)", (fields[0], digest)
        )

    def record_alone(self, ts: float, actor: str, action: str, **fields) -> None:
        """Append one event in its own transaction (a refusal, after the refused write rolled back; a read)."""
        with self.catalogue.transaction():
            self.record(ts, actor, action, **fields)

    def record_denied(self, ts: float, actor: str, action: str, detail: str, **where: str | None) -> None:
        self.record_alone(ts, actor, action, allowed=False, detail=detail, **where)

    def head(self) -> tuple[int, str]:
        """(sequence number, hash) of the newest row; (0, GENESIS) for an empty log."""
        rows = self.catalogue.execute("SELECT seq, hash FROM audit_head WHERE one = 1")
        return (rows[0][0], rows[0][1]) if rows else (0, GENESIS)

    def entries(self, actor: str | None = None, cube_id: str | None = None) -> list[AuditEntry]:
        clauses, args = [], []
        for column, value in (("actor", actor), ("cube_id", cube_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        rows = self.catalogue.execute(f"SELECT {_FIELDS} FROM audit{where} ORDER BY seq", args)
        return [AuditEntry(*row[:7], bool(row[7]), row[8]) for row in rows]

    def verify_chain(self, anchor: tuple[int, str] | None = None) -> list[str]:
        """Every break in the chain, by sequence number; empty when the log is as written.

        `anchor` (seq, hash), a head recorded elsewhere earlier, catches a log
        rewritten from that row on with the hashes recomputed.
        """
        problems, prev, last = [], GENESIS, 0
        if anchor is not None:
            found = self.catalogue.execute("SELECT hash FROM audit WHERE seq = ?", (anchor[0],))
            if not found or found[0][0] != anchor[1]:
                problems.append(f"audit row {anchor[0]}: differs from the anchor recorded earlier (log rewritten)")
        for row in self.catalogue.execute(f"SELECT {_FIELDS}, prev, hash FROM audit ORDER BY seq"):
            fields, stored_prev, stored = row[:9], row[9], row[10]
            if stored_prev != prev:
                problems.append(f"audit row {fields[0]}: does not follow row {last} (a row was removed or inserted)")
            if row_hash(stored_prev, fields) != stored:
                problems.append(f"audit row {fields[0]}: its content does not match its hash (edited)")
            prev, last = stored, fields[0]
        if self.head() != (last, prev):
            problems.append(f"audit log: the head says row {self.head()[0]}, the last row is {last} (rows removed)")
        if not self._append_only():
            problems.append("audit log: the append-only triggers are missing")
        return problems

    def _append_only(self) -> bool:
        names = {r[0] for r in self.catalogue.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        return {"audit_no_update", "audit_no_delete"} <= names
