"""Store maintenance: verify every payload against its hash, collect garbage.

Both are administrator operations (actor ADMIN) and both are audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from memos_lab.store.access import ADMIN

if TYPE_CHECKING:
    from memos_lab.store.store import CubeStore


@dataclass(frozen=True)
class Damage:
    cube_id: str
    version: int
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"cube {self.cube_id} version {self.version}: {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    catalogue: Path
    catalogue_problems: list[str] = field(default_factory=list)
    damaged: list[Damage] = field(default_factory=list)
    blobs_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.catalogue_problems and not self.damaged

    def lines(self) -> list[str]:
        problems = [f"catalogue {self.catalogue}: {p}" for p in self.catalogue_problems]
        return problems + [str(d) for d in self.damaged]


@dataclass(frozen=True)
class GcReport:
    removed_blobs: int
    freed_bytes: int
    removed_temp_files: int
    purged_cubes: list[str]


def verify(store: CubeStore, actor: str = ADMIN) -> VerifyReport:
    """Check the catalogue file and every blob that any version points at."""
    store.require_admin(actor, "verify")
    problems = store.catalogue.integrity()
    damaged = []
    hashes = store.catalogue.hashes()
    for digest, rows in sorted(hashes.items()):
        reason = store.blobs.damage(digest)
        if reason is not None:
            damaged += [Damage(cube_id, version, store.blobs.path(digest), reason) for cube_id, version in rows]
    return VerifyReport(store.catalogue.path, problems, damaged, len(hashes))


def gc(store: CubeStore, actor: str = ADMIN, purge_expired: bool = False) -> GcReport:
    """Delete blobs no version points at (and leftover temp files); optionally drop expired cubes first.

    It holds the write lock throughout, so no put can be between writing its
    blob and committing its row.
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
        detail = f"{len(orphans)} blobs ({freed} bytes), {len(temps)} temp files, {len(purged)} expired cubes"
        store.audit.record(now, actor, "gc", detail=detail)
    return GcReport(len(orphans), freed, len(temps), purged)


def _purge_expired(store: CubeStore, actor: str, now: float) -> list[str]:
    rows = store.catalogue.execute("SELECT id, namespace FROM cubes WHERE is_current = 1 AND state = 'expired'")
    for cube_id, namespace in rows:
        store.catalogue.delete_cube(cube_id)
        store.access.forget_cube(cube_id)
        store.audit.record(now, actor, "purge", cube_id=cube_id, namespace=namespace)
    return [cube_id for cube_id, _ in rows]
