"""The audit table: every write, and every access that was refused."""

from __future__ import annotations

from dataclasses import dataclass

from memos_lab.store.catalogue import Catalogue

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
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_cube ON audit (cube_id);
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
        """Log one event; call inside the write's transaction so both commit or neither."""
        self.catalogue.execute(
            "INSERT INTO audit (ts, actor, action, cube_id, namespace, version, allowed, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (ts, actor, action, cube_id, namespace, version, int(allowed), detail),
        )

    def record_denied(self, ts: float, actor: str, action: str, detail: str, **where: str | None) -> None:
        """Log a refusal in its own transaction: the refused write has rolled back."""
        with self.catalogue.transaction():
            self.record(ts, actor, action, allowed=False, detail=detail, **where)

    def entries(self, actor: str | None = None, cube_id: str | None = None) -> list[AuditEntry]:
        clauses, args = [], []
        for column, value in (("actor", actor), ("cube_id", cube_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        rows = self.catalogue.execute(f"SELECT * FROM audit{where} ORDER BY seq", args)
        return [AuditEntry(*row[:7], bool(row[7]), row[8]) for row in rows]
