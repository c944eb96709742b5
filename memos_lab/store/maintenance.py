"""Store maintenance: verify every row, blob and audit record; collect garbage.

Both are administrator operations (actor ADMIN) and both are audited.

verify checks, and names each damaged cube version:
- every catalogue row: its header JSON parses and validates, and agrees with
  its columns (id, version, namespace, owner, kind, state, content hash);
- every cube has exactly one current version;
- every version's blob is present, matches its hash and its size_bytes;
- every version has the audit record of the write that made it;
- the audit log's hash chain (audit.py) and SQLite's own integrity check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from memos_lab.cube import CubeHeader
from memos_lab.store.access import ADMIN
from memos_lab.store.errors import DamagedRowError

if TYPE_CHECKING:
    from memos_lab.store.store import CubeStore

WRITES = ("put", "update", "rollback", "import")


@dataclass(frozen=True)
class Damage:
    cube_id: str
    version: int | None
    path: Path
    reason: str

    def __str__(self) -> str:
        version = "" if self.version is None else f" version {self.version}"
        return f"cube {self.cube_id}{version}: {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    catalogue: Path
    catalogue_problems: list[str] = field(default_factory=list)
    damaged: list[Damage] = field(default_factory=list)
    blobs_checked: int = 0
    audit_problems: list[str] = field(default_factory=list)
    audit_head: tuple[int, str] = (0, "")

    @property
    def ok(self) -> bool:
        return not self.catalogue_problems and not self.damaged and not self.audit_problems

    def lines(self) -> list[str]:
        problems = [f"catalogue {self.catalogue}: {p}" for p in self.catalogue_problems]
        audit = [f"catalogue {self.catalogue}: {p}" for p in self.audit_problems]
        return problems + [str(d) for d in self.damaged] + audit


@dataclass(frozen=True)
class GcReport:
    removed_blobs: int
    freed_bytes: int
    removed_temp_files: int
    purged_cubes: list[str]
    stray_files: list[Path] = field(default_factory=list)


def verify(store: CubeStore, actor: str = ADMIN, anchor: tuple[int, str] | None = None) -> VerifyReport:
    """Check the catalogue file, every row, every blob that a row points at, and the audit chain."""
    store.require_admin(actor, "verify")
    problems = store.catalogue.integrity()
    rows = store.catalogue.rows()
    damaged, good = _check_rows(store, rows)
    damaged += _check_current(store, rows)
    damaged += _check_blobs(store, good)
    damaged += _check_written(store, rows)
    audit_problems = store.audit.verify_chain(anchor)
    report = VerifyReport(
        store.catalogue.path, problems, damaged, len({h.content_hash for h in good}), audit_problems,
        store.audit.head(),
    )  # fmt: skip
    detail = f"{len(damaged)} damaged, {len(problems) + len(audit_problems)} catalogue or audit problems"
    if not problems:  # a file SQLite itself finds unsound is not written to
        store.audit.record_alone(store.clock(), actor, "verify", detail=detail)
    return report


def _check_rows(store: CubeStore, rows: list[tuple]) -> tuple[list[Damage], list[CubeHeader]]:
    damaged, good = [], []
    for row in rows:
        try:
            good.append(store.catalogue.parse(row[:-1]))
        except DamagedRowError as exc:
            damaged.append(Damage(str(row[0]), row[1], store.catalogue.path, _reason(exc)))
    return damaged, good


def _check_current(store: CubeStore, rows: list[tuple]) -> list[Damage]:
    current = Counter(row[0] for row in rows if row[-1] == 1)
    return [
        Damage(str(cube_id), None, store.catalogue.path, f"has {current[cube_id]} current versions, not one")
        for cube_id in sorted({row[0] for row in rows}, key=str)
        if current[cube_id] != 1
    ]


def _check_blobs(store: CubeStore, headers: list[CubeHeader]) -> list[Damage]:
    damaged = []
    reasons: dict[str, str | None] = {}
    for header in headers:
        digest = header.content_hash
        if digest not in reasons:
            reasons[digest] = store.blobs.damage(digest)
        reason = reasons[digest]
        if reason is None and store.blobs.size(digest) != header.size_bytes:
            reason = f"says {header.size_bytes} bytes, its blob has {store.blobs.size(digest)}"
        if reason is not None:
            damaged.append(Damage(header.id, header.version, store.blobs.path(digest), reason))
    return damaged


def _check_written(store: CubeStore, rows: list[tuple]) -> list[Damage]:
    """Every version was made by an audited write (a row inserted with sqlite3 was not)."""
    marks = ",".join("?" * len(WRITES))
    written = set(
        store.catalogue.execute(f"SELECT cube_id, version FROM audit WHERE allowed = 1 AND action IN ({marks})", WRITES)
    )
    return [
        Damage(str(row[0]), row[1], store.catalogue.path, "no audit record of the write that made this version")
        for row in rows
        if (row[0], row[1]) not in written
    ]


def _reason(exc: DamagedRowError) -> str:
    """The message without the 'cube catalogue PATH: cube X version N: ' prefix that Damage adds back."""
    return str(exc).split(f"version {exc.version}: ", 1)[-1]


def gc(store: CubeStore, actor: str = ADMIN, purge_expired: bool = False) -> GcReport:
    """Delete blobs no version points at (and leftover temp files); optionally drop expired cubes first.

    Files in the blob folder that are not blobs (a stray README, an editor's
    backup) are reported and left alone. It holds the write lock throughout,
    so no put can be between writing its blob and committing its row.
    """
    store.require_admin(actor, "gc")
    now = store.clock()
    with store.catalogue.transaction():
        purged = _purge_expired(store, actor, now) if purge_expired else []
        orphans = store.blobs.digests() - set(store.catalogue.hashes())
        freed = sum(store.blobs.size(d) for d in orphans)
        for digest in orphans:
            store.blobs.delete(digest)
        temps = store.blobs.temp_files()
        for temp in temps:
            temp.unlink(missing_ok=True)
        strays = store.blobs.stray_files()
        detail = (
            f"{len(orphans)} blobs ({freed} bytes), {len(temps)} temp files, {len(purged)} expired cubes,"
            f" {len(strays)} stray files left alone"
        )
        store.audit.record(now, actor, "gc", detail=detail)
    return GcReport(len(orphans), freed, len(temps), purged, strays)


def _purge_expired(store: CubeStore, actor: str, now: float) -> list[str]:
    rows = store.catalogue.execute("SELECT id, namespace FROM cubes WHERE is_current = 1 AND state = 'expired'")
    for cube_id, namespace in rows:
        store.catalogue.delete_cube(cube_id)
        store.access.forget_cube(cube_id)
        store.audit.record(now, actor, "purge", cube_id=cube_id, namespace=namespace)
    return [cube_id for cube_id, _ in rows]
